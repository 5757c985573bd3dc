"""Pure RouterOS v7 REST payload builders of a simulated router at time t (shapes per devices.md 1)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from homelake.sim.model import noise
from homelake.sim.model.model import Router
from homelake.sim.model.site import ClientState, Site

LEASES, WIFI, INTERFACES = "/ip/dhcp-server/lease", "/interface/wifi/registration-table", "/interface"
RESOURCE, IDENTITY = "/system/resource", "/system/identity"
SINGLETONS = frozenset({RESOURCE, IDENTITY})
COMMON_DIRS = frozenset({"/ip", "/interface", "/system"})
VERBS = frozenset({"print", "add", "set", "remove", "export", "getall", "monitor", "enable", "disable"})
DAY_S = 86400.0
FAST_2GHZ_DBM = -65  # a 2.4 GHz client above this signal gets the fast rate pair


class SimRestError(Exception):
    """A RouterOS error reply: `status` and the JSON `body` the router would send."""

    def __init__(self, status: int, message: str, detail: str | None = None) -> None:
        super().__init__(f"{status} {message}" + (f": {detail}" if detail else ""))
        self.status = status
        self.body: dict[str, Any] = ({"detail": detail} if detail else {}) | {
            "error": status,
            "message": message,
        }


def format_duration(seconds: float, *, millis: bool = False) -> str:
    """RouterOS duration: `1w2d3h4m5s`, `0s`; with millis also `16s330ms`, `170ms`."""
    millis_total = max(0, round(seconds * 1000) if millis else round(seconds) * 1000)
    return _format_millis(millis_total)


def _format_millis(millis: int) -> str:
    if millis == 0:
        return "0s"
    whole, millis = divmod(millis, 1000)
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts)


def _b(value: bool) -> str:
    return "true" if value else "false"


def _mac(mac: str, offset: int = 0) -> str:
    value = (int(mac.replace(":", ""), 16) + offset) % (1 << 48)
    return ":".join(f"{value:012X}"[i : i + 2] for i in range(0, 12, 2))


def _local(site: Site, t: datetime) -> str:
    return t.astimezone(site.tz).strftime("%Y-%m-%d %H:%M:%S")


def _counter(rate: float, since: float, now: float, phase: float) -> int:
    """Bytes sent at `rate` (B/s) with a daily swing; monotone because the swing is below the mean."""
    if now <= since:
        return 0
    k = 2 * math.pi / DAY_S
    swing = 0.6 / k * (math.sin(k * (now + phase)) - math.sin(k * (since + phase)))
    return int(rate * ((now - since) + swing))


# --- /ip/dhcp-server/lease ------------------------------------------------------------------------
def _lease(site: Site, state: ClientState, t: datetime, server: str) -> dict[str, str] | None:
    lease, client = state.lease, state.client
    if lease is None:
        return None
    mac = client.mac.upper()
    client_id = "1:" + ":".join(f"{int(b, 16):x}" for b in client.mac.split(":"))  # leading zeros dropped
    bound = lease.status == "bound"
    row = {".id": lease.lease_id, "address": lease.address, "mac-address": mac}
    if client.sends_client_id:
        row["client-id"] = client_id
    row |= {"address-lists": "", "server": server, "dhcp-option": "", "status": lease.status}
    if bound and lease.expires_at is not None:
        row["expires-after"] = format_duration((lease.expires_at - t).total_seconds())
    seen = lease.last_seen_at
    row["last-seen"] = "never" if seen is None else format_duration((t - seen).total_seconds())
    if bound:
        row |= {"active-address": lease.address, "active-mac-address": mac}
        if client.sends_client_id:
            row["active-client-id"] = client_id
        row["active-server"] = server
    if client.hostname is not None and seen is not None:
        row["host-name"] = client.hostname
    row |= {"radius": "false", "dynamic": _b(lease.dynamic), "blocked": "false", "disabled": "false"}
    if client.lease_comment:
        row["comment"] = client.lease_comment
    return row


def leases(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    server = router.dhcp_server or ""
    rows = [_lease(site, site.client_state(c, t), t, server) for c in site.clients]
    present = [row for row in rows if row is not None]
    return sorted(present, key=lambda row: int(row[".id"][1:], 16))


# --- /interface/wifi/registration-table -----------------------------------------------------------
def _rates(state: ClientState) -> tuple[int, int]:
    signal = state.signal_dbm or -90
    if state.client.band == "2ghz":
        return (72_200_000, 65_000_000) if signal > FAST_2GHZ_DBM else (39_000_000, 26_000_000)
    ladder = ((-55, 1_200_950_000), (-63, 864_800_000), (-70, 432_300_000))
    tx = next((rate for floor, rate in ladder if signal > floor), 144_100_000)
    return tx, int(tx * 0.8)


def _registration(site: Site, state: ClientState, t: datetime, number: int) -> dict[str, str]:
    client, since = state.client, state.associated_since or t
    uptime = max(0.0, (t - since).total_seconds())
    heavy = client.kind in ("laptop", "tablet", "tv_box", "phone")
    tx_bytes = int(uptime * (60_000 if heavy else 300) * (1 + noise.unit(site.seed, client.id, "bw")))
    rx_bytes = tx_bytes // (4 if heavy else 2)
    minute = int(t.timestamp() // 60)
    tx_rate, rx_rate = _rates(state)
    return {
        ".id": f"*{(int(since.timestamp()) // 60 * 64 + number) % (1 << 24):X}",
        "interface": state.interface or "wifi1",
        "ssid": site.router(state.ap or "").ssid or "",
        "mac-address": client.mac.upper(),
        "uptime": format_duration(uptime),
        "last-activity": format_duration(noise.uniform(0.01, 4.0, site.seed, client.id, minute, "act"), millis=True),
        "signal": str(state.signal_dbm),
        "tx-rate": str(tx_rate),
        "rx-rate": str(rx_rate),
        "packets": f"{tx_bytes // 900},{rx_bytes // 600}",
        "bytes": f"{tx_bytes},{rx_bytes}",
        "tx-bits-per-second": str(int(noise.uniform(0, 8e6 if heavy else 2e4, site.seed, client.id, minute))),
        "rx-bits-per-second": str(int(noise.uniform(0, 2e6 if heavy else 1e4, site.seed, client.id, minute, 1))),
        "authorized": "true",
        "band": "5ghz-ax" if client.band == "5ghz" else "2ghz-ax",
        "auth-type": "wpa2-psk",
    }


def registrations(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    rows = []
    for number, client in enumerate(site.clients):
        if client.is_wifi:
            state = site.client_state(client, t)
            if state.ap == router.name:
                rows.append(_registration(site, state, t, number))
    return rows


# --- /system/resource, /system/identity -----------------------------------------------------------
def resource(site: Site, router: Router, t: datetime) -> dict[str, str]:
    boot = site.router_boot_at(router.name, t)
    minute = int(t.timestamp() // 60)
    low, high = {"firewall": (3, 18), "switch": (5, 15)}.get(router.role, (1, 10))
    free_share = noise.uniform(0.55, 0.7, site.seed, router.name, minute, "mem")
    return {
        "uptime": format_duration((t - boot).total_seconds()),
        "version": router.version,
        "build-time": router.build_time,
        "factory-software": router.factory_software,
        "free-memory": str(int(router.memory_bytes * free_share)),
        "total-memory": str(router.memory_bytes),
        "cpu": router.cpu,
        "cpu-count": str(router.cpu_count),
        "cpu-frequency": str(router.cpu_mhz),
        "cpu-load": str(int(noise.uniform(low, high, site.seed, router.name, minute, "cpu"))),
        "free-hdd-space": str(int(router.hdd_bytes * 0.62)),
        "total-hdd-space": str(router.hdd_bytes),
        "write-sect-since-reboot": str(int((t - boot).total_seconds() // 40)),
        "write-sect-total": str(int((t - boot).total_seconds() // 40) + 812_345),
        "architecture-name": router.architecture,
        "board-name": router.board_name,
        "platform": "MikroTik",
    }


def identity(site: Site, router: Router, t: datetime) -> dict[str, str]:
    return {"name": router.name}


# --- /interface -----------------------------------------------------------------------------------
# (name, default-name, type, mean rx B/s, mean tx B/s, comment, bridge port): ports always linked
def _ports(site: Site, router: Router) -> list[tuple[str, str | None, str, float, float, str | None, bool]]:
    rows: list[tuple[str, str | None, str, float, float, str | None, bool]] = []
    uplink = {"firewall": (1.5e6, 3e5), "switch": (1.5e6, 3e5), "ap": (5e5, 2e5)}.get(router.role, (1e5, 1e5))
    busy = {"ether1": uplink}
    if router.role == "firewall":
        busy["ether2"] = (3e5, 1.5e6)
    if router.role == "switch":
        busy |= {"ether2": (2e5, 5e5), "ether3": (2e5, 5e5)}
    for n in range(1, router.ether_ports + 1):
        name = f"ether{n}"
        rx, tx = busy.get(name, (0.0, 0.0))
        comment = router.port_comments.get(name)
        rows.append((name, name, "ether", rx, tx, comment, not (router.role == "firewall" and n == 1)))
    for n in range(1, router.sfp_ports + 1):
        rows.append((f"sfp-sfpplus{n}", f"sfp-sfpplus{n}", "ether", 0.0, 0.0, None, True))
    if router.has_wifi:
        rows += [
            ("wifi1", "wifi1", "wifi", 2e5, 6e5, None, True),
            ("wifi2", "wifi2", "wifi", 2e4, 3e4, None, True),
        ]
    rows.append(("bridge", None, "bridge", 4e4, 2e4, None, False))
    return rows


def _switch_clients(site: Site, router: Router) -> dict[str, str]:
    """Switch port -> wired client id: wired clients fill the switch from ether4 on."""
    if router.role != "switch":
        return {}
    wired = [c for c in site.clients if not c.is_wifi]
    return {f"ether{4 + i}": c.id for i, c in enumerate(wired) if 4 + i <= router.ether_ports}


def interfaces(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    boot = site.router_boot_at(router.name, t)
    on_port = _switch_clients(site, router)
    rows = []
    for number, (name, default, kind, port_rx, port_tx, port_comment, slave) in enumerate(_ports(site, router), 1):
        rx, tx, comment = port_rx, port_tx, port_comment  # a client on the port overrides them
        link_up: datetime | None = boot if rx else None
        if name in on_port:
            state = site.client_state(on_port[name], t)
            heavy = state.client.kind in ("camera", "k3s_node")
            rx, tx = (5e5, 1e4) if state.client.kind == "camera" else (2e5, 2e5) if heavy else (2e4, 4e4)
            if state.online_since is None and state.left_at is None:
                rx = tx = 0.0  # never plugged in
            link_up = state.online_since
            comment = comment or state.client.id
        running = link_up is not None
        phase = noise.uniform(0, DAY_S, site.seed, router.name, name)
        since, now = boot.timestamp() + 8, t.timestamp()
        rx_bytes, tx_bytes = _counter(rx, since, now, phase), _counter(tx, since, now, phase + 3600)
        row = {".id": f"*{number:X}", "name": name} | ({"default-name": default} if default else {})
        row |= {
            "type": kind,
            "mtu": "auto" if kind == "bridge" else "1500",
            "actual-mtu": "1500",
            "l2mtu": "1560" if kind == "wifi" else "1598",
            "max-l2mtu": "2290" if kind == "wifi" else "9578",
            "mac-address": _mac(router.mac, 0 if kind == "bridge" else number - 1),
        }
        if link_up is not None:
            row["last-link-up-time"] = _local(site, max(link_up, boot))
        row |= {
            "link-downs": "0",
            "rx-byte": str(rx_bytes),
            "tx-byte": str(tx_bytes),
            "rx-packet": str(rx_bytes // 820),
            "tx-packet": str(tx_bytes // 610),
            "rx-drop": str(rx_bytes // 700_000_000),
            "tx-drop": "0",
            "tx-queue-drop": str(tx_bytes // 2_000_000_000),
            "rx-error": "0",
            "tx-error": "0",
            "fp-rx-byte": str(rx_bytes // 3 if router.role == "firewall" else 0),
            "fp-tx-byte": str(tx_bytes // 3 if router.role == "firewall" else 0),
            "fp-rx-packet": str(rx_bytes // 2460 if router.role == "firewall" else 0),
            "fp-tx-packet": str(tx_bytes // 1830 if router.role == "firewall" else 0),
        }
        if slave:
            row["slave"] = "true"
        row |= {"running": _b(running), "disabled": "false"}
        if comment:
            row["comment"] = comment
        rows.append(row)
    return rows
