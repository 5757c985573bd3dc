"""What the simulated switch answers on each `.b` endpoint at time t, rendered from the site's PoE switch model."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime

from homelake.sim.model.poe_switch import POE_PORTS, PORTS, UPLINK_PORT, VOLTAGE_V, PoeSwitch
from homelake.sources.swos.bformat import BValue, hex_text

POWERED_ON, WAITING_FOR_LOAD = 0x03, 0x02
SPEED_100M, SPEED_1G, SPEED_10G = 0x02, 0x03, 0x07


def _ip_le(address: str) -> int:
    """SwOS sends IPv4 addresses as little-endian integers (192.168.88.1 -> 0x0158a8c0)."""
    return int.from_bytes(ipaddress.IPv4Address(address).packed, "little")


def system(switch: PoeSwitch, t: datetime) -> BValue:
    return {
        "i01": switch.uptime_s(t),
        "i02": _ip_le("192.168.88.5"),
        "i03": switch.mac.replace(":", ""),
        "i04": hex_text("HFG0SIM0001"),
        "i05": hex_text(switch.identity),
        "i06": hex_text(switch.version),
        "i07": hex_text(switch.model),
        "i09": _ip_le("192.168.88.5"),
        "i0a": 0x00,
        "i0b": hex_text("Feb/12/2024 10:00:00"),
        "i12": (1 << PORTS) - 1,
        "i19": 0,
        "i1a": 0,
        "i1b": 1,
    }


def links(switch: PoeSwitch, t: datetime) -> BValue:
    del t  # the links of the simulated switch do not change
    kinds = {p.port: p.kind for p in switch.ports}
    up = [switch.link_up(n) for n in range(1, PORTS + 1)]
    speed: list[BValue] = [
        SPEED_10G if n == UPLINK_PORT else SPEED_100M if kinds.get(n) == "camera" else SPEED_1G if up[n - 1] else 0
        for n in range(1, PORTS + 1)
    ]
    all_ports = (1 << PORTS) - 1
    return {
        "i01": all_ports,
        "i02": all_ports,
        "i03": all_ports,
        "i05": speed,
        "i06": sum(1 << i for i, is_up in enumerate(up) if is_up),
        "i07": all_ports,
        "i08": [0x02 if is_up else 0x07 for is_up in up],
        "i0a": [hex_text(name) for name in switch.port_names()],
        "i12": 0,
        "i16": 0,
    }


def poe(switch: PoeSwitch, t: datetime) -> BValue:
    by_port = {p.port: p for p in switch.ports}
    watts = [switch.power_w(by_port[n], t) if n in by_port else 0.0 for n in range(1, POE_PORTS + 1)]
    return {
        "i01": [0x02] * POE_PORTS,  # auto
        "i02": [0x00] * POE_PORTS,
        "i03": [0x00] * POE_PORTS,
        "i04": [POWERED_ON if w > 0 else WAITING_FOR_LOAD for w in watts],
        "i05": [round(w / VOLTAGE_V * 1000) for w in watts],  # mA
        "i06": [round(VOLTAGE_V * 10) if w > 0 else 0 for w in watts],  # 0.1 V
        "i07": [round(w * 10) for w in watts],  # 0.1 W
        "i0a": 0,
        "i0b": [0] * POE_PORTS,
    }


def hosts(switch: PoeSwitch, t: datetime) -> BValue:
    return [{"i01": mac.replace(":", ""), "i02": port - 1} for mac, port in switch.hosts(t)]


ENDPOINTS: dict[str, Callable[[PoeSwitch, datetime], BValue]] = {
    "/sys.b": system,
    "/link.b": links,
    "/poe.b": poe,
    "/!dhost.b": hosts,
}
