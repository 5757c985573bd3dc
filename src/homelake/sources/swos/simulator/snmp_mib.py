"""What the simulated switch's SNMP agent holds at time t: SNMPv2-MIB system, IF-MIB and BRIDGE-MIB, from the model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pysnmp.proto import rfc1902

from homelake.sim.model.poe_switch import PORTS, UPLINK_PORT, PoeSwitch
from homelake.sim.model.switch_traffic import SwitchTraffic
from homelake.sources.swos.mibs import FDB_COLUMNS, IF_COLUMNS, SYS_NAME, SYS_UPTIME, Oid

SYS_DESCR: Oid = (1, 3, 6, 1, 2, 1, 1, 1, 0)
IF_NUMBER: Oid = (1, 3, 6, 1, 2, 1, 2, 1, 0)
IF_INDEX: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 1)
IF_TYPE: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 3)
ETHERNET_CSMACD, UP, DOWN, LEARNED = 6, 1, 2, 3
WRAP32, GAUGE_MAX = 2**32, 2**32 - 1


def speed_mbps(switch: PoeSwitch, port: int) -> int:
    """What each port negotiates: the uplink SFP+ at 10G, cameras at 100M, access points at 1G; 0 without link."""
    if port == UPLINK_PORT:
        return 10_000
    kind = next((p.kind for p in switch.ports if p.port == port), None)
    return 0 if kind is None else 100 if kind == "camera" else 1000


class SwitchMib:
    """The agent's variables at t, sorted by OID. Without `hc_counters` the 64-bit ifHC*Octets are left out, as
    on an agent with only the 32-bit counters (they wrap every few hours at a camera's bit rate)."""

    def __init__(self, switch: PoeSwitch, *, hc_counters: bool = False) -> None:
        self.switch, self.hc_counters = switch, hc_counters
        self.traffic = SwitchTraffic(switch)
        self._fdb: tuple[int, list[tuple[Oid, Any]]] | None = None

    def interfaces(self, t: datetime) -> list[tuple[Oid, Any]]:
        """ifTable and ifXTable: one row per port, ifIndex = port number (as SwOS numbers them)."""
        c = IF_COLUMNS
        names = self.switch.port_names()
        rows: list[tuple[Oid, Any]] = []
        for port in range(1, PORTS + 1):
            mbps, traffic = speed_mbps(self.switch, port), self.traffic
            octets = {"in": traffic.octets(port, "in", t), "out": traffic.octets(port, "out", t)}
            rows += [
                ((*IF_INDEX, port), rfc1902.Integer32(port)),
                ((*c["if_descr"], port), rfc1902.OctetString(f"Port{port}")),
                ((*IF_TYPE, port), rfc1902.Integer32(ETHERNET_CSMACD)),
                ((*c["if_speed"], port), rfc1902.Gauge32(min(mbps * 1_000_000, GAUGE_MAX))),
                ((*c["if_oper_status"], port), rfc1902.Integer32(UP if self.switch.link_up(port) else DOWN)),
                ((*c["in_octets"], port), rfc1902.Counter32(octets["in"] % WRAP32)),
                ((*c["out_octets"], port), rfc1902.Counter32(octets["out"] % WRAP32)),
                ((*c["if_name"], port), rfc1902.OctetString(names[port - 1])),
                ((*c["if_high_speed"], port), rfc1902.Gauge32(mbps)),
            ]
            rows += [((*c[kind], port), rfc1902.Counter32(traffic.errors(port, kind, t) % WRAP32))
                     for kind in ("in_errors", "out_errors", "in_discards")]  # fmt: skip
            if self.hc_counters:
                rows += [((*c["hc_in_octets"], port), rfc1902.Counter64(octets["in"])),
                         ((*c["hc_out_octets"], port), rfc1902.Counter64(octets["out"]))]  # fmt: skip
        return rows

    def forwarding(self, t: datetime) -> list[tuple[Oid, Any]]:
        """dot1dBasePortIfIndex and dot1dTpFdbTable from the host table (kept a minute: the site model is costly)."""
        minute = int(t.timestamp()) // 60
        if self._fdb is None or self._fdb[0] != minute:
            c = FDB_COLUMNS
            rows: list[tuple[Oid, Any]] = [((*c["base_port_if_index"], p), rfc1902.Integer32(p))
                                           for p in range(1, PORTS + 1)]  # fmt: skip
            for mac, port in self.switch.hosts(t):
                index = tuple(int(octet, 16) for octet in mac.split(":"))
                rows += [((*c["fdb_port"], *index), rfc1902.Integer32(port)),
                         ((*c["fdb_status"], *index), rfc1902.Integer32(LEARNED))]  # fmt: skip
            self._fdb = (minute, rows)
        return self._fdb[1]

    def at(self, t: datetime) -> list[tuple[Oid, Any]]:
        """Every variable at t, in OID order (the order GETNEXT walks)."""
        system = [
            (SYS_DESCR, rfc1902.OctetString(f"MikroTik {self.switch.model} SwOS Lite {self.switch.version}")),
            (SYS_UPTIME, rfc1902.TimeTicks(self.switch.uptime_s(t) * 100 % WRAP32)),
            (SYS_NAME, rfc1902.OctetString(self.switch.identity)),
            (IF_NUMBER, rfc1902.Integer32(PORTS)),
        ]
        return sorted(system + self.interfaces(t) + self.forwarding(t))
