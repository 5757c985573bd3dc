"""The simulated k3s cluster (an i7 master and two Raspberry Pi 5): node metrics and the incidents they live through."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

DAY_S = 86_400.0
OMEGA = 2 * math.pi / DAY_S
PEAK_S = 14 * 3600.0  # busiest at 14:00 UTC
THROTTLE_C = 80.0  # the Pi 5 firmware throttles from 80 °C (soft limit)
DOWN_S = 100.0  # a reboot keeps the node away this long
UNDERVOLT_S = 60.0  # an under-voltage event keeps the "now" bit set this long
HISTORY = timedelta(days=30)  # the model starts this long before the site's start, as the site's does


@dataclass(frozen=True)
class Node:
    """One k3s node: hardware, the k3s unit it runs, how busy it is, and where its root disk stands."""

    name: str
    model: str
    machine: str  # uname machine
    cores: int
    memory_bytes: int
    disk_bytes: int
    disk_device: str
    k3s_unit: str
    base_util: float
    daily_util: float
    is_pi: bool = False
    marginal_psu: bool = False
    disk_fill_bytes_per_day: float = 0.0
    plug: str = ""  # the catalogue id of the Shelly plug that meters it, if one does
    idle_w: float = 0.0  # its power draw idle and flat out
    full_w: float = 0.0


NODES: tuple[Node, ...] = (
    Node("k3s-master", "Intel NUC i7", "x86_64", 8, 32 << 30, 512 * 10**9, "nvme0n1p2", "k3s.service", 0.15, 0.25,
         plug="shelly-plusplugs-rack", idle_w=9.0, full_w=65.0),
    Node("pi1", "Raspberry Pi 5 8GB", "aarch64", 4, 8 << 30, 64 * 10**9, "mmcblk0p2", "k3s-agent.service", 0.25, 0.35,
         is_pi=True, disk_fill_bytes_per_day=1.2e9),
    Node("pi2", "Raspberry Pi 5 8GB", "aarch64", 4, 8 << 30, 64 * 10**9, "mmcblk0p2", "k3s-agent.service", 0.2, 0.3,
         is_pi=True, marginal_psu=True),
)  # fmt: skip


@dataclass(frozen=True)
class Incident:
    """One thing that happens to a node at `at` (UTC): reboot, oom_kill, crash_loop, unit_failure, under_voltage."""

    kind: str
    node: str
    at: datetime
    detail: str = ""
    until: datetime | None = None


@dataclass(frozen=True)
class NodeState:
    """What node_exporter would report at one instant; None from `Cluster.state` while the node is down."""

    node: Node
    at: datetime
    boot_at: datetime
    boot_id: str
    util: float
    busy_cpu_s: float  # CPU seconds not idle since boot, all cores
    uptime_s: float
    memory_available_bytes: int
    disk_avail_bytes: int
    temperature_c: float
    net_rx_bytes: float  # since boot
    net_tx_bytes: float
    oom_kills: int  # since boot
    is_throttled: bool
    was_throttled: bool  # since boot
    is_under_voltage: bool
    was_under_voltage: bool  # since boot


def stable_hex(*keys: object, size: int = 16) -> str:
    return hashlib.blake2b("|".join(map(str, keys)).encode(), digest_size=size).hexdigest()


class Cluster:
    """The cluster's ground truth, a pure function of the site's start: incidents and every node's state."""

    def __init__(self, start: datetime, seed: int = 7) -> None:
        self.start, self.seed = start, seed
        self.epoch = start - HISTORY
        self.nodes = {node.name: node for node in NODES}
        hours = lambda h: start + timedelta(hours=h)  # noqa: E731
        days = 31  # incidents for a month after start: any demo or e2e week fits
        self.incidents: tuple[Incident, ...] = tuple(sorted(
            [
                Incident("crash_loop", "pi1", hours(9), "sensor-bridge", until=hours(10)),
                Incident("oom_kill", "pi2", hours(20), "ingest-worker"),
                Incident("reboot", "pi1", hours(27)),
                Incident("oom_kill", "k3s-master", hours(102), "grafana"),
                *(Incident("unit_failure", "k3s-master", hours(2 + 24 * d), "backup.service")
                  for d in range(0, days, 2)),
                *(Incident("under_voltage", "pi2", hours(24 * d + h + (seed + d) % 7 / 10)) for d in range(days)
                  for h in (3.2, 11.7, 18.1)),
            ],
            key=lambda i: (i.at, i.node, i.kind),
        ))  # fmt: skip

    # --- incidents -------------------------------------------------------------------------------
    def of(self, kind: str, node: str | None = None) -> list[Incident]:
        return [i for i in self.incidents if i.kind == kind and (node is None or i.node == node)]

    def boots(self, node: str) -> list[datetime]:
        """Every boot of the node: one before the model's epoch, then one after each reboot."""
        first = self.epoch - timedelta(days=1 + NODES.index(self.nodes[node]))
        return [first, *(i.at + timedelta(seconds=DOWN_S) for i in self.of("reboot", node))]

    def boot_at(self, node: str, t: datetime) -> datetime:
        return max(b for b in self.boots(node) if b <= t)

    def boot_id(self, node: str, boot_at: datetime) -> str:
        return stable_hex(self.seed, node, "boot", boot_at.timestamp())

    def machine_id(self, node: str) -> str:
        return stable_hex(self.seed, node, "machine")

    def is_down(self, node: str, t: datetime) -> bool:
        return any(i.at <= t < i.at + timedelta(seconds=DOWN_S) for i in self.of("reboot", node))

    def power_w(self, node: str, t: datetime) -> float:
        """What the node draws at t: idle to flat out with its CPU, nothing while it is down."""
        spec = self.nodes[node]
        if self.is_down(node, t):
            return 0.0
        return spec.idle_w + (spec.full_w - spec.idle_w) * self.util(spec, t)

    def disk_full_at(self, node: str) -> datetime | None:
        """When the node's root filesystem runs out of space (the truth the forecast is held against)."""
        spec = self.nodes[node]
        if not spec.disk_fill_bytes_per_day:
            return None
        return self.start + timedelta(days=9.5)

    # --- metrics ---------------------------------------------------------------------------------
    def _base_integral(self, node: Node, a: float, b: float) -> float:
        """∫ base + daily·(1 − cos(ω(t − peak + half a day)))/2 dt over [a, b] (epoch seconds)."""
        mean = node.base_util + node.daily_util / 2
        phase = PEAK_S - DAY_S / 2
        wave = (math.sin(OMEGA * (b - phase)) - math.sin(OMEGA * (a - phase))) / OMEGA
        return mean * (b - a) - node.daily_util / 2 * wave

    def _util_integral(self, node: Node, a: float, b: float) -> float:
        """CPU utilisation integrated over [a, b]: the daily curve, but flat out while a deployment crash-loops."""
        total = self._base_integral(node, a, b)
        for loop in self.of("crash_loop", node.name):
            assert loop.until is not None
            lo, hi = max(a, loop.at.timestamp()), min(b, loop.until.timestamp())
            if lo < hi:
                total += (hi - lo) - self._base_integral(node, lo, hi)
        return total

    def util(self, node: Node, t: datetime) -> float:
        x = t.timestamp()
        if any(loop.at <= t < (loop.until or loop.at) for loop in self.of("crash_loop", node.name)):
            return 1.0
        return node.base_util + node.daily_util * (1 - math.cos(OMEGA * (x - PEAK_S + DAY_S / 2))) / 2

    def temperature(self, node: Node, t: datetime) -> float:
        ambient = 2.0 * math.sin(OMEGA * (t.timestamp() - PEAK_S + DAY_S / 4))
        return round((45.0 if node.is_pi else 38.0) + 38.0 * self.util(node, t) + ambient, 1)

    def _throttled_since(self, node: Node, boot: datetime, t: datetime) -> bool:
        """Throttling happens only while a crash loop runs the Pi flat out (the curve never reaches 80 °C)."""
        return node.is_pi and any(boot <= loop.at <= t for loop in self.of("crash_loop", node.name))

    def state(self, name: str, t: datetime) -> NodeState | None:
        """Everything node_exporter would say about `name` at `t`; None while it is rebooting."""
        if self.is_down(name, t):
            return None
        node = self.nodes[name]
        boot = self.boot_at(name, t)
        a, b = boot.timestamp(), t.timestamp()
        busy = node.cores * self._util_integral(node, a, b)
        util = self.util(node, t)
        ooms = [i for i in self.of("oom_kill", name) if boot <= i.at <= t]
        squeezed = any(timedelta(0) <= i.at - t <= timedelta(minutes=10) for i in self.of("oom_kill", name))
        available = 0.02 if squeezed else 0.6 - 0.3 * util
        volts = [i for i in self.of("under_voltage", name) if boot <= i.at <= t]
        temp = self.temperature(node, t)
        used = node.disk_fill_bytes_per_day * (b - self.epoch.timestamp()) / DAY_S
        full_at = self.disk_full_at(name)
        start_avail = node.disk_fill_bytes_per_day * ((full_at or self.start) - self.epoch).total_seconds() / DAY_S
        avail = max(0, int(start_avail - used)) if full_at else int(node.disk_bytes * 0.7)
        rx_rate, tx_rate = (2e6, 5e5) if not node.is_pi else (4e5, 2e5)
        net = self._util_integral(node, a, b) + 0.5 * (b - a)
        return NodeState(
            node=node, at=t, boot_at=boot, boot_id=self.boot_id(name, boot), util=util, busy_cpu_s=busy,
            uptime_s=b - a, memory_available_bytes=int(node.memory_bytes * available), disk_avail_bytes=avail,
            temperature_c=temp, net_rx_bytes=rx_rate * net, net_tx_bytes=tx_rate * net, oom_kills=len(ooms),
            is_throttled=node.is_pi and temp >= THROTTLE_C, was_throttled=self._throttled_since(node, boot, t),
            is_under_voltage=any(t - i.at < timedelta(seconds=UNDERVOLT_S) for i in volts),
            was_under_voltage=bool(volts),
        )  # fmt: skip


@lru_cache(maxsize=8)
def cluster_for(start: datetime, seed: int = 7) -> Cluster:
    """The cluster of a site (its start and seed), shared by every family that serves a view of it."""
    return Cluster(start, seed)
