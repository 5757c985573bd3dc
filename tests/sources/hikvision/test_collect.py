"""`homelake collect` for the hikvision family against the simulated site: polls and alertStreams together."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from homelake.runtime.supervisor import plan_collection
from homelake.settings import load_settings
from homelake.sim.demo.serve import SimulatedSite
from homelake.testing.clock import ManualClock


@pytest.mark.integration
def test_collect_polls_and_follows_every_camera(site: object, tmp_path: Path) -> None:
    clock = ManualClock(site.start)  # type: ignore[attr-defined]
    with SimulatedSite(site, families=["hikvision"], clock=clock) as sim:  # type: ignore[arg-type]
        config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets",
                                 metadata_csv=tmp_path / "device_metadata.csv", interval_s=1.0)  # fmt: skip
        (tmp_path / "site.yaml").write_text(yaml.safe_dump(config))
        settings = load_settings(tmp_path / "site.yaml")
        collection = plan_collection(settings, ["hikvision"])
        assert len(collection.pollers) == 3 and len(collection.streams) == 3
        moving = threading.Event()

        def advance() -> None:  # 10 simulated seconds (one heartbeat) every 0.1 s
            while not moving.wait(0.01):
                clock.t += timedelta(seconds=1)

        mover = threading.Thread(target=advance, daemon=True)
        mover.start()
        started = time.monotonic()
        asyncio.run(collection.run(duration_s=4, install_signals=False))
        moving.set()
        mover.join(2)
    assert time.monotonic() - started < 20
    raw = tmp_path / "lake" / "raw"

    def query(sql: str, dataset: str) -> list[tuple[object, ...]]:
        return duckdb.sql(sql.replace("DATA", f"read_parquet('{raw / dataset}/*/*.parquet', union_by_name = true)"))\
            .fetchall()  # fmt: skip

    models = query("select distinct device_id, model from DATA order by 1", "hikvision/device_info")
    assert models == [("cam-driveway", "DS-2CD1043G2-LIU"), ("cam-front", "DS-2CD1043G2-I"), ("nvr", "DS-7608NI-K2")]
    beats = query("select device_id, count(*) from DATA where is_heartbeat group by 1 order by 1", "hikvision/alerts")
    assert [d for d, n in beats if n >= 3] == ["cam-driveway", "cam-front", "nvr"]
    connected = query(
        "select target from DATA where error_message = 'connected' order by 1", "homelake/collector_health"
    )
    assert [t for (t,) in connected] == ["cam-driveway/alertStream", "cam-front/alertStream", "nvr/alertStream"]


@pytest.mark.integration
def test_with_a_relay_events_land_once_through_mqtt(site: object, tmp_path: Path) -> None:
    from homelake.lake.writer import LakeWriter
    from homelake.runtime.mqtt.ingester import Ingester
    from homelake.sim.model.camera_scene import episodes
    from homelake.sources import DATASETS
    from homelake.testing.broker import Mosquitto

    start = site.start - timedelta(days=1)  # type: ignore[attr-defined]
    ep = next(e for e in episodes(site, start, site.start, "cam-front"))  # type: ignore[arg-type]
    clock = ManualClock(ep.start - timedelta(seconds=5))
    with (
        Mosquitto(tmp_path / "broker") as broker,
        SimulatedSite(site, families=["hikvision"], clock=clock, mqtt_host="127.0.0.1",  # type: ignore[arg-type]
                      mqtt_port=broker.port) as sim,
    ):  # fmt: skip
        config = sim.site_config(tmp_path / "lake", tmp_path / "wh.duckdb", tmp_path / "secrets",
                                 metadata_csv=tmp_path / "device_metadata.csv", interval_s=5.0)  # fmt: skip
        # the simulated site (`homelake simulate`, the demo) turns snapshots and the relay on by default
        assert config["hikvision"]["media_dir"] == "media"
        assert config["hikvision"]["relay"] == {"host": "127.0.0.1", "port": broker.port,
                                                "spool_dir": "var/relay-spool"}  # fmt: skip
        config["hikvision"]["cameras"] = [c for c in config["hikvision"]["cameras"] if c["name"] == "cam-front"]
        config["mqtt"] = {"port": broker.port, "client_id": "relay-collect", "batch_max_age_s": 0.2}
        (tmp_path / "site.yaml").write_text(yaml.safe_dump(config))
        settings = load_settings(tmp_path / "site.yaml")
        lake = LakeWriter(settings.lake.root, collector="ingester")
        lake.ensure_anchors(DATASETS.values())
        assert settings.mqtt is not None
        ingester = Ingester(settings.mqtt, lake)
        ingester.start()
        moving = threading.Event()

        def advance() -> None:
            while not moving.wait(0.05):
                clock.t += timedelta(seconds=1)

        mover = threading.Thread(target=advance, daemon=True)
        mover.start()
        try:
            asyncio.run(plan_collection(settings, ["hikvision"]).run(duration_s=4, install_signals=False))
            time.sleep(1.0)
        finally:
            moving.set()
            mover.join(2)
            ingester.stop()
    glob = tmp_path / "lake" / "raw" / "hikvision" / "alerts" / "*" / "*.parquet"
    rows = duckdb.sql(f"select is_heartbeat, content_type, event_type, active_post_count, event_state from "
                      f"read_parquet('{glob}', union_by_name = true)").fetchall()  # fmt: skip
    events = [r for r in rows if not r[0]]
    assert events and {r[1] for r in events} == {"mqtt"}  # events only through MQTT: never written twice
    counts = sorted(r[3] for r in events if r[2] == "vmd" and r[4] == "active")
    # every part read while connected came through, none twice (parts before the connect were never sent)
    assert counts == list(range(counts[0], counts[-1] + 1)) and len(counts) >= 5
    assert {r[1] for r in rows if r[0]} == {"application/xml"}  # heartbeats are never relayed
    snaps = tmp_path / "lake" / "raw" / "hikvision" / "snapshots" / "*" / "*.parquet"
    paths = duckdb.sql(f"select path, trigger from read_parquet('{snaps}', union_by_name = true) "
                       "where trigger = 'episode_start'").fetchall()  # fmt: skip
    assert paths and all((tmp_path / "media" / p).is_file() for p, _ in paths)  # the episode's picture, on disk
    assert list((tmp_path / "var" / "relay-spool").glob("*.spool")) == []  # everything delivered
