"""node_exporter's text exposition of one simulated node's state (what `GET /metrics` answers)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from homelake.sim.model.cluster import NodeState

MODES = (("user", 0.70), ("system", 0.25), ("iowait", 0.05))
# vcgencmd get_throttled bits, as the textfile collector writes them on a Pi
UNDER_VOLTAGE_NOW, THROTTLED_NOW, UNDER_VOLTAGE_OCCURRED, THROTTLED_OCCURRED = 0, 2, 16, 18


def _family(name: str, kind: str, help_text: str, samples: Sequence[tuple[str, float]]) -> Iterator[str]:
    yield f"# HELP {name} {help_text}"
    yield f"# TYPE {name} {kind}"
    for labels, value in samples:
        yield f"{name}{{{labels}}} {value:.10g}" if labels else f"{name} {value:.10g}"


def _lines(s: NodeState) -> Iterator[str]:
    node, t = s.node, s.at.timestamp()
    yield from _family("go_goroutines", "gauge", "Number of goroutines that currently exist.", [("", 9)])
    idle = node.cores * s.uptime_s - s.busy_cpu_s
    cpu = [(f'cpu="{c}",mode="idle"', idle / node.cores) for c in range(node.cores)]
    cpu += [
        (f'cpu="{c}",mode="{m}"', s.busy_cpu_s * share / node.cores) for c in range(node.cores) for m, share in MODES
    ]
    yield from _family("node_boot_time_seconds", "gauge", "Node boot time, in unixtime.", [("", s.boot_at.timestamp())])
    yield from _family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.", sorted(cpu))
    if node.is_pi:
        hz = 1.5e9 if s.is_throttled else 2.4e9
        freq = [(f'cpu="{c}"', hz) for c in range(node.cores)]
        yield from _family(
            "node_cpu_scaling_frequency_hertz", "gauge", "Current scaled CPU thread frequency in hertz.", freq
        )
    fs = f'device="/dev/{node.disk_device}",fstype="ext4",mountpoint="/"'
    yield from _family("node_filesystem_avail_bytes", "gauge", "Filesystem space available to non-root users in bytes.",
                       [(fs, s.disk_avail_bytes)])  # fmt: skip
    yield from _family("node_filesystem_size_bytes", "gauge", "Filesystem size in bytes.", [(fs, node.disk_bytes)])
    if node.is_pi:
        zone = [('type="cpu-thermal",zone="0"', s.temperature_c)]
        yield from _family("node_thermal_zone_temp", "gauge", "Zone temperature in Celsius", zone)
    else:
        chip = [('chip="platform_coretemp_0",sensor="temp1"', s.temperature_c)]
        yield from _family("node_hwmon_temp_celsius", "gauge", "Hardware monitor for temperature (input)", chip)
    util = s.util * node.cores
    for minutes in (1, 5, 15):
        yield from _family(f"node_load{minutes}", "gauge", f"{minutes}m load average.", [("", round(util * 1.1, 2))])
    available = [("", s.memory_available_bytes)]
    yield from _family(
        "node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes.", available
    )
    total = [("", node.memory_bytes)]
    yield from _family("node_memory_MemTotal_bytes", "gauge", "Memory information field MemTotal_bytes.", total)
    rx, tx = [('device="eth0"', round(s.net_rx_bytes))], [('device="eth0"', round(s.net_tx_bytes))]
    yield from _family("node_network_receive_bytes_total", "counter", "Network device statistic receive_bytes.", rx)
    yield from _family("node_network_transmit_bytes_total", "counter", "Network device statistic transmit_bytes.", tx)
    yield from _family("node_time_seconds", "gauge", "System time in seconds since epoch (1970).", [("", t)])
    uname = f'machine="{node.machine}",nodename="{node.name}",release="6.6.51",sysname="Linux"'
    yield from _family("node_uname_info", "gauge", "Labeled system information as provided by the uname system call.",
                       [(uname, 1)])  # fmt: skip
    yield from _family(
        "node_vmstat_oom_kill", "untyped", "/proc/vmstat information field oom_kill.", [("", s.oom_kills)]
    )
    yield from _family("process_open_fds", "gauge", "Number of open file descriptors.", [("", 11)])
    if node.is_pi:
        bits = {UNDER_VOLTAGE_NOW: s.is_under_voltage, THROTTLED_NOW: s.is_throttled,
                UNDER_VOLTAGE_OCCURRED: s.was_under_voltage, THROTTLED_OCCURRED: s.was_throttled}  # fmt: skip
        flags = [(f'bit="{bit}"', float(on)) for bit, on in sorted(bits.items())]
        yield from _family("rpi_throttled", "gauge", "vcgencmd get_throttled, one series per bit.", flags)


def render(state: NodeState) -> bytes:
    """The full scrape, families sorted by name as node_exporter sorts them."""
    return ("\n".join(_lines(state)) + "\n").encode()
