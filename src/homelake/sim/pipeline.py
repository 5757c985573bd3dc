"""The demo pipeline as a library: simulated site → history + live collection → lake → dbt → warehouse."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.runtime.supervisor import run_pollers
from homelake.settings import Settings, load_settings
from homelake.sim.backfill import backfill
from homelake.sim.serve import SimulatedSite
from homelake.sim.site import Site, build_site
from homelake.sources.registry import build_targets

Progress = Callable[[float], None]


@dataclass
class DemoRun:
    """One demo: owns the workdir (site file, secrets, lake, warehouse) and the running simulators."""

    workdir: Path
    seed: int = 7
    days: float = 2
    interval_s: float = 5.0
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    site: Site = field(init=False)
    sim: SimulatedSite = field(init=False)
    settings: Settings = field(init=False)
    polls: int = 0
    failed_polls: int = 0

    def __post_init__(self) -> None:
        self.workdir = self.workdir.resolve()
        self.site = build_site(self.seed, start=self.now - timedelta(days=self.days))

    @property
    def site_file(self) -> Path:
        return self.workdir / "site.yaml"

    def start(self, *, fresh: bool = True) -> None:
        """Start the simulators and write a site file that points at them."""
        if fresh:
            for sub in ("lake", "warehouse", "secrets"):
                shutil.rmtree(self.workdir / sub, ignore_errors=True)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sim = SimulatedSite(self.site).start()
        config: dict[str, Any] = self.sim.site_config(
            lake_root="lake",
            warehouse_path="warehouse/homelake.duckdb",
            secrets_dir=self.workdir / "secrets",
            metadata_csv=self.workdir / "device_metadata.csv",
            interval_s=self.interval_s,
        )
        config["metadata_csv"] = "device_metadata.csv"
        config["collect"] = {"interval_s": self.interval_s, "timeout_s": 3.0, "retries": 1, "backoff_s": 0.5}
        config["lake"]["flush_age_s"] = 2.0
        header = "# Written by `homelake demo`: the simulated site on loopback. Secrets are files, never inline.\n"
        self.site_file.write_text(header + yaml.safe_dump(config, sort_keys=False))
        self.settings = load_settings(self.site_file)

    def stop(self) -> None:
        if hasattr(self, "sim"):
            self.sim.stop()

    def lay_history(self, progress: Progress | None = None, step: timedelta = timedelta(minutes=5)) -> int:
        """Simulated payloads of the past `days`, through the same parsers and writer as live polls."""
        lake = LakeWriter(self.settings.lake.root, collector="backfill")
        lake.ensure_anchors()
        writer = BufferedLakeWriter(lake, max_rows=50_000, max_age_s=3600)
        start = self.now - timedelta(days=self.days)
        return backfill(self.site, writer, start=start, end=self.now, step=step, progress=progress)

    def collect_live(self, seconds: float, families: list[str] | None = None) -> None:
        """Poll the running simulators through the real protocols for `seconds`."""
        lake = LakeWriter(self.settings.lake.root)
        lake.ensure_anchors()
        writer = BufferedLakeWriter(
            lake, max_rows=self.settings.lake.flush_rows, max_age_s=self.settings.lake.flush_age_s
        )
        d = self.settings.collect
        pollers = [
            Poller(t, writer, jitter=d.jitter, retries=d.retries, backoff_s=d.backoff_s)
            for t in build_targets(self.settings, families)
        ]
        asyncio.run(run_pollers(pollers, writer, duration_s=seconds, install_signals=False))
        self.polls = sum(p.polls for p in pollers)
        self.failed_polls = sum(p.failures for p in pollers)
