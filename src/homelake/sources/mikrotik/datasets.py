"""The mikrotik family's lake datasets: their Arrow schemas are the contract with the dbt sources."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, B, Dataset, F, I, S, column  # noqa: F401
from homelake.sources.mikrotik.edge_datasets import EDGE_DATASETS

MIKROTIK_DHCP_LEASES = Dataset(
    "mikrotik",
    "dhcp_leases",
    (
        column("lease_id", S),
        column("mac", S),
        column("ip", S),
        column("active_ip", S),
        column("hostname", S),
        column("client_id", S),
        column("status", S),
        column("server", S),
        column("is_dynamic", B),
        column("is_blocked", B),
        column("is_disabled", B),
        column("last_seen_s", F),
        column("expires_after_s", F),
        column("comment", S),
    ),
    "One row per lease per poll, every status (bound, waiting, offered...).",
)

MIKROTIK_WIFI_CLIENTS = Dataset(
    "mikrotik",
    "wifi_clients",
    (
        column("menu", S),  # wifi | wifiwave2 | wireless | capsman
        column("interface", S),
        column("ssid", S),
        column("mac", S),
        column("signal_dbm", F),
        column("tx_rate_bps", F),
        column("rx_rate_bps", F),
        column("tx_bytes", I),
        column("rx_bytes", I),
        column("uptime_s", F),
        column("last_activity_s", F),
        column("last_ip", S),
        column("comment", S),
    ),
    "Wifi registration table rows (one per associated client per poll).",
)

MIKROTIK_INTERFACES = Dataset(
    "mikrotik",
    "interfaces",
    (
        column("interface_id", S),
        column("interface", S),
        column("default_name", S),
        column("type", S),
        column("mac", S),
        column("mtu", I),
        column("is_running", B),
        column("is_disabled", B),
        column("rx_bytes", I),
        column("tx_bytes", I),
        column("rx_packets", I),
        column("tx_packets", I),
        column("rx_errors", I),
        column("tx_errors", I),
        column("rx_drops", I),
        column("tx_drops", I),
        column("link_downs", I),
        column("last_link_up_at", UTC_TS),
        column("comment", S),
    ),
    "Interfaces with their cumulative counters.",
)

MIKROTIK_SYSTEM = Dataset(
    "mikrotik",
    "system",
    (
        column("identity", S),
        column("board_name", S),
        column("version", S),
        column("architecture", S),
        column("cpu", S),
        column("cpu_count", I),
        column("cpu_load_pct", F),
        column("free_memory_bytes", I),
        column("total_memory_bytes", I),
        column("free_hdd_bytes", I),
        column("total_hdd_bytes", I),
        column("uptime_s", F),
        column("build_time", UTC_TS),
    ),
    "System resource and identity of each router per poll.",
)

DATASETS: tuple[Dataset, ...] = (
    MIKROTIK_DHCP_LEASES,
    MIKROTIK_WIFI_CLIENTS,
    MIKROTIK_INTERFACES,
    MIKROTIK_SYSTEM,
    *EDGE_DATASETS,
)
