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


S, F, I, B = pa.string(), pa.float64(), pa.int64(), pa.bool_()

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

DATASETS: dict[str, Dataset] = {
    d.key: d
    for d in (
        MIKROTIK_DHCP_LEASES,
        MIKROTIK_WIFI_CLIENTS,
        MIKROTIK_INTERFACES,
        MIKROTIK_SYSTEM,
        COLLECTOR_HEALTH,
        DEAD_LETTER,
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
