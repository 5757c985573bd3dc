"""Runs the simulated site: every family's simulator (protocol servers on loopback), the site's MQTT traffic
when a broker is given, and a matching site config."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from homelake.sim.demo.backfill import site_mqtt_messages
from homelake.sim.model.loads import write_circuits_csv
from homelake.sim.model.site import Site, build_site
from homelake.sim.servers.mqtt_publish import MqttPublisher
from homelake.sources import FAMILIES
from homelake.sources.base import FamilySimulator, SimContext

log = logging.getLogger(__name__)


class SimulatedSite:
    """Starts the simulator of every chosen family (all by default) and, with `mqtt_host`, publishes the
    site's MQTT traffic there. With `tick_s`, a background thread moves every simulator (and the publisher)
    to the clock every `tick_s` seconds; None: call `tick(t)` yourself. `options` holds each family's own
    knobs by family name (e.g. {"shelly": {"port": 0}, "mikrotik": {"passwords": {"fw": "pw"}}})."""

    def __init__(
        self,
        site: Site | None = None,
        *,
        families: Sequence[str] | None = None,
        host: str = "127.0.0.1",
        tls: bool = False,
        clock: Callable[[], datetime] | None = None,
        fault_delay_s: float = 5.0,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        mqtt_host: str | None = None,
        mqtt_port: int = 1883,
        tick_s: float | None = 1.0,
    ) -> None:
        self.site = site or build_site()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.mqtt = (mqtt_host, mqtt_port) if mqtt_host is not None else None
        self.tick_s = tick_s
        options = options or {}
        chosen = [spec for spec in FAMILIES if families is None or spec.name in families]
        self.simulators: dict[str, FamilySimulator] = {
            spec.name: spec.simulator(
                SimContext(site=self.site, host=host, tls=tls, clock=clock, mqtt=self.mqtt,
                           fault_delay_s=fault_delay_s, options=options.get(spec.name, {}))
            )
            for spec in chosen
            if spec.simulator is not None
        }  # fmt: skip
        publishes = any(spec.mqtt_messages is not None for spec in chosen)
        self.publisher = (
            MqttPublisher(self.site, mqtt_host, mqtt_port, messages=site_mqtt_messages)
            if mqtt_host is not None and publishes
            else None
        )
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        try:
            for simulator in self.simulators.values():
                simulator.start()
            if self.publisher is not None:
                self.publisher.connect()
            self.tick(self.clock())
            if self.tick_s is not None:
                self._run_in_background(self.tick_s)
        except BaseException:
            self.stop()
            raise
        return self

    def tick(self, t: datetime | None = None) -> int:
        """Move every simulator to t (default: the clock) and publish the MQTT traffic up to t; returns how
        many messages were published."""
        t = self.clock() if t is None else t
        with self._lock:
            for simulator in self.simulators.values():
                tick = getattr(simulator, "tick", None)
                if tick is not None:
                    tick(t)
            return self.publisher.tick(t) if self.publisher is not None else 0

    def _run_in_background(self, interval_s: float) -> None:
        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.tick()
                except Exception:  # a broker hiccup: the next tick publishes what is still due
                    log.warning("simulated site tick failed", exc_info=True)

        self._stop.clear()
        self._thread = threading.Thread(target=loop, name="sim-site-tick", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for simulator in self.simulators.values():
            simulator.stop()
        if self.publisher is not None:
            self.publisher.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def endpoints(self) -> list[dict[str, str]]:
        """Every simulated device: family, name, kind, url, login."""
        return [{"family": name, **row} for name, sim in self.simulators.items() for row in sim.endpoints()]

    def site_config(
        self,
        lake_root: str | Path,
        warehouse_path: str | Path,
        secrets_dir: str | Path,
        *,
        metadata_csv: str | Path | None = None,
        interval_s: float = 10,
    ) -> dict[str, Any]:
        """A site config dict for the running simulators: one section per family (secrets as 0600 files in
        `secrets_dir`), the metadata seed at `metadata_csv` (with `circuits.csv` beside it) when given, and
        with a broker an `mqtt` section."""
        secrets_path = Path(secrets_dir)
        secrets_path.mkdir(parents=True, exist_ok=True)
        if metadata_csv is not None:
            metadata_csv = str(self.site.write_metadata_csv(metadata_csv))
            write_circuits_csv(self.site, Path(metadata_csv).parent / "circuits.csv")
            for spec in FAMILIES:  # the owner's lookups a family's models join (e.g. which sensor is in which room)
                for name, write in spec.sim_seeds.items():
                    write(Path(metadata_csv).parent / name)
        config: dict[str, Any] = {
            "site": {
                "name": self.site.name,
                "timezone": self.site.timezone,
                "location": {"latitude": self.site.latitude, "longitude": self.site.longitude},
            },
            "lake": {"root": str(lake_root)},
            "warehouse": {"path": str(warehouse_path)},
            "metadata_csv": metadata_csv,
        }
        for name, simulator in self.simulators.items():
            section = simulator.site_config(secrets_path, interval_s=interval_s)
            if section is not None:
                config[name] = section
        if self.mqtt is not None:
            config["mqtt"] = {"host": self.mqtt[0], "port": self.mqtt[1], "client_id": "homelake-demo"}
        if "hikvision" in config:  # snapshots on, and camera events relayed over the broker, as a new user sees them
            config["hikvision"].setdefault("media_dir", "media")
            if self.mqtt is not None:
                relay = {"host": self.mqtt[0], "port": self.mqtt[1], "spool_dir": "var/relay-spool"}
                config["hikvision"]["relay"] = relay
        return config
