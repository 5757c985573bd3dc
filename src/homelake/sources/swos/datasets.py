"""The swos family's lake datasets (the CSS610 PoE switch): their Arrow schemas are the contract with dbt."""

from __future__ import annotations

from homelake.lake.schemas import B, Dataset, F, I, S, column

SWOS_POE = Dataset(
    "swos",
    "poe",
    (
        column("port", I, False),
        column("poe_state", S),
        column("power_w", F),
        column("voltage_v", F),
        column("current_ma", I),
    ),
    "PoE of each PoE-capable port per poll: state and the measured watts, volts and milliamps.",
)

SWOS_LINKS = Dataset(
    "swos",
    "links",
    (
        column("port", I, False),
        column("name", S),
        column("is_up", B),
        column("speed_mbps", I),
    ),
    "Every port per poll: its name, link state and negotiated speed.",
)

SWOS_HOSTS = Dataset(
    "swos",
    "hosts",
    (
        column("mac", S, False),
        column("port", I),
    ),
    "The switch's host table per poll: which MAC address was learned on which port.",
)

SWOS_SYSTEM = Dataset(
    "swos",
    "system",
    (
        column("identity", S),
        column("model", S),
        column("version", S),
        column("temperature_c", F),
        column("power_w", F),
    ),
    "The switch itself per poll (temperature and power where the firmware reports them: SwOS, not SwOS Lite).",
)

SWOS_IF_COUNTERS = Dataset(
    "swos",
    "if_counters",
    (
        column("if_index", I, False),
        column("if_name", S),
        column("is_up", B),
        column("speed_mbps", I),
        column("counter_bits", I, False),
        column("in_octets", I),
        column("out_octets", I),
        column("in_errors", I),
        column("out_errors", I),
        column("in_discards", I),
        column("uptime_s", F),
    ),
    "Every interface per SNMP poll (IF-MIB): link, speed and the raw cumulative counters as the switch gave them "
    "(64-bit ifHC*Octets where it has them, else the 32-bit ifIn/OutOctets that wrap at 2^32; `counter_bits` "
    "says which), with the switch's uptime so a restart is told from a wrap.",
)

SWOS_FDB = Dataset(
    "swos",
    "fdb",
    (
        column("mac", S, False),
        column("bridge_port", I),
        column("if_index", I),
        column("fdb_status", S),
    ),
    "The switch's forwarding table per SNMP poll (BRIDGE-MIB dot1dTpFdbTable): each MAC's bridge port and, "
    "through dot1dBasePortIfIndex, its ifIndex.",
)

DATASETS: tuple[Dataset, ...] = (SWOS_POE, SWOS_LINKS, SWOS_HOSTS, SWOS_SYSTEM, SWOS_IF_COUNTERS, SWOS_FDB)
