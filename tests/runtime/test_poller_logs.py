"""What a service's log says about polling: a target that starts failing and recovers (one line each), every
poll at DEBUG only, and a summary; against a RouterOS simulator over real HTTP with injected faults."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.runtime.supervisor import summary
from homelake.sim.model.site import build_site
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.simulator import RouterSimServer
from homelake.sources.mikrotik.target import MikrotikTarget

pytestmark = pytest.mark.integration
PASSWORD = "s3cret-Pa55"


def test_state_changes_at_info_each_poll_at_debug(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    site = build_site(7)
    at = site.start + timedelta(hours=30)
    with RouterSimServer(site, "fw", password=PASSWORD, clock=lambda: at) as server:
        router = MikrotikRouter(name="fw", url=server.url, password=None, allow_http=True)
        target = MikrotikTarget(router, PASSWORD, local_tz=UTC, interval_s=1.0, timeout_s=1.0)
        writer = BufferedLakeWriter(LakeWriter(tmp_path))
        poller = Poller(target, writer, retries=0)

        async def polls() -> list[bool]:
            outcomes = [await poller.poll_once()]  # ok
            for _ in range(3):  # three failing polls in a row: one warning
                server.faults.inject("unauthorized", 1)
                outcomes.append(await poller.poll_once())
            outcomes.append(await poller.poll_once())  # recovers: one info line
            outcomes.append(await poller.poll_once())  # ok again: nothing at info
            await target.aclose()
            return outcomes

        with caplog.at_level(logging.DEBUG, logger="homelake.runtime.poller"):
            assert asyncio.run(polls()) == [True, False, False, False, True, True]
        writer.flush()

    above_debug = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno > logging.DEBUG]
    assert [level for level, _ in above_debug] == ["WARNING", "INFO"], above_debug
    assert above_debug[0][1].startswith("target failing source=mikrotik target=fw error=MikrotikAuthError")
    assert above_debug[1][1].startswith("target recovered source=mikrotik target=fw failed_polls=3 failing_since=")
    debug = [
        r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG and r.getMessage().startswith("poll ")
    ]
    assert len(debug) == 6
    assert PASSWORD not in caplog.text
    line = summary([poller])
    assert line.startswith("targets=1 polls=6 failed=3 rows=") and line.endswith("failing=none")
    assert int(line.split("rows=")[1].split()[0]) == poller.rows > 0
