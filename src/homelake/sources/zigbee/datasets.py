"""The zigbee family's lake datasets: their Arrow schemas are the contract with the dbt sources."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, B, Dataset, F, I, S, column  # noqa: F401

ZIGBEE_LOCK_EVENTS = Dataset(
    "zigbee",
    "lock_events",
    (
        column("state", S),  # LOCK | UNLOCK
        column("lock_state", S),  # locked | unlocked | not_fully_locked
        column("action", S),  # transient: present only on the message that reports the action
        column("action_source_name", S),
        column("action_user", I),
        column("battery_pct", F),
        column("linkquality", I),
    ),
    "Zigbee2MQTT lock messages (device_id = friendly name); one row per message.",
)

ZIGBEE_SENSOR_READINGS = Dataset(
    "zigbee",
    "sensor_readings",
    (
        column("temperature_c", F),
        column("humidity_pct", F),
        column("pressure_hpa", F),
        column("illuminance_lux", F),
        column("occupancy", B),
        column("contact", B),  # true = closed
        column("battery_pct", F),
        column("voltage_mv", F),
        column("linkquality", I),
    ),
    "Zigbee2MQTT sensor messages (device_id = friendly name); one row per message.",
)

ZIGBEE_AVAILABILITY = Dataset(
    "zigbee",
    "availability",
    (column("is_online", B),),
    "Zigbee2MQTT availability changes (device_id = friendly name).",
)

DATASETS: tuple[Dataset, ...] = (ZIGBEE_LOCK_EVENTS, ZIGBEE_SENSOR_READINGS, ZIGBEE_AVAILABILITY)
