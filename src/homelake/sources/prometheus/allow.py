"""Which metric families a scrape keeps: a default for node health, plus the owner's additions (fnmatch patterns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

# node_exporter exposes hundreds of families; these answer "which node is struggling" (CPU, load, memory,
# disk, network, temperature, reboots) and the Raspberry Pi's throttling/under-voltage bits (`rpi_*`, written
# by the textfile collector from `vcgencmd get_throttled`).
DEFAULT_ALLOW: tuple[str, ...] = (
    "node_boot_time_seconds",
    "node_time_seconds",
    "node_uname_info",
    "node_exporter_build_info",
    "node_cpu_seconds_total",
    "node_cpu_scaling_frequency_hertz",
    "node_load1",
    "node_load5",
    "node_load15",
    "node_memory_MemTotal_bytes",
    "node_memory_MemAvailable_bytes",
    "node_memory_SwapTotal_bytes",
    "node_memory_SwapFree_bytes",
    "node_vmstat_oom_kill",
    "node_filesystem_size_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_readonly",
    "node_network_receive_bytes_total",
    "node_network_transmit_bytes_total",
    "node_network_receive_errs_total",
    "node_network_transmit_errs_total",
    "node_disk_read_bytes_total",
    "node_disk_written_bytes_total",
    "node_hwmon_temp_celsius",
    "node_thermal_zone_temp",
    "node_systemd_unit_state",
    "rpi_*",
)


@dataclass(frozen=True)
class AllowList:
    """fnmatch patterns over metric names; `everything` keeps every family (for endpoints the owner trusts)."""

    patterns: tuple[str, ...] = DEFAULT_ALLOW
    everything: bool = False
    _seen: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False, repr=False)

    def admits(self, family: str, sample_name: str) -> bool:
        """Kept when a pattern matches the family name or the sample's name (`x_total`, `x_bucket`...)."""
        if self.everything:
            return True
        key = (family, sample_name)
        found = self._seen.get(key)
        if found is None:  # a scrape repeats the same few hundred names: decide each once
            found = any(fnmatchcase(family, p) or fnmatchcase(sample_name, p) for p in self.patterns)
            self._seen[key] = found
        return found

    def plus(self, extra: tuple[str, ...]) -> AllowList:
        return AllowList((*self.patterns, *extra), self.everything)
