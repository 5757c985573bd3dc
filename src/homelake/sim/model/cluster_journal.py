"""The simulated cluster's journals: routine lines every five minutes plus the lines each incident writes."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from homelake.sim.model.cluster import DOWN_S, NODES, UNDERVOLT_S, Cluster, Incident, stable_hex

ROUTINE_S = 300  # one routine line per node every five minutes
Fields = dict[str, str | bytes]
UNIT_FAILED_ID = "be02cf6855d2428ba40df7e9d022f03d"  # systemd's catalog: "Unit ... has failed"
UNIT_RESULT_ID = "d9b373ed55a64feb8242e02dbe79a49c"  # systemd's catalog: "Unit ... entered failed state"


@dataclass(frozen=True)
class JournalEntry:
    """One entry as the journal stores it: address fields plus the entry's own fields (bytes = binary value)."""

    node: str
    seqnum: int
    seqnum_id: str
    realtime_us: int
    monotonic_us: int
    boot_id: str
    fields: Fields

    @property
    def cursor(self) -> str:
        check = stable_hex(self.seqnum_id, self.seqnum, size=8)
        return (
            f"s={self.seqnum_id};i={self.seqnum:x};b={self.boot_id};m={self.monotonic_us:x};"
            f"t={self.realtime_us:x};x={check}"
        )


def _us(t: datetime) -> int:
    return round(t.timestamp() * 1_000_000)


class ClusterJournal:
    """Every node's journal as a pure function of the cluster: entries in a time range, with stable seqnums."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def _offset_s(self, node: str) -> int:
        return 11 * [n.name for n in NODES].index(node)

    def _down(self, node: str) -> list[tuple[float, float]]:
        return [(i.at.timestamp(), i.at.timestamp() + DOWN_S) for i in self.cluster.of("reboot", node)]

    def _ticks_before(self, node: str, t: float) -> int:
        """Routine ticks (epoch + offset + k·300 s) strictly before t, none while the node is down."""
        first = self.cluster.epoch.timestamp() + self._offset_s(node)
        count = lambda x: max(0, math.ceil((x - first) / ROUTINE_S))  # noqa: E731
        skipped = sum(count(min(b, t)) - count(a) for a, b in self._down(node) if a < t)
        return count(t) - skipped

    @cached_property
    def _events(self) -> dict[str, list[tuple[float, int, Fields]]]:
        """Incident lines per node, in time order: (epoch seconds, order, fields)."""
        found: dict[str, list[tuple[float, int, Fields]]] = {n.name: [] for n in NODES}
        for incident in self.cluster.incidents:
            for order, (at, fields) in enumerate(_incident_lines(incident)):
                found[incident.node].append((at.timestamp(), order, fields))
        for lines in found.values():
            lines.sort(key=lambda item: (item[0], item[1]))
        return found

    def count_before(self, node: str, t: datetime) -> int:
        x = t.timestamp()
        return self._ticks_before(node, x) + bisect.bisect_left([e[0] for e in self._events[node]], x)

    def entries(self, node: str, start: datetime, end: datetime) -> list[JournalEntry]:
        """Every entry with a realtime in [start, end), in journal order, numbered from the model's epoch."""
        a, b = max(start, self.cluster.epoch).timestamp(), end.timestamp()
        lines: list[tuple[float, int, Fields]] = []
        first = self.cluster.epoch.timestamp() + self._offset_s(node)
        k = max(0, math.ceil((a - first) / ROUTINE_S))
        down = self._down(node)
        while (x := first + k * ROUTINE_S) < b:
            if not any(lo <= x < hi for lo, hi in down):
                lines.append((x, -1, _routine(self.cluster, node, k)))
            k += 1
        lines += [e for e in self._events[node] if a <= e[0] < b]
        lines.sort(key=lambda item: (item[0], item[1]))
        seqnum = self.count_before(node, datetime.fromtimestamp(a, UTC)) + 1
        return [self._entry(node, seqnum + i, x, fields) for i, (x, _order, fields) in enumerate(lines)]

    def seqnum_id(self, node: str) -> str:
        return stable_hex(self.cluster.seed, node, "seqnum")

    def _entry(self, node: str, seqnum: int, x: float, fields: Fields) -> JournalEntry:
        at = datetime.fromtimestamp(x, UTC)
        boot = self.cluster.boot_at(node, at)
        return JournalEntry(
            node=node, seqnum=seqnum, seqnum_id=self.seqnum_id(node), realtime_us=_us(at),
            monotonic_us=_us(at) - _us(boot), boot_id=self.cluster.boot_id(node, boot),
            fields={"_MACHINE_ID": self.cluster.machine_id(node), "_HOSTNAME": node, **fields},
        )  # fmt: skip

    def time_of_seqnum(self, node: str, seqnum: int) -> datetime | None:
        """When entry `seqnum` was written (binary search over the counts), or None beyond the model's month."""
        lo, hi = self.cluster.epoch, self.cluster.start + timedelta(days=31)
        if self.count_before(node, hi) < seqnum:
            return None
        while hi - lo > timedelta(microseconds=1):
            mid = lo + (hi - lo) / 2
            lo, hi = (mid, hi) if self.count_before(node, mid) < seqnum else (lo, mid)
        return lo


def _line(unit: str | None, ident: str, priority: int | None, message: str | bytes, **extra: str) -> Fields:
    fields: Fields = {"_TRANSPORT": extra.pop("transport", "stdout"), "SYSLOG_IDENTIFIER": ident, "MESSAGE": message}
    if unit:
        fields["_SYSTEMD_UNIT"] = unit
    if priority is not None:
        fields["PRIORITY"] = str(priority)
    return fields | extra


def _kernel(priority: int | None, message: str) -> Fields:
    return _line(None, "kernel", priority, message, transport="kernel")


def _routine(cluster: Cluster, node: str, k: int) -> Fields:
    unit = cluster.nodes[node].k3s_unit
    if k % 2:
        return _line("containerd.service", "containerd", 6, f'level=info msg="cleaning up dead shim" n={k % 97}')
    return _line(unit, "k3s", 6, f'I1207 kubelet_node_status.go:73] "Successfully synced node status" node="{node}"')


def _systemd(priority: int, unit: str, message: str, **extra: str) -> Fields:
    return _line("init.scope", "systemd", priority, message, UNIT=unit, **extra)


def _incident_lines(incident: Incident) -> list[tuple[datetime, Fields]]:
    """The journal lines an incident writes, each at its own time."""
    at, s = incident.at, lambda seconds: incident.at + timedelta(seconds=seconds)
    if incident.kind == "crash_loop":
        assert incident.until is not None
        pod = f"{incident.detail}-6f7c9d-x2k4p"
        restarts = int((incident.until - at).total_seconds() // ROUTINE_S)
        return [
            (s(30 + ROUTINE_S * r), _line("k3s-agent.service", "k3s", 3,
             f'E1207 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"StartContainer\\" for '
             f'\\"{incident.detail}\\" with CrashLoopBackOff: \\"back-off 5m0s restarting failed container='
             f'{incident.detail} pod={pod}_default\\"" restart={r + 1}'))
            for r in range(restarts)
        ]  # fmt: skip
    return _more_lines(incident)


def _more_lines(incident: Incident) -> list[tuple[datetime, Fields]]:
    at, s = incident.at, lambda seconds: incident.at + timedelta(seconds=seconds)
    if incident.kind == "oom_kill":
        pid = 20000 + int(at.timestamp()) % 9000
        killed = f"Out of memory: Killed process {pid} ({incident.detail}) total-vm:1854321kB, anon-rss:812344kB"
        return [
            (at, _kernel(3, f"{killed}, file-rss:0kB, shmem-rss:0kB, UID:1000 oom_score_adj:1000")),
            (s(2), _line(None, "k3s", 4, f'"Container OOMKilled" container="{incident.detail}" pid={pid}')),
        ]
    if incident.kind == "reboot":
        return [
            (at, _line(None, "systemd-shutdown", 6, "Syncing filesystems and block devices.")),
            (s(DOWN_S), _kernel(5, "Linux version 6.6.51+rpt-rpi-2712 (aarch64-linux-gnu-gcc 12.2.0)")),
            (s(DOWN_S + 2), _line(None, "audit", None, "audit: type=1403 policy loaded", transport="audit")),
        ]
    if incident.kind == "unit_failure":
        unit = incident.detail
        rsync = b"\x1b[1;31mFAILED\x1b[0m rsync error: error in socket IO (code 10) at clientserver.c(139) \xff"
        return [
            (at, _line(unit, "backup", 3, rsync)),
            (s(1), _systemd(5, unit, f"{unit}: Main process exited, code=exited, status=10/n/a")),
            (s(1), _systemd(4, unit, f"{unit}: Failed with result 'exit-code'.", MESSAGE_ID=UNIT_RESULT_ID)),
            (s(1), _systemd(3, unit, f"Failed to start {unit} - Nightly backup.", MESSAGE_ID=UNIT_FAILED_ID)),
        ]
    if incident.kind == "under_voltage":
        return [(at, _kernel(2, "hwmon hwmon1: Undervoltage detected!")),
                (s(UNDERVOLT_S), _kernel(6, "hwmon hwmon1: Voltage normalised"))]  # fmt: skip
    return []
