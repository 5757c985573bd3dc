"""Declared Arrow schema of every lake dataset: the contract between collectors and dbt sources."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")

# Every row in every dataset starts with these: when, when received, and where it came from.
ORIGIN_FIELDS: tuple[pa.Field, ...] = (
    pa.field("observed_at", UTC_TS, nullable=False),
    pa.field("received_at", UTC_TS, nullable=False),
    pa.field("family", pa.string(), nullable=False),
    pa.field("device_id", pa.string(), nullable=False),
    pa.field("collector", pa.string(), nullable=False),
)


@dataclass(frozen=True)
class Dataset:
    """One lake dataset: `raw/<family>/<name>/date=YYYY-MM-DD/<batch>.parquet`."""

    family: str
    name: str
    fields: tuple[pa.Field, ...]
    description: str

    @property
    def key(self) -> str:
        return f"{self.family}/{self.name}"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(list(ORIGIN_FIELDS) + list(self.fields))


def _f(name: str, type_: pa.DataType, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable)


S, F, I, B = pa.string(), pa.float64(), pa.int64(), pa.bool_()  # noqa: E741

MIKROTIK_DHCP_LEASES = Dataset(
    "mikrotik",
    "dhcp_leases",
    (
        _f("lease_id", S),
        _f("mac", S),
        _f("ip", S),
        _f("active_ip", S),
        _f("hostname", S),
        _f("client_id", S),
        _f("status", S),
        _f("server", S),
        _f("is_dynamic", B),
        _f("is_blocked", B),
        _f("is_disabled", B),
        _f("last_seen_s", F),
        _f("expires_after_s", F),
        _f("comment", S),
    ),
    "One row per lease per poll, every status (bound, waiting, offered...).",
)

MIKROTIK_WIFI_CLIENTS = Dataset(
    "mikrotik",
    "wifi_clients",
    (
        _f("menu", S),  # wifi | wifiwave2 | wireless | capsman
        _f("interface", S),
        _f("ssid", S),
        _f("mac", S),
        _f("signal_dbm", F),
        _f("tx_rate_bps", F),
        _f("rx_rate_bps", F),
        _f("tx_bytes", I),
        _f("rx_bytes", I),
        _f("uptime_s", F),
        _f("last_activity_s", F),
        _f("last_ip", S),
        _f("comment", S),
    ),
    "Wifi registration table rows (one per associated client per poll).",
)

MIKROTIK_INTERFACES = Dataset(
    "mikrotik",
    "interfaces",
    (
        _f("interface_id", S),
        _f("interface", S),
        _f("default_name", S),
        _f("type", S),
        _f("mac", S),
        _f("mtu", I),
        _f("is_running", B),
        _f("is_disabled", B),
        _f("rx_bytes", I),
        _f("tx_bytes", I),
        _f("rx_packets", I),
        _f("tx_packets", I),
        _f("rx_errors", I),
        _f("tx_errors", I),
        _f("rx_drops", I),
        _f("tx_drops", I),
        _f("link_downs", I),
        _f("last_link_up_at", UTC_TS),
        _f("comment", S),
    ),
    "Interfaces with their cumulative counters.",
)

MIKROTIK_SYSTEM = Dataset(
    "mikrotik",
    "system",
    (
        _f("identity", S),
        _f("board_name", S),
        _f("version", S),
        _f("architecture", S),
        _f("cpu", S),
        _f("cpu_count", I),
        _f("cpu_load_pct", F),
        _f("free_memory_bytes", I),
        _f("total_memory_bytes", I),
        _f("free_hdd_bytes", I),
        _f("total_hdd_bytes", I),
        _f("uptime_s", F),
        _f("build_time", UTC_TS),
    ),
    "System resource and identity of each router per poll.",
)

COLLECTOR_HEALTH = Dataset(
    "homelake",
    "collector_health",
    (
        _f("source", S, False),
        _f("target", S, False),
        _f("started_at", UTC_TS, False),
        _f("duration_s", F, False),
        _f("ok", B, False),
        _f("error_class", S),
        _f("error_message", S),
        _f("row_count", I, False),
    ),
    "One row per poll of one target: did it work, how long, how many rows.",
)

DEAD_LETTER = Dataset(
    "homelake",
    "dead_letter",
    (
        _f("source_family", S, False),
        _f("dataset", S),
        _f("reason", S, False),
        _f("payload", pa.binary()),
    ),
    "Payloads or rows that could not be parsed or did not fit their schema, kept verbatim with the reason.",
)

SHELLY_SWITCH_READINGS = Dataset(
    "shelly",
    "switch_readings",
    (
        _f("generation", I),
        _f("model", S),
        _f("channel", I),
        _f("component", S),  # switch | relay | light | cover | roller | pm1 | meter
        _f("output", B),
        _f("power_w", F),
        _f("voltage_v", F),
        _f("current_a", F),
        _f("pf", F),
        _f("freq_hz", F),
        _f("energy_wh", F),  # the device's cumulative counter, converted to Wh (resets on reboot)
        _f("returned_energy_wh", F),  # cumulative
        _f("temperature_c", F),  # device temperature
        _f("uptime_s", F),  # only when the same payload carried it: downstream detects reboots
        _f("cover_state", S),
        _f("cover_pos", F),
        _f("errors", S),  # comma-joined
        _f("transport", S),  # http | mqtt
    ),
    "Outputs and meters of Shelly relays, plugs, lights and covers; one row per channel per reading.",
)

SHELLY_SENSOR_READINGS = Dataset(
    "shelly",
    "sensor_readings",
    (
        _f("generation", I),
        _f("model", S),
        _f("channel", I),
        _f("temperature_c", F),
        _f("humidity_pct", F),
        _f("lux", F),
        _f("battery_pct", F),
        _f("battery_v", F),
        _f("motion", B),
        _f("vibration", B),
        _f("transport", S),
    ),
    "Shelly environment sensors (H&T, Motion, add-on probes); one row per channel per reading.",
)

SHELLY_DEVICE_STATUS = Dataset(
    "shelly",
    "device_status",
    (
        _f("generation", I),
        _f("model", S),
        _f("mac", S),  # lowercase colon form
        _f("ip", S),
        _f("firmware", S),
        _f("uptime_s", F),
        _f("rssi_dbm", F),
        _f("ssid", S),
        _f("is_online", B),  # MQTT online topics, or true after a successful poll
        _f("cloud_connected", B),
        _f("mqtt_connected", B),
        _f("ram_free_bytes", I),
        _f("has_update", B),
        _f("transport", S),
    ),
    "Shelly device health: network, firmware, connectivity; one row per poll or status message.",
)

SHELLY_EVENTS = Dataset(
    "shelly",
    "events",
    (
        _f("generation", I),
        _f("channel", I),
        _f("component", S),
        _f("event", S),  # single_push, long_push, btn_down, S, L ...
        _f("event_at", UTC_TS),
        _f("transport", S),
    ),
    "Shelly input and system events (button pushes), one row per event.",
)

ZIGBEE_LOCK_EVENTS = Dataset(
    "zigbee",
    "lock_events",
    (
        _f("state", S),  # LOCK | UNLOCK
        _f("lock_state", S),  # locked | unlocked | not_fully_locked
        _f("action", S),  # transient: present only on the message that reports the action
        _f("action_source_name", S),
        _f("action_user", I),
        _f("battery_pct", F),
        _f("linkquality", I),
    ),
    "Zigbee2MQTT lock messages (device_id = friendly name); one row per message.",
)

ZIGBEE_SENSOR_READINGS = Dataset(
    "zigbee",
    "sensor_readings",
    (
        _f("temperature_c", F),
        _f("humidity_pct", F),
        _f("pressure_hpa", F),
        _f("illuminance_lux", F),
        _f("occupancy", B),
        _f("contact", B),  # true = closed
        _f("battery_pct", F),
        _f("voltage_mv", F),
        _f("linkquality", I),
    ),
    "Zigbee2MQTT sensor messages (device_id = friendly name); one row per message.",
)

ZIGBEE_AVAILABILITY = Dataset(
    "zigbee",
    "availability",
    (_f("is_online", B),),
    "Zigbee2MQTT availability changes (device_id = friendly name).",
)

MQTT_MESSAGES = Dataset(
    "mqtt",
    "messages",
    (
        _f("topic", S, False),
        _f("payload", pa.binary()),
        _f("qos", I),
        _f("retain", B),
        _f("dup", B),  # MQTT DUP flag: set by the broker when it redelivers
        _f("msg_key", S),  # hash of topic + payload: with `dup`, identifies a redelivery
        _f("parsed_ok", B),
    ),
    "Raw archive of every MQTT message received, verbatim.",
)

DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in (
        MIKROTIK_DHCP_LEASES,
        MIKROTIK_WIFI_CLIENTS,
        MIKROTIK_INTERFACES,
        MIKROTIK_SYSTEM,
        COLLECTOR_HEALTH,
        DEAD_LETTER,
        SHELLY_SWITCH_READINGS,
        SHELLY_SENSOR_READINGS,
        SHELLY_DEVICE_STATUS,
        SHELLY_EVENTS,
        ZIGBEE_LOCK_EVENTS,
        ZIGBEE_SENSOR_READINGS,
        ZIGBEE_AVAILABILITY,
        MQTT_MESSAGES,
    )
}


def register(dataset: Dataset) -> Dataset:
    """Add a dataset to the registry (used by later families); refuses a conflicting redefinition."""
    existing = DATASETS.get(dataset.key)
    if existing is not None and existing != dataset:
        raise ValueError(f"dataset {dataset.key} is already declared with another schema")
    DATASETS[dataset.key] = dataset
    return dataset


def get(key: str) -> Dataset:
    try:
        return DATASETS[key]
    except KeyError:
        raise KeyError(f"unknown lake dataset {key!r}; known: {', '.join(sorted(DATASETS))}") from None
