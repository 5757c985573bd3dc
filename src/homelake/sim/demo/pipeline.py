"""The demo pipeline as a library: simulated site → history + live collection → lake → dbt → warehouse."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.mqtt.ingester import Ingester
from homelake.runtime.supervisor import plan_collection
from homelake.settings import Settings, load_settings
from homelake.sim.demo.backfill import backfill
from homelake.sim.demo.local_broker import LocalBroker, start_local_broker
from homelake.sim.demo.serve import SimulatedSite
from homelake.sim.model.site import Site, build_site
from homelake.sources import DATASETS, FAMILIES

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
    broker_preference: Literal["auto", "mosquitto", "amqtt"] = "auto"
    families: tuple[str, ...] | None = None  # only these families (tests that need one); None: every family
    polls: int = 0
    failed_polls: int = 0
    messages: int = 0
    broker: LocalBroker | None = field(default=None, init=False)

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
        # every family on, as a new user should see it; devices publish MQTT to a broker of the demo's own
        # (Mosquitto when installed, else the embedded amqtt)
        self.broker = start_local_broker(self.workdir / "broker", prefer=self.broker_preference)
        self.sim = SimulatedSite(
            self.site, families=self.families, mqtt_host=self.broker.host, mqtt_port=self.broker.port
        ).start()
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
        config["mqtt"].update(protocol=self.broker.protocol, client_id="homelake-demo", batch_max_age_s=0.5)
        for name, section in config.items():  # every family polls at the demo's pace
            if name in self.sim.simulators and isinstance(section, dict):
                section["interval_s"] = self.interval_s
                if isinstance(section.get("discovery"), dict):
                    section["discovery"]["refresh_s"] = self.interval_s
        header = "# Written by `homelake demo`: the simulated site on loopback. Secrets are files, never inline.\n"
        self.site_file.write_text(header + yaml.safe_dump(config, sort_keys=False))
        self.settings = load_settings(self.site_file)

    def stop(self) -> None:
        if hasattr(self, "sim"):
            self.sim.stop()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None

    def lay_history(
        self,
        progress: Progress | None = None,
        step: timedelta = timedelta(minutes=5),
        mqtt: bool = True,
    ) -> int:
        """Simulated payloads of the past `days`, through the same parsers and writer as live polls: every
        family's polled history, then (with `mqtt`; ~50k messages a day, long histories may skip it) the
        site's MQTT traffic through the ingester's router."""
        lake = LakeWriter(self.settings.lake.root, collector="backfill")
        lake.ensure_anchors(DATASETS.values())
        writer = BufferedLakeWriter(lake, max_rows=50_000, max_age_s=3600)
        start = self.now - timedelta(days=self.days)
        chosen = [spec for spec in FAMILIES if self.families is None or spec.name in self.families]
        return backfill(
            self.site, writer, start=start, end=self.now, local_tz=self.settings.tz, step=step, families=chosen,
            mqtt=mqtt and any(spec.mqtt_messages is not None for spec in chosen), progress=progress,
            configs={spec.name: self.settings.family_config(spec.name) for spec in chosen},
        )  # fmt: skip

    def collect_live(self, seconds: float, families: list[str] | None = None) -> None:
        """Poll the running simulators (static targets; devices found in the LAN's leases) and ingest their
        MQTT traffic, through the real protocols, for `seconds`."""
        collection = plan_collection(self.settings, families or self.families)
        ingester = None
        if self.settings.mqtt is not None:
            ingester = Ingester(
                self.settings.mqtt,
                LakeWriter(self.settings.lake.root, collector="homelake-demo"),
                local_tz=self.settings.tz,
            )
            ingester.start()
        try:
            asyncio.run(collection.run(duration_s=seconds, install_signals=False))
        finally:
            if ingester is not None:
                ingester.stop()
                self.messages = ingester.metrics.written
        self.polls = collection.polls
        self.failed_polls = collection.failed_polls
