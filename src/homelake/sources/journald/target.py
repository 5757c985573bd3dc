"""A node's journal gateway as a poll target: follow `/entries` from the durable cursor until the stream is quiet.

Why a poll and not a stream kind: a follow that ends when the gateway has been quiet for `quiet_s` gives the same
latency as a permanent connection at the poll interval, reuses the poller's timeout, retry, backoff and health rows
unchanged, and makes each batch a unit that is written, flushed, and only then acknowledged by saving its cursor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, tzinfo

import httpx
import orjson

from homelake.sources.base import ParseContext, PollOutcome
from homelake.sources.journald.config import JournaldNode
from homelake.sources.journald.cursor import CursorStore
from homelake.sources.journald.fields import cursor_part
from homelake.sources.journald.parser import ENTRIES, EntryFilter, json_objects, parse_entries

log = logging.getLogger(__name__)
HTTP_OK, SERVER_ERROR = 200, 500


class GatewayError(Exception):
    """Following the gateway failed or lost something; `transient` says whether trying again soon may help."""

    def __init__(self, node: str, detail: str, *, transient: bool = True) -> None:
        super().__init__(f"journald {node}: {detail}")
        self.transient = transient


class CursorGone(Exception):
    """The gateway cannot seek to the saved cursor (the journal rotated it away)."""


class JournaldTarget:
    source = "journald"

    def __init__(  # noqa: PLR0913  # keyword-only knobs from the family's config
        self,
        node: JournaldNode,
        keep: EntryFilter,
        store: CursorStore,
        *,
        local_tz: tzinfo,
        interval_s: float,
        timeout_s: float,
        quiet_s: float = 2.0,
        max_entries: int = 20_000,
        collector: str = "homelake",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.node, self.keep, self.store, self.local_tz, self.collector = node, keep, store, local_tz, collector
        self.name = node.name
        self.interval_s, self.timeout_s = interval_s, timeout_s
        self.quiet_s, self.max_entries = quiet_s, max_entries
        self.budget_s = timeout_s * 4  # the poller gives a poll 6 timeouts; leave room to write
        verify = str(node.verify_tls) if not isinstance(node.verify_tls, bool) else node.verify_tls
        self._http = httpx.AsyncClient(base_url=node.url, timeout=timeout_s, transport=transport, verify=verify)

    async def _lines(self, cursor: str | None) -> AsyncIterator[bytes]:
        """Raw lines of one follow, from the entry after `cursor` (the oldest kept entry without one)."""
        headers = {"Accept": "application/json"}
        if cursor:
            # from the cursor's own entry, not the one after: when the entry is gone (rotated away), the real
            # gatewayd lands on the oldest entry left, and a skip of 1 would lose that one too
            headers["Range"] = f"entries={cursor}:0:"
        async with self._http.stream("GET", "/entries?follow", headers=headers) as response:
            if response.status_code != HTTP_OK:
                body = (await response.aread())[:200].decode(errors="replace").strip()
                if cursor and "seek" in body.lower():
                    raise CursorGone(body)
                status = response.status_code
                raise GatewayError(self.name, f"HTTP {status}: {body}", transient=status >= SERVER_ERROR)
            if response.headers.get("content-type", "").startswith("text/html"):
                detail = "answered HTML, not journal entries: is the URL the gateway (port 19531) and not a proxy page?"
                raise GatewayError(self.name, detail, transient=False)
            lines = response.aiter_lines()
            started = time.monotonic()
            count = 0
            while count < self.max_entries and time.monotonic() - started < self.budget_s:
                try:
                    line = await asyncio.wait_for(anext(lines), timeout=self.quiet_s)
                except (TimeoutError, StopAsyncIteration):
                    return  # quiet, or the gateway ended the stream: this batch is complete
                count += 1
                yield line.encode()

    async def _follow(self, cursor: str | None, chunks: list[bytes]) -> None:
        async for line in self._lines(cursor):
            chunks.append(line)

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(self.name)
        cursor = self.store.load()
        chunks: list[bytes] = []
        try:
            await self._follow(cursor, chunks)
        except CursorGone as gone:
            outcome.errors.append(GatewayError(self.name, f"saved cursor not in the journal ({gone}); "
                                               "resumed from the oldest entry: entries between are lost"))  # fmt: skip
            cursor = None
            await self._follow_rest(None, chunks, outcome)
        except GatewayError as exc:
            outcome.errors.append(exc)
        except (httpx.TransportError, httpx.StreamError) as exc:
            outcome.errors.append(GatewayError(self.name, f"follow ended: {exc.__class__.__name__}: {exc}"))
        self._finish(b"\n".join(chunks), cursor, outcome)
        return outcome

    async def _follow_rest(self, cursor: str | None, chunks: list[bytes], outcome: PollOutcome) -> None:
        try:
            await self._follow(cursor, chunks)
        except GatewayError as exc:
            outcome.errors.append(exc)
        except (httpx.TransportError, httpx.StreamError, CursorGone) as exc:
            outcome.errors.append(GatewayError(self.name, f"follow ended: {exc.__class__.__name__}: {exc}"))

    def _finish(self, raw: bytes, cursor: str | None, outcome: PollOutcome) -> None:
        now = datetime.now(UTC)
        ctx = ParseContext("journald", self.name, self.collector, now, now, self.local_tz)
        result, last = parse_entries(raw, ctx, self.keep)
        # the follow starts at the saved cursor's own entry, which is already in the lake
        result.rows = [row for row in result.rows if row["cursor"] != cursor]
        outcome.results.append(result)
        first = _first_cursor(raw)
        if cursor and first is not None and first != cursor:
            outcome.errors.append(GatewayError(self.name, _gap_message(cursor, first)))
        if last is not None:
            outcome.on_durable.append(lambda: self.store.save(last))
        if result.rejects:
            log.warning("journald node=%s rejected=%d lines (dead-lettered)", self.name, len(result.rejects))

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, GatewayError) and exc.transient

    async def aclose(self) -> None:
        await self._http.aclose()


def _first_cursor(raw: bytes) -> str | None:
    for line in json_objects(raw):
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("__CURSOR"), str):
            return str(entry["__CURSOR"])
    return None


def _cursor_time(cursor: str) -> str:
    """The UTC time a cursor's `t=` (realtime µs, hex) names, or '?' when it has none."""
    try:
        return datetime.fromtimestamp(int(cursor_part(cursor, "t") or "", 16) / 1e6, UTC).isoformat(timespec="seconds")
    except ValueError:
        return "?"


def _gap_message(saved: str, first: str) -> str:
    """The gap when the saved entry is gone: the times either side and, within one seqnum series, how many."""
    lost = ""
    if cursor_part(saved, "s") == cursor_part(first, "s"):
        try:
            count = int(cursor_part(first, "i") or "", 16) - int(cursor_part(saved, "i") or "", 16) - 1
            lost = f"{count} " if count >= 0 else ""
        except ValueError:
            pass
    return (
        f"journal rotated: the saved entry (written {_cursor_time(saved)}) is gone; resumed at the oldest entry "
        f"left (written {_cursor_time(first)}): {lost}entries between are lost"
    )


__all__ = ["ENTRIES", "CursorGone", "GatewayError", "JournaldTarget"]
