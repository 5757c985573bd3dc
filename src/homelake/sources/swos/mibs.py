"""The IF-MIB and BRIDGE-MIB columns homelake reads from a switch over SNMP, and a walk's answers as tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Oid = tuple[int, ...]
SnmpTable = dict[str, dict[Oid, Any]]  # column name -> row index (the OID's suffix) -> plain Python value

_IF = (1, 3, 6, 1, 2, 1, 2, 2, 1)  # IF-MIB::ifEntry (RFC 2863)
_IFX = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)  # IF-MIB::ifXEntry
_BRIDGE = (1, 3, 6, 1, 2, 1, 17)  # BRIDGE-MIB (RFC 4188)

SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)  # SNMPv2-MIB::sysUpTime.0, hundredths of a second since restart
SYS_NAME: Oid = (1, 3, 6, 1, 2, 1, 1, 5, 0)

# name -> column OID; the row index of every interface column is the ifIndex
IF_COLUMNS: dict[str, Oid] = {
    "if_descr": (*_IF, 2),
    "if_speed": (*_IF, 5),  # bit/s, a Gauge32 (stuck at 4294967295 above 4 Gbit/s: ifHighSpeed says more)
    "if_oper_status": (*_IF, 8),  # 1 up, 2 down, ...
    "in_octets": (*_IF, 10),  # Counter32
    "in_discards": (*_IF, 13),
    "in_errors": (*_IF, 14),
    "out_octets": (*_IF, 16),  # Counter32
    "out_errors": (*_IF, 20),
    "if_name": (*_IFX, 1),
    "hc_in_octets": (*_IFX, 6),  # Counter64: SNMPv2c only
    "hc_out_octets": (*_IFX, 10),
    "if_high_speed": (*_IFX, 15),  # Mbit/s
}
# the forwarding table is indexed by the MAC's six octets; a bridge port maps to an ifIndex
FDB_COLUMNS: dict[str, Oid] = {
    "base_port_if_index": (*_BRIDGE, 1, 4, 1, 2),  # dot1dBasePortIfIndex, indexed by bridge port
    "fdb_port": (*_BRIDGE, 4, 3, 1, 2),  # dot1dTpFdbPort
    "fdb_status": (*_BRIDGE, 4, 3, 1, 3),  # dot1dTpFdbStatus: 1 other, 2 invalid, 3 learned, 4 self, 5 mgmt
}


def tabulate(varbinds: Iterable[tuple[Oid, Any]], columns: dict[str, Oid]) -> SnmpTable:
    """Walked (OID, value) pairs -> {column: {index: value}}; OIDs outside the columns are left out."""
    table: SnmpTable = {name: {} for name in columns}
    by_prefix = {oid: name for name, oid in columns.items()}
    for oid, value in varbinds:
        for length in {len(prefix) for prefix in by_prefix}:
            name = by_prefix.get(oid[:length])
            if name is not None and len(oid) > length:
                table[name][oid[length:]] = value
                break
    return table
