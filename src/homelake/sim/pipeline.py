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

from homelake.cli.collect import make_poller, run_collect
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.mqtt.ingester import Ingester
from homelake.settings import Settings, load_settings
from homelake.sim.backfill import backfill
from homelake.sim.backfill_devices import backfill_mqtt, backfill_shelly_http
from homelake.sim.local_broker import LocalBroker, start_local_broker
from homelake.sim.serve import SimulatedSite
from homelake.sim.site import Site, build_site
from homelake.sources.registry import build_discoveries, build_targets

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
    devices: bool = True  # Shelly fleet over HTTP + MQTT (needs a broker: Mosquitto, else embedded amqtt)
    broker_preference: Literal["auto", "mosquitto", "amqtt"] = "auto"
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
        if self.devices:
            self.broker = start_local_broker(self.workdir / "broker", prefer=self.broker_preference)
            self.sim = SimulatedSite(
                self.site, shelly=True, shelly_port=0, mqtt_host=self.broker.host, mqtt_port=self.broker.port
            ).start()
        else:
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
        if self.broker is not None:
            config["mqtt"].update(protocol=self.broker.protocol, client_id="homelake-demo", batch_max_age_s=0.5)
            config["shelly"]["interval_s"] = self.interval_s
            config["shelly"].setdefault("discovery", {})["refresh_s"] = self.interval_s
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
        devices: bool = True,
        device_mqtt: bool = True,
    ) -> int:
        """Simulated payloads of the past `days`, through the same parsers and writer as live polls:
        routers, then (with `devices`) Shelly HTTP polls and the MQTT traffic of Shelly and Zigbee."""
        lake = LakeWriter(self.settings.lake.root, collector="backfill")
        lake.ensure_anchors()
        writer = BufferedLakeWriter(lake, max_rows=50_000, max_age_s=3600)
        start = self.now - timedelta(days=self.days)
        share = 0.4 if devices else 1.0
        rows = backfill(
            self.site,
            writer,
            start=start,
            end=self.now,
            step=step,
            progress=(lambda f: progress(f * share)) if progress else None,
        )
        if devices:
            tz = self.settings.tz
            rows += backfill_shelly_http(self.site, writer, start=start, end=self.now, step=step, local_tz=tz)
            rows += (
                0
                if not device_mqtt
                else backfill_mqtt(  # ~50k messages a day: long histories skip it
                    self.site,
                    writer,
                    start=start,
                    end=self.now,
                    local_tz=tz,
                    progress=(lambda f: progress(share + f * (1 - share))) if progress else None,
                )
            )
            writer.flush()
        if progress:
            progress(1.0)
        return rows

    def collect_live(self, seconds: float, families: list[str] | None = None) -> None:
        """Poll the running simulators (routers; Shellies found from the DHCP leases) and ingest their
        MQTT traffic, through the real protocols, for `seconds`."""
        lake = LakeWriter(self.settings.lake.root)
        lake.ensure_anchors()
        writer = BufferedLakeWriter(
            lake, max_rows=self.settings.lake.flush_rows, max_age_s=self.settings.lake.flush_age_s
        )
        pollers = [make_poller(self.settings, t, writer) for t in build_targets(self.settings, families)]
        discoveries = build_discoveries(self.settings, families) if self.devices else []
        ingester = None
        if self.devices and self.settings.mqtt is not None:
            ingester = Ingester(
                self.settings.mqtt,
                LakeWriter(self.settings.lake.root, collector="homelake-demo"),
                local_tz=self.settings.tz,
            )
            ingester.start()
        try:
            asyncio.run(
                run_collect(self.settings, pollers, discoveries, writer, duration_s=seconds, install_signals=False)
            )
        finally:
            if ingester is not None:
                ingester.stop()
                self.messages = ingester.metrics.written
        self.polls = sum(p.polls for p in pollers)
        self.failed_polls = sum(p.failures for p in pollers)
