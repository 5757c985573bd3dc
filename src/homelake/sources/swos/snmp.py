"""Async SNMP (v1/v2c) reads of one switch with pysnmp: walk table columns, get a scalar, or raise a typed error."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self, SupportsInt, cast

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    bulk_walk_cmd,
    get_cmd,
    walk_cmd,
)
from pysnmp.proto import errind, rfc1902, rfc1905

from homelake.sources.swos.client import SwosError
from homelake.sources.swos.config import SwosSnmp
from homelake.sources.swos.mibs import Oid, SnmpTable

MAX_REPETITIONS = 25
_NO_VALUE = (rfc1905.NoSuchObject, rfc1905.NoSuchInstance, rfc1905.EndOfMibView, rfc1902.Null)
_NO_SUCH_NAME = 2  # SNMPv1's answer past a column the agent does not have


class SwosSnmpError(SwosError):
    """An SNMP request the switch refused or answered with an error."""


class SwosSnmpTimeout(SwosSnmpError):
    """No answer: the switch is down, SNMP is off, or the community is wrong (v1/v2c agents stay silent)."""


def plain(value: object) -> int | bytes | None:
    """A pysnmp value as Python: numbers (counters, gauges, ticks) as int, strings as bytes, no-value as None."""
    if isinstance(value, _NO_VALUE):
        return None
    if isinstance(value, rfc1902.OctetString):
        return bytes(value.asOctets())
    if isinstance(value, rfc1902.ObjectIdentifier):
        return str(value).encode()
    return int(cast("SupportsInt", value))  # Integer32, Counter32/64, Gauge32, TimeTicks


class SnmpReader:
    """One switch's agent. An engine lives for one `async with` (a poll): pysnmp binds it to the running loop."""

    def __init__(self, switch: str, host: str, snmp: SwosSnmp, community: str) -> None:
        self.switch, self.host, self.snmp = switch, host, snmp
        self._auth = CommunityData(community, mpModel=0 if snmp.version == "1" else 1)
        self._engine: Any = None
        self._target: Any = None

    def __repr__(self) -> str:
        return f"SnmpReader({self.switch!r}, {self.host}:{self.snmp.port}, v{self.snmp.version})"

    async def __aenter__(self) -> Self:
        self._engine = SnmpEngine()
        try:
            self._target = await UdpTransportTarget.create(
                (self.host, self.snmp.port), timeout=self.snmp.timeout_s, retries=self.snmp.retries
            )
        except Exception as exc:  # pysnmp wraps an unresolvable host in its own error
            await self.aclose()
            raise SwosSnmpError(self.switch, "snmp", f"bad address {self.host}:{self.snmp.port}: {exc}") from None
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close_dispatcher()
            await asyncio.sleep(0)  # the UDP transport closes its socket on the loop's next turn

    def _failed(self, what: str, indication: object) -> SwosSnmpError:
        if isinstance(indication, errind.RequestTimedOut):
            tries = self.snmp.retries + 1
            return SwosSnmpTimeout(
                self.switch, "snmp", f"{what}: no answer from {self.host}:{self.snmp.port} within "
                f"{self.snmp.timeout_s:g}s ({tries} {'try' if tries == 1 else 'tries'}); check that SNMP "
                f"v{self.snmp.version} is enabled on the switch, the port and the community"
            )  # fmt: skip
        return SwosSnmpError(self.switch, "snmp", f"{what}: {indication}")

    async def get(self, oid: Oid) -> int | bytes | None:
        """One scalar (e.g. sysUpTime.0)."""
        indication, status, _, varbinds = await get_cmd(
            self._engine, self._auth, self._target, ContextData(), ObjectType(ObjectIdentity(oid)), lookupMib=False
        )
        what = ".".join(map(str, oid))
        if indication:
            raise self._failed(what, indication)
        if status:
            if int(status) == _NO_SUCH_NAME:
                return None
            raise SwosSnmpError(self.switch, "snmp", f"{what}: {status.prettyPrint()}")
        return plain(varbinds[0][1])

    async def walk(self, column: Oid) -> list[tuple[Oid, int | bytes | None]]:
        """Every (OID, value) under `column`: GETBULK on v2c, GETNEXT on v1; an absent column is empty."""
        what = ".".join(map(str, column))
        request = ObjectType(ObjectIdentity(column))
        if self.snmp.version == "1":
            answers = walk_cmd(self._engine, self._auth, self._target, ContextData(), request,
                               lexicographicMode=False, lookupMib=False)  # fmt: skip
        else:
            answers = bulk_walk_cmd(self._engine, self._auth, self._target, ContextData(), 0, MAX_REPETITIONS,
                                    request, lexicographicMode=False, lookupMib=False)  # fmt: skip
        found: list[tuple[Oid, int | bytes | None]] = []
        try:
            async for indication, status, _, varbinds in answers:
                if indication:  # a timed-out walk would retry for ever: one failure ends it
                    raise self._failed(what, indication)
                if status:
                    if int(status) == _NO_SUCH_NAME:
                        break
                    raise SwosSnmpError(self.switch, "snmp", f"{what}: {status.prettyPrint()}")
                for name, value in varbinds:
                    oid = tuple(name)
                    if oid[: len(column)] == column and not isinstance(value, _NO_VALUE):
                        found.append((oid, plain(value)))
        finally:
            await answers.aclose()
        return found

    async def table(self, columns: dict[str, Oid]) -> list[tuple[Oid, int | bytes | None]]:
        """Every column of `columns`, one walk each (a failure ends the lot)."""
        found: list[tuple[Oid, int | bytes | None]] = []
        for column in columns.values():
            found += await self.walk(column)
        return found


__all__ = ["SnmpReader", "SnmpTable", "SwosSnmpError", "SwosSnmpTimeout", "plain"]
