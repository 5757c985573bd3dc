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
