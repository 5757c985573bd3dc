"""dbt build over a constructed Shelly/Zigbee lake: energy by room per local day, climate, motion, doors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from homelake.lake import schemas
from homelake.runtime.mqtt.routing import message_key
from homelake.sources import DATASETS
from homelake.sources.shelly.datasets import (
    SHELLY_DEVICE_STATUS,
    SHELLY_SENSOR_READINGS,
    SHELLY_SWITCH_READINGS,
)
from homelake.sources.zigbee.datasets import ZIGBEE_LOCK_EVENTS, ZIGBEE_SENSOR_READINGS
from homelake.warehouse import seeds
from homelake.warehouse.publish import BuildReport, TransformError, build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.integration

# Local day 2026-06-10 in Europe/Berlin (UTC+2) is [22:00 UTC on the 9th, 22:00 UTC on the 10th).
DAY_START = datetime(2026, 6, 9, 22, tzinfo=UTC)
DAY_END = DAY_START + timedelta(hours=24)
LAST_READING = DAY_END + timedelta(minutes=30)  # half an hour into the next local day
MINUTE = timedelta(minutes=1)
DRIFT = timedelta(seconds=-17)  # the Pro 4PM's clock runs behind: its MQTT `ts` are out of order

PRO4PM = "shellypro4pm-a8032ab1c2d3"  # ch0 heat pump 600 W (HTTP + MQTT), ch1 hot water 200 W, ch2 50 W
PRO4PM_BOOT, PRO4PM_REBOOT = DAY_START - timedelta(hours=5), datetime(2026, 6, 10, 8, tzinfo=UTC)
PLUG = "shellyplug-s-C18B12"  # Gen1 over MQTT only (no uptime), 120 W, reboots at 13:00
PLUG_BOOT, PLUG_REBOOT = DAY_START - timedelta(hours=10), datetime(2026, 6, 10, 13, tzinfo=UTC)
PLUS1PM = "shellyplus1pm-4417939a5610"  # HTTP only, 90 W, offline 10:00-13:00
PLUS1PM_BOOT = DAY_START - timedelta(days=2)
OFFLINE = (datetime(2026, 6, 10, 10, tzinfo=UTC), datetime(2026, 6, 10, 13, tzinfo=UTC))
WATTS = {(PRO4PM, 0): 600.0, (PRO4PM, 1): 200.0, (PRO4PM, 2): 50.0, (PLUG, 0): 120.0, (PLUS1PM, 0): 90.0}

METADATA_CSV = """mac,name,owner,room,location,device_type,vendor,model,notes
C4:5B:BE:C1:8B:12,Kitchen plug,household,kitchen,house,plug,Shelly,Plug S,
a8:03:2a:b1:c2:d3,Pro 4PM,household,utility,house,meter,Shelly,Pro 4PM,
80:64:6f:e1:b2:c3,Living H&T,household,living,house,sensor,Shelly,Plus H&T,
60:a4:23:ab:12:cd,Hall motion,household,hall,house,sensor,Shelly,Motion,
"""
# ch0 by device id, ch1 by MAC only (written upper case), ch2 has no row: the Pro 4PM's room (utility)
CIRCUITS_CSV = """mac,device_id,channel,circuit,room,load
,shellypro4pm-a8032ab1c2d3,0,heat_pump,utility,heat pump
A8:03:2A:B1:C2:D3,,1,hot_water,bathroom,water heater
,shellyplus1pm-4417939a5610,0,office_desk,office,workstation
"""
SENSOR_ROOMS_CSV = """device_id,room
shellyht-6A1B2C,bedroom
living_climate,living
kitchen_motion,kitchen
"""


def _at(hour: int, minute: int = 0, second: float = 0) -> datetime:
    return datetime(2026, 6, 10, hour, minute, tzinfo=UTC) + timedelta(seconds=second)


def _origin(
    device_id: str, at: datetime, *, observed_at: datetime | None = None, family: str = "shelly"
) -> dict[str, Any]:
    return {
        "observed_at": observed_at or at,
        "received_at": at,
        "family": family,
        "device_id": device_id,
        "collector": "test",
    }


def _counter_wh(key: tuple[str, int], boot: datetime, at: datetime) -> float:
    return WATTS[key] * (at - boot).total_seconds() / 3600


def _every(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    at = start
    while at <= end:
        yield at
        at += step


def _switch(device_id: str, channel: int, at: datetime, energy_wh: float, **extra: Any) -> dict[str, Any]:
    row = {
        **_origin(device_id, at, observed_at=extra.pop("observed_at", None)),
        "channel": channel,
        "component": "relay" if device_id == PLUG else "switch",
        "energy_wh": energy_wh,
        "transport": "http",
        "generation": 1 if device_id == PLUG else 2,
    }
    return row | extra


def pro4pm_rows() -> list[dict[str, Any]]:
    """HTTP polls every 10 min (all channels, with uptime) and MQTT for ch0 at :05 without uptime."""
    rows: list[dict[str, Any]] = []
    for at in _every(DAY_START, LAST_READING, 10 * MINUTE):
        boot = PRO4PM_BOOT if at <= PRO4PM_REBOOT else PRO4PM_REBOOT  # the 08:00 poll is the last before
        uptime = (at - boot).total_seconds()
        received = at + timedelta(seconds=9) if at == _at(15, 20) else at  # one slow answer
        for channel in (0, 1, 2):
            energy = round(_counter_wh((PRO4PM, channel), boot, at), 3)
            rows.append(_switch(PRO4PM, channel, received, energy, observed_at=at, uptime_s=uptime))
        mqtt_at = at + 5 * MINUTE
        if mqtt_at <= LAST_READING:
            boot = PRO4PM_BOOT if mqtt_at < PRO4PM_REBOOT else PRO4PM_REBOOT
            energy = round(_counter_wh((PRO4PM, 0), boot, mqtt_at), 3)
            rows.append(_switch(PRO4PM, 0, mqtt_at, energy, observed_at=mqtt_at + DRIFT, transport="mqtt"))
            # a status delta (apower only) 2 min later carries the last known total again
            rows.append(
                _switch(
                    PRO4PM, 0, mqtt_at + 2 * MINUTE, energy, observed_at=mqtt_at + 2 * MINUTE + DRIFT, transport="mqtt"
                )
            )
    # just before the slow answer is received, MQTT already reported a newer total
    fresh = _at(15, 20, 4)
    rows.append(
        _switch(
            PRO4PM,
            0,
            fresh,
            round(_counter_wh((PRO4PM, 0), PRO4PM_REBOOT, fresh), 3),
            observed_at=fresh + DRIFT,
            transport="mqtt",
        )
    )
    return rows


def plug_rows() -> list[dict[str, Any]]:
    """Gen1 `relay/0/energy` every 5 min: watt-minutes / 60, no uptime; the counter restarts at 13:00."""
    rows = []
    for at in _every(DAY_START, LAST_READING, 5 * MINUTE):
        boot = PLUG_BOOT if at <= PLUG_REBOOT else PLUG_REBOOT
        wmin = round(_counter_wh((PLUG, 0), boot, at) * 60)
        rows.append(_switch(PLUG, 0, at, wmin / 60, transport="mqtt", model="SHPLG-S"))
    return rows


def plus1pm_rows() -> list[dict[str, Any]]:
    """HTTP polls every 10 min except while the device is unreachable; the counter catches up after."""
    return [
        _switch(
            PLUS1PM,
            0,
            at,
            round(_counter_wh((PLUS1PM, 0), PLUS1PM_BOOT, at), 3),
            uptime_s=(at - PLUS1PM_BOOT).total_seconds(),
        )
        for at in _every(DAY_START, LAST_READING, 10 * MINUTE)
        if not OFFLINE[0] < at < OFFLINE[1]
    ]


def _archive(topic: str, payload: bytes, at: datetime, *, dup: bool = False) -> dict[str, Any]:
    return {
        **_origin(topic.split("/")[0], at, family="mqtt"),
        "topic": topic,
        "payload": payload,
        "qos": 1,
        "retain": False,
        "dup": dup,
        "msg_key": message_key(topic, payload),
        "parsed_ok": True,
    }


def _zigbee(device_id: str, at: datetime, **values: Any) -> dict[str, Any]:
    return {**_origin(device_id, at, family="mqtt"), **values}


PLUG_TOPIC = f"shellies/{PLUG}/relay/0/energy"
REDELIVERED_PLUG_AT, PLUG_REDELIVERY_AT = _at(12), _at(12, 31)
MOTION_A = b'{"occupancy":true}'


def _sensor(device_id: str, at: datetime, **values: Any) -> dict[str, Any]:
    return {**_origin(device_id, at), "channel": 0, "transport": "mqtt", **values}


MOTION = "shellymotionsensor-60A423AB12CD"  # room hall: MAC from the id, then device_metadata
SHELLY_SENSORS = [
    # Gen1 H&T over MQTT: one value per topic (bedroom by sensor_rooms)
    _sensor("shellyht-6A1B2C", _at(9, 10), temperature_c=20.5),
    _sensor("shellyht-6A1B2C", _at(9, 10), humidity_pct=55.0),
    _sensor("shellyht-6A1B2C", _at(9, 40), temperature_c=21.5),
    # Plus H&T polled (living by the MAC in its id)
    _sensor("shellyplusht-80646fe1b2c3", _at(9, 15), temperature_c=22.0, humidity_pct=40.0, transport="http"),
    # Gen1 Motion: HTTP polls and MQTT `status` (a battery reading without motion is skipped)
    _sensor(MOTION, _at(10), motion=False, transport="http"),
    _sensor(MOTION, _at(10, 1), motion=True),
    _sensor(MOTION, _at(10, 1, 30), motion=True, transport="http"),
    _sensor(MOTION, _at(10, 2), battery_pct=80.0),
    _sensor(MOTION, _at(10, 3), motion=False),
    _sensor(MOTION, _at(10, 10), motion=True),
]
ZIGBEE_SENSORS = [
    _zigbee("living_climate", _at(9, 30), temperature_c=23.0, humidity_pct=44.0),
    _zigbee("attic_probe", _at(9, 30), temperature_c=35.0, humidity_pct=20.0),  # no room: left out
    _zigbee("kitchen_motion", _at(10), occupancy=True),
    _zigbee("kitchen_motion", _at(10, 2), occupancy=False),
    _zigbee("kitchen_motion", _at(10, 4), occupancy=True),  # the 10:00 message, redelivered
    _zigbee("kitchen_motion", _at(10, 30), occupancy=True),
]
LOCK = "front_door"
LOCK_MESSAGES = [
    _zigbee(LOCK, _at(7), state="LOCK", lock_state="locked", battery_pct=88.0),
    _zigbee(
        LOCK,
        _at(7, 30),
        state="UNLOCK",
        lock_state="unlocked",
        action="unlock",
        action_source_name="keypad",
        action_user=3,
        battery_pct=87.0,
    ),
    _zigbee(LOCK, _at(7, 30, 0.2), state="UNLOCK", lock_state="unlocked", battery_pct=87.0),  # action reset
    _zigbee(LOCK, _at(7, 45), state="LOCK", lock_state="locked", battery_pct=87.0),  # turned by key
    _zigbee(LOCK, _at(8), action="manual_unlock", battery_pct=87.0),
]
ARCHIVE = [
    _archive(PLUG_TOPIC, b"1", REDELIVERED_PLUG_AT),
    _archive(PLUG_TOPIC, b"1", PLUG_REDELIVERY_AT, dup=True),
    _archive("zigbee2mqtt/kitchen_motion", MOTION_A, _at(10)),
    _archive("zigbee2mqtt/kitchen_motion", b'{"occupancy":false}', _at(10, 2)),
    _archive("zigbee2mqtt/kitchen_motion", MOTION_A, _at(10, 4), dup=True),
    # flagged dup, but its first delivery never reached the lake: kept
    _archive("zigbee2mqtt/front_door", b'{"action":"manual_unlock"}', _at(8), dup=True),
]


def write_lake(root: Path) -> None:
    """Anchors for every dataset, then the scenario's partitions (with copies and redeliveries)."""
    for dataset in DATASETS.values():
        anchor = root / "raw" / dataset.family / dataset.name / "date=1970-01-01" / "_schema.parquet"
        anchor.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(dataset.schema.empty_table(), anchor)

    def write(dataset: schemas.Dataset, batch: str, rows: list[dict[str, Any]]) -> None:
        path = root / "raw" / dataset.family / dataset.name / "date=2026-06-10" / f"{batch}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=dataset.schema), path)

    plug = plug_rows()
    # the broker redelivers the 12:00 energy message at 12:31: parsed again, it would read as a reboot
    redelivered = next(r for r in plug if r["received_at"] == REDELIVERED_PLUG_AT)
    plug.append({**redelivered, "observed_at": PLUG_REDELIVERY_AT, "received_at": PLUG_REDELIVERY_AT})
    write(SHELLY_SWITCH_READINGS, "pro4pm", pro4pm_rows())
    write(SHELLY_SWITCH_READINGS, "plug", plug)
    write(SHELLY_SWITCH_READINGS, "plus1pm-0001", plus1pm_rows())
    write(SHELLY_SWITCH_READINGS, "plus1pm-0002", plus1pm_rows())  # a retried batch write
    status = {"generation": 1, "model": "SHPLG-S", "mac": "c4:5b:be:c1:8b:12", "transport": "mqtt"}
    write(SHELLY_DEVICE_STATUS, "0001", [{**_origin(PLUG, DAY_START), **status}])

    write(SHELLY_SENSOR_READINGS, "0001", SHELLY_SENSORS)
    write(ZIGBEE_SENSOR_READINGS, "0001", ZIGBEE_SENSORS)
    write(ZIGBEE_LOCK_EVENTS, "0001", LOCK_MESSAGES)
    write(ZIGBEE_LOCK_EVENTS, "0002", LOCK_MESSAGES[1:2])  # a retried batch write
    write(schemas.MQTT_MESSAGES, "0001", ARCHIVE)
    write(schemas.MQTT_MESSAGES, "0002", ARCHIVE[2:3])  # a retried batch write


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    """One dbt build for the whole module, the site's three seed files given as a directory."""
    base = tmp_path_factory.mktemp("energy")
    write_lake(base / "lake")
    site_seeds = base / "seeds"
    site_seeds.mkdir()
    (site_seeds / "device_metadata.csv").write_text(METADATA_CSV)
    (site_seeds / "circuits.csv").write_text(CIRCUITS_CSV)
    (site_seeds / "sensor_rooms.csv").write_text(SENSOR_ROOMS_CSV)
    return build_warehouse(
        lake_root=base / "lake",
        warehouse_path=base / "warehouse" / "warehouse.duckdb",
        metadata_csv=None,
        seeds_dir=site_seeds,
        site_timezone="Europe/Berlin",
    )


def _rows(report: BuildReport, sql: str) -> list[tuple[Any, ...]]:
    with connect_readonly(report.path) as con:
        return con.execute(sql).fetchall()


def test_build_passes_every_test(built: BuildReport) -> None:
    assert built.seeds.ok == 4 and built.seeds.error == 0  # device_metadata, circuits, sensor_rooms, node_circuits
    assert built.models.error == 0 and built.tests.error == 0 and built.unit_tests.error == 0
    assert built.tests.warn == 0, built.warnings
    assert built.unit_tests.ok >= 15


def test_daily_energy_by_room_matches_the_loads(built: BuildReport) -> None:
    """Whole local day: watts x 24 h per room, through a reboot, an MQTT/HTTP interleave and a gap."""
    rows = _rows(
        built,
        "select local_date, room, energy_wh, energy_kwh, circuit_count, hour_count, first_hour_at, last_hour_at"
        " from power_daily_by_room order by local_date, room",
    )
    day, next_day = date(2026, 6, 10), date(2026, 6, 11)
    expected_wh = {
        (day, "bathroom"): 200 * 24,  # matched by MAC; reboot seen by the uptime
        (day, "kitchen"): 120 * 24,  # Gen1 MQTT only: reboot seen by the counter drop; redelivery dropped
        (day, "office"): 90 * 24,  # three hours offline: the counter catches up
        (day, "utility"): (600 + 50) * 24,  # heat pump (HTTP + MQTT) and the unlisted ch2 by device room
        **{
            (next_day, room): watts / 2
            for room, watts in (("bathroom", 200), ("kitchen", 120), ("office", 90), ("utility", 650))
        },
    }
    assert {(r[0], r[1]): r[2] for r in rows} == pytest.approx(expected_wh, abs=0.01)
    full_day = [r for r in rows if r[0] == day]
    assert [(r[1], r[4], r[5], r[6], r[7]) for r in full_day] == [
        ("bathroom", 1, 24, DAY_START, DAY_END - timedelta(hours=1)),
        ("kitchen", 1, 24, DAY_START, DAY_END - timedelta(hours=1)),
        ("office", 1, 24, DAY_START, DAY_END - timedelta(hours=1)),
        ("utility", 2, 24, DAY_START, DAY_END - timedelta(hours=1)),
    ]
    assert all(r[3] == pytest.approx(r[2] / 1000) for r in rows)


def test_hourly_energy_is_steady_through_reboots_and_gaps(built: BuildReport) -> None:
    rows = _rows(
        built,
        "select device_id, channel, circuit, room, room_source, hour_start_at, hour_start_local, energy_wh,"
        " avg_power_w from energy_hourly_by_circuit"
        " where hour_start_at >= timestamptz '2026-06-09 22:00:00+00' and hour_start_at < timestamptz"
        " '2026-06-10 22:00:00+00' order by device_id, channel, hour_start_at",
    )
    assert len(rows) == 5 * 24
    for device_id, channel, _, _, _, hour, local, energy_wh, avg_power_w in rows:
        assert energy_wh == pytest.approx(WATTS[(device_id, channel)], abs=0.005), (device_id, channel, hour)
        assert avg_power_w == pytest.approx(WATTS[(device_id, channel)], abs=0.005)
        assert local == hour.replace(tzinfo=None) + timedelta(hours=2)
    circuits = {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows}
    assert circuits == {
        (PLUG, 0): (f"{PLUG}:0", "kitchen", "device_metadata"),
        (PLUS1PM, 0): ("office_desk", "office", "circuits"),
        (PRO4PM, 0): ("heat_pump", "utility", "circuits"),
        (PRO4PM, 1): ("hot_water", "bathroom", "circuits"),
        (PRO4PM, 2): (f"{PRO4PM}:2", "utility", "device_metadata"),
    }


def test_one_reset_per_reboot_and_none_for_stale_readings(built: BuildReport) -> None:
    rows = _rows(
        built,
        "select device_id, channel, end_at from intermediate.int_energy_intervals where is_reset"
        " order by device_id, channel",
    )
    first_after = lambda reboot, step: reboot + step  # noqa: E731
    assert rows == [
        (PLUG, 0, first_after(PLUG_REBOOT, 5 * MINUTE)),
        (PRO4PM, 0, first_after(PRO4PM_REBOOT, 5 * MINUTE)),  # the MQTT reading, not the next poll too
        (PRO4PM, 1, first_after(PRO4PM_REBOOT, 10 * MINUTE)),
        (PRO4PM, 2, first_after(PRO4PM_REBOOT, 10 * MINUTE)),
    ]


def test_climate_hourly_by_room(built: BuildReport) -> None:
    rows = _rows(
        built,
        "select hour_start_at, room, avg_temperature_c, min_temperature_c, max_temperature_c, avg_humidity_pct,"
        " sample_count, sensor_count from climate_hourly_by_room order by hour_start_at, room",
    )
    assert rows == [
        (_at(9), "bedroom", 21.0, 20.5, 21.5, 55.0, 3, 1),
        (_at(9), "living", 22.5, 22.0, 23.0, 42.0, 2, 2),
    ]


def test_motion_events(built: BuildReport) -> None:
    rows = _rows(built, "select event_at, room, device_id, source from motion_events order by event_at, device_id")
    assert rows == [
        (_at(10), "kitchen", "kitchen_motion", "zigbee"),
        (_at(10, 1), "hall", MOTION, "shelly"),
        (_at(10, 10), "hall", MOTION, "shelly"),
        (_at(10, 30), "kitchen", "kitchen_motion", "zigbee"),  # not at 10:04: that was a redelivery
    ]


def test_door_events(built: BuildReport) -> None:
    rows = _rows(
        built,
        "select event_at, device_id, action, state, lock_state, source_name, user_id, battery_pct, event_source"
        " from door_events order by event_at",
    )
    assert rows == [
        (_at(7, 30), LOCK, "unlock", "UNLOCK", "unlocked", "keypad", 3, 87.0, "action"),
        (_at(7, 45), LOCK, "lock", "LOCK", "locked", None, None, 87.0, "state_change"),
        (_at(8), LOCK, "manual_unlock", None, None, None, None, 87.0, "action"),
    ]


def test_mqtt_messages_drop_redeliveries_and_copies(built: BuildReport) -> None:
    rows = _rows(built, "select received_at, topic, is_dup from staging.stg_mqtt__messages order by received_at")
    assert rows == [
        (_at(8), "zigbee2mqtt/front_door", True),
        (_at(10), "zigbee2mqtt/kitchen_motion", False),
        (_at(10, 2), "zigbee2mqtt/kitchen_motion", False),
        (REDELIVERED_PLUG_AT, PLUG_TOPIC, False),
    ]


def test_site_seeds_come_from_a_directory_or_beside_the_metadata(tmp_path: Path) -> None:
    (tmp_path / "device_metadata.csv").write_text(METADATA_CSV)
    (tmp_path / "circuits.csv").write_text(CIRCUITS_CSV)
    beside = seeds.site_seed_files(tmp_path / "device_metadata.csv", None)
    assert {spec.file_name: path.name for spec, path in beside.items()} == {
        "device_metadata.csv": "device_metadata.csv",
        "circuits.csv": "circuits.csv",
    }
    (tmp_path / "sensor_rooms.csv").write_text("device_id,place\nx,y\n")
    with pytest.raises(TransformError, match="sensor rooms file .* lacks the column"):
        build_warehouse(
            lake_root=tmp_path,
            warehouse_path=tmp_path / "w.duckdb",
            metadata_csv=None,
            seeds_dir=tmp_path,
            site_timezone="UTC",
        )
    assert not (tmp_path / "w.duckdb").exists()
