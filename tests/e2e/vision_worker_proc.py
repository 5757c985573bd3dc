"""A vision worker in its own process (the e2e SIGKILLs it mid-flight): `python -m tests.e2e.vision_worker_proc
CONFIG_JSON START_ISO`. Its clock reads START and runs on with the monotonic clock (never the wall clock)."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from homelake.sources.vision.config import VisionFamily
from homelake.sources.vision.outbox import Outbox
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.worker import Worker


def main() -> None:
    config = VisionFamily.model_validate_json(sys.argv[1])
    start, began = datetime.fromisoformat(sys.argv[2]), time.monotonic()
    providers = {p.name: build_provider(p) for p in config.providers}
    worker = Worker(config, providers, Outbox(config.outbox), local_tz=ZoneInfo("Europe/Berlin"),
                    clock=lambda: start + timedelta(seconds=time.monotonic() - began))  # fmt: skip
    print("worker ready", flush=True)
    worker.run_due()


if __name__ == "__main__":
    main()
