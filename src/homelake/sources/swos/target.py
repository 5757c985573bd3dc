"""A switch as a poll target: each `.b` endpoint fetched, read and parsed; failures become errors, not crashes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from homelake.sources.base import FamilyContext, ParseContext, ParseResult, PayloadError, PollOutcome
from homelake.sources.swos import bformat, parser
from homelake.sources.swos.client import SwosAuthError, SwosClient, SwosError, SwosHTTPError, SwosUnreachable
from homelake.sources.swos.config import SwosSnmp, SwosSwitch
from homelake.sources.swos.mibs import FDB_COLUMNS, IF_COLUMNS, SYS_UPTIME, tabulate
from homelake.sources.swos.snmp import SnmpReader, SwosSnmpError, SwosSnmpTimeout
from homelake.sources.swos.snmp_parser import parse_fdb, parse_if_counters

SERVER_ERROR = 500
# endpoint -> (dataset, parser); the host table is `!dhost.b` on SwOS Lite.
ENDPOINTS: dict[str, tuple[str, Callable[[object, ParseContext], ParseResult]]] = {
    "sys.b": (parser.SYSTEM, parser.parse_system),
    "link.b": (parser.LINKS, parser.parse_links),
    "poe.b": (parser.POE, parser.parse_poe),
    "!dhost.b": (parser.HOSTS, parser.parse_hosts),
}


class SwosTarget:
    source = "swos"

    def __init__(  # noqa: PLR0913 - the switch, its secrets and its timing, all but two keyword-only
        self,
        switch: SwosSwitch,
        password: str | None,
        *,
        interval_s: float,
        timeout_s: float,
        family: FamilyContext,
        community: str | None = None,
    ) -> None:
        self.name, self.interval_s, self.timeout_s = switch.name, interval_s, timeout_s
        self.local_tz, self.collector = family.local_tz, family.collector
        self._client = SwosClient(switch, password, timeout_s=timeout_s)
        self._snmp: tuple[SwosSnmp, str, str] | None = None
        if switch.snmp is not None:
            host = switch.snmp.host or urlsplit(switch.url).hostname or ""
            self._snmp = (switch.snmp, host, community or "")

    def _ctx(self) -> ParseContext:
        now = datetime.now(UTC)
        return ParseContext("swos", self.name, self.collector, now, now, self.local_tz)

    async def poll(self) -> PollOutcome:
        """Every endpoint once; an unreadable answer is dead-lettered, an unreachable switch ends the poll."""
        outcome = PollOutcome(target=self.name)
        for endpoint, (dataset, parse) in ENDPOINTS.items():
            try:
                raw = await self._client.get(endpoint)
            except (SwosAuthError, SwosUnreachable) as exc:
                outcome.errors.append(exc)
                break  # the other endpoints would only repeat it
            except SwosError as exc:
                outcome.errors.append(exc)
                if exc.raw:
                    outcome.dead_letters.append((dataset, str(exc), exc.raw))
                continue
            try:
                outcome.results.append(parse(bformat.loads(raw), self._ctx()))
            except PayloadError as exc:
                outcome.dead_letters.append((dataset, f"{endpoint}: {exc}", raw))
                outcome.errors.append(exc)
        if self._snmp is not None:
            await self._poll_snmp(outcome, *self._snmp)
        return outcome

    async def _poll_snmp(self, outcome: PollOutcome, snmp: SwosSnmp, host: str, community: str) -> None:
        """The ports' counters, then the forwarding table; a timeout or an error is the poll's error, not a crash."""
        try:
            async with SnmpReader(self.name, host, snmp, community) as reader:
                uptime = await reader.get(SYS_UPTIME)
                ctx = self._ctx()
                interfaces = tabulate(await reader.table(IF_COLUMNS), IF_COLUMNS)
                outcome.results.append(parse_if_counters(interfaces, uptime if isinstance(uptime, int) else None, ctx))
                outcome.results.append(parse_fdb(tabulate(await reader.table(FDB_COLUMNS), FDB_COLUMNS), ctx))
        except SwosSnmpError as exc:
            outcome.errors.append(exc)

    def is_transient(self, exc: Exception) -> bool:
        if isinstance(exc, SwosHTTPError):
            return exc.status >= SERVER_ERROR
        return isinstance(exc, SwosUnreachable | SwosSnmpTimeout)

    async def aclose(self) -> None:
        await self._client.aclose()
