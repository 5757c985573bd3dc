"""One poll of one router: fetch each menu, parse it, and collect rows, dead letters and errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError, PollOutcome
from homelake.sources.mikrotik import edge_collector, parser
from homelake.sources.mikrotik.client import MikrotikClient, RestResponse
from homelake.sources.mikrotik.errors import (
    MikrotikAuthError,
    MikrotikBadPayload,
    MikrotikConnectError,
    MikrotikError,
    MikrotikNotAvailable,
    MikrotikTimeout,
)
from homelake.sources.mikrotik.geoip import GeoIP

LEASES_PATH = "/ip/dhcp-server/lease"
INTERFACES_PATH = "/interface"
RESOURCE_PATH = "/system/resource"
IDENTITY_PATH = "/system/identity"
# Newest package first; the first menu that exists on a router is remembered for it.
WIFI_PATHS: dict[str, str] = {
    "wifi": "/interface/wifi/registration-table",
    "wifiwave2": "/interface/wifiwave2/registration-table",
    "wireless": "/interface/wireless/registration-table",
    "capsman": "/caps-man/registration-table",
}
# After one of these the router is unreachable or refuses us: asking the other menus would only repeat it.
_STOPS_POLL = (MikrotikAuthError, MikrotikConnectError, MikrotikTimeout)


class _StopPoll(Exception):
    """Internal: a fatal error was recorded; skip the router's remaining endpoints."""


class _Poll:
    def __init__(self, client: MikrotikClient, make_ctx: Callable[[], ParseContext]) -> None:
        self.client = client
        self.make_ctx = make_ctx
        self.outcome = PollOutcome(target=client.router.name)

    async def get(self, path: str, dataset: str) -> RestResponse | None:
        """The response, or None after recording a non-fatal failure. MikrotikNotAvailable propagates."""
        try:
            return await self.client.get(path)
        except MikrotikNotAvailable:
            raise
        except MikrotikBadPayload as exc:
            self.outcome.dead_letters.append((dataset, str(exc), exc.raw))
            self.outcome.errors.append(exc)  # the poll is not healthy, even though the bytes are kept
        except _STOPS_POLL as exc:
            self.outcome.errors.append(exc)
            raise _StopPoll from None
        except MikrotikError as exc:
            self.outcome.errors.append(exc)
        return None

    def parse(self, dataset: str, raw: bytes, parse: Callable[[ParseContext], ParseResult]) -> None:
        try:
            self.outcome.results.append(parse(self.make_ctx()))
        except PayloadError as exc:
            self.outcome.dead_letters.append((dataset, str(exc), raw))

    async def menu(self, path: str, dataset: str, parse: Callable[[Any, ParseContext], ParseResult]) -> None:
        try:
            response = await self.get(path, dataset)
        except MikrotikNotAvailable:
            return  # e.g. an AP without a DHCP server
        if response is not None:
            data = response.data
            self.parse(dataset, response.raw, lambda ctx: parse(data, ctx))

    async def wifi(self, cache: dict[str, str | None]) -> None:
        name = self.outcome.target
        if name in cache and cache[name] is None:
            return
        cached = cache.get(name)
        order = [cached] if cached else []
        order += [menu for menu in WIFI_PATHS if menu != cached]
        for menu in order:
            try:
                response = await self.get(WIFI_PATHS[menu], parser.WIFI_CLIENTS)
            except MikrotikNotAvailable:
                continue  # no such package on this router: try the next menu
            cache[name] = menu
            if response is not None:
                parse = partial(parser.parse_wifi, response.data, menu=menu)
                self.parse(parser.WIFI_CLIENTS, response.raw, parse)
            return
        cache[name] = None

    async def system(self) -> None:
        try:
            resource = await self.get(RESOURCE_PATH, parser.SYSTEM)
        except MikrotikNotAvailable as exc:
            self.outcome.errors.append(exc)  # every RouterOS has this menu: worth reporting
            return
        if resource is None:
            return
        try:
            identity = await self.get(IDENTITY_PATH, parser.SYSTEM)
        except MikrotikNotAvailable:
            identity = None
        resource_data, identity_data = resource.data, (identity.data if identity is not None else None)
        self.parse(parser.SYSTEM, resource.raw, lambda ctx: parser.parse_system(resource_data, ctx, identity_data))


async def poll_router(
    client: MikrotikClient,
    make_ctx: Callable[[], ParseContext],
    wifi_menu_cache: dict[str, str | None],
    *,
    geoip: GeoIP | None = None,
) -> PollOutcome:
    """Poll leases, wifi clients, interfaces and system of one router; never raises a MikrotikError.

    `make_ctx` is called after each fetch so `observed_at` is the time of that payload. The wifi menu that
    works is remembered in `wifi_menu_cache[router name]` (None: the router has no wifi menu).
    """
    poll = _Poll(client, make_ctx)
    try:
        await poll.menu(LEASES_PATH, parser.DHCP_LEASES, parser.parse_leases)
        await poll.wifi(wifi_menu_cache)
        await poll.menu(INTERFACES_PATH, parser.INTERFACES, parser.parse_interfaces)
        await poll.system()
        await edge_collector.tables(client, make_ctx, poll.outcome, geoip)
        await edge_collector.probe(client, make_ctx, poll.outcome)
    except _StopPoll:
        pass
    return poll.outcome
