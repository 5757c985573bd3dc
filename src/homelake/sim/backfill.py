"""Lays down history: simulated payloads of past days through the same parsers and writer as live polls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from homelake.lake.schemas import get
from homelake.lake.writer import BufferedLakeWriter
from homelake.sim.history import iter_router_payloads
from homelake.sim.site import Site
from homelake.sources.base import ParseContext, ParseResult
from homelake.sources.mikrotik import parser as mikrotik

COLLECTOR = "backfill"

WIFI_MENUS = {
    "/interface/wifi/registration-table": "wifi",
    "/interface/wifiwave2/registration-table": "wifiwave2",
    "/interface/wireless/registration-table": "wireless",
    "/caps-man/registration-table": "capsman",
}


def _is_error(payload: Any) -> bool:
    """A RouterOS error body (the simulated router lacks that menu): nothing to store."""
    return isinstance(payload, dict) and isinstance(payload.get("error"), int)


def parse_router_payloads(
    items: Iterator[tuple[datetime, str, str, Any]], local_tz: Any
) -> Iterator[tuple[str, ParseResult]]:
    """Turn (time, router, path, payload) into (router, parse result), pairing resource with identity."""
    identities: dict[tuple[datetime, str], Any] = {}
    resources: dict[tuple[datetime, str], Any] = {}
    for t, router, path, payload in items:
        if _is_error(payload):
            continue
        ctx = ParseContext(
            family="mikrotik",
            device_id=router,
            collector=COLLECTOR,
            observed_at=t,
            received_at=t,
            local_tz=local_tz,
        )
        if path == "/ip/dhcp-server/lease":
            yield router, mikrotik.parse_leases(payload, ctx)
        elif path in WIFI_MENUS:
            yield router, mikrotik.parse_wifi(payload, ctx, WIFI_MENUS[path])
        elif path == "/interface":
            yield router, mikrotik.parse_interfaces(payload, ctx)
        elif path in ("/system/resource", "/system/identity"):
            (resources if path == "/system/resource" else identities)[(t, router)] = payload
            key = (t, router)
            if key in resources and key in identities:
                yield router, mikrotik.parse_system(resources.pop(key), ctx, identities.pop(key))


def store_results(writer: BufferedLakeWriter, results: list[ParseResult], family: str, device: str) -> int:
    """Buffer the rows of each result and dead-letter its rejects verbatim; returns rows added."""
    rows = 0
    for result in results:
        if result.rows:
            writer.add(get(result.dataset), result.rows)
            rows += len(result.rows)
        for reject in result.rejects:
            writer.writer.dead_letter(
                family=family,
                dataset=result.dataset,
                reason=reject.reason,
                payload=reject.payload,
                device_id=device,
                collector=COLLECTOR,
            )
    return rows


def backfill(
    site: Site,
    writer: BufferedLakeWriter,
    *,
    start: datetime,
    end: datetime,
    step: timedelta = timedelta(minutes=5),
    progress: Callable[[float], None] | None = None,
) -> int:
    """Write simulated history for [start, end) through the real parsers; returns rows written."""
    tz = ZoneInfo(site.timezone) if isinstance(getattr(site, "timezone", None), str) else UTC
    total_s = max(1.0, (end - start).total_seconds())
    rows = 0
    last_t = start
    for router, result in parse_router_payloads(iter_router_payloads(site, start, end, step), tz):
        if result.rows:
            last_t = result.rows[0]["observed_at"]
        rows += store_results(writer, [result], "mikrotik", router)
        if progress is not None:
            progress(min(1.0, (last_t - start).total_seconds() / total_s))
    writer.flush()
    if progress is not None:
        progress(1.0)
    return rows
