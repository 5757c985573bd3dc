"""Simulated MikroTik routers: pure REST rendering from the site model and a real HTTP(S) server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from homelake.sim.model.model import Router
from homelake.sim.model.site import Site
from homelake.sim.servers.faults import GENERIC_FAULTS
from homelake.sim.servers.httpsim import Reply, SimHTTPServer
from homelake.sources.mikrotik.simulator.payloads import (
    format_duration,
    identity,
    interfaces,
    leases,
    registrations,
    resource,
)

__all__ = ["RouterSimServer", "SimRestError", "apply_query", "format_duration", "render", "router_paths"]

LEASES, WIFI, INTERFACES = "/ip/dhcp-server/lease", "/interface/wifi/registration-table", "/interface"
RESOURCE, IDENTITY = "/system/resource", "/system/identity"
SINGLETONS = frozenset({RESOURCE, IDENTITY})
COMMON_DIRS = frozenset({"/ip", "/interface", "/system"})
VERBS = frozenset({"print", "add", "set", "remove", "export", "getall", "monitor", "enable", "disable"})
Builder = Callable[[Site, Router, datetime], Any]


class SimRestError(Exception):
    """A RouterOS error reply: `status` and the JSON `body` the router would send."""

    def __init__(self, status: int, message: str, detail: str | None = None) -> None:
        super().__init__(f"{status} {message}" + (f": {detail}" if detail else ""))
        self.status = status
        self.body: dict[str, Any] = ({"detail": detail} if detail else {}) | {
            "error": status,
            "message": message,
        }


def menus(router: Router) -> dict[str, Builder]:
    """The REST menus this router has, in a stable order."""
    found: dict[str, Builder] = {}
    if router.dhcp_server:
        found[LEASES] = leases
    if router.has_wifi:
        found[WIFI] = registrations
    found |= {INTERFACES: interfaces, RESOURCE: resource, IDENTITY: identity}
    return found


def router_paths(site: Site, router_name: str) -> list[str]:
    """The REST paths `render` answers for this router (the others give 400)."""
    return list(menus(site.router(router_name)))


def _unknown(path: str, known: Iterable[str]) -> SimRestError:
    prefixes = set(COMMON_DIRS)
    for menu in known:
        parts = menu.split("/")
        prefixes |= {"/".join(parts[:i]) for i in range(2, len(parts) + 1)}
    walked = ""
    for segment in path.strip("/").split("/"):
        walked += "/" + segment
        if walked not in prefixes:
            return SimRestError(400, "Bad Request", f"no such command or directory ({segment})")
    return SimRestError(400, "Bad Request", "no such command")


def render(site: Site, router_name: str, path: str, t: datetime) -> object:
    """What GET `/rest<path>` answers on `router_name` at time t. Raises SimRestError (400 for a menu
    the router lacks, 404 for an unknown id) with the body RouterOS would send."""
    router = site.router(router_name)
    path = "/" + path.strip("/")
    if path == "/rest" or path.startswith("/rest/"):
        path = path[len("/rest") :] or "/"
    found = menus(router)
    if path in found:
        return found[path](site, router, t)
    parent, _, leaf = path.rpartition("/")
    if parent in found and parent not in SINGLETONS:
        if leaf in VERBS:
            raise SimRestError(400, "Bad Request", "no such command")
        for item in found[parent](site, router, t):
            if leaf in (item.get(".id"), item.get("name")):  # by .id, or by name like /interface/ether1
                return item
        raise SimRestError(404, "Not Found")
    raise _unknown(path, found)


def apply_query(payload: object, query: Iterable[tuple[str, str]]) -> object:
    """`?field=value` equality filters (arrays only) and `?.proplist=a,b` (`.id` is always kept)."""
    proplist: set[str] | None = None
    filters: list[tuple[str, str]] = []
    for key, value in query:
        if key == ".proplist":
            proplist = {name for name in value.split(",") if name}
        else:
            filters.append((key, value))

    def keep(item: dict[str, Any]) -> dict[str, Any]:
        if proplist is None:
            return item
        return {k: v for k, v in item.items() if k == ".id" or k in proplist}

    if isinstance(payload, list):
        return [keep(i) for i in payload if all(i.get(k, "") == v for k, v in filters)]
    return keep(payload) if isinstance(payload, dict) else payload


def _print_query(body: bytes) -> list[tuple[str, str]]:
    """The body of `POST <menu>/print`: `.proplist` (list or "a,b") and `.query` ["field=value", ...]."""
    spec = json.loads(body or b"{}")
    if not isinstance(spec, dict):
        raise ValueError("expected a JSON object")
    query: list[tuple[str, str]] = []
    proplist = spec.get(".proplist")
    if proplist is not None:
        query.append((".proplist", ",".join(proplist) if isinstance(proplist, list) else str(proplist)))
    for word in spec.get(".query", []):
        key, sep, value = str(word).partition("=")
        if not sep or key.startswith(("#", "?")):
            raise ValueError(f"the simulator supports only field=value queries, not {word!r}")
        query.append((key, value))
    return query


class RouterSimServer(SimHTTPServer):
    """One simulated router answering `/rest/...` over HTTP(S) on loopback, with injectable faults.

    Faults (Python: `server.faults.inject(kind, count, path)`; HTTP: `POST /_sim/faults`): timeout,
    unauthorized, server_error, malformed_json, truncated, empty_leases.
    """

    realm = "RouterOS"
    fault_kinds = GENERIC_FAULTS | {"empty_leases": LEASES}

    def __init__(  # noqa: PLR0913 - the simulated router and its knobs
        self,
        site: Site,
        router_name: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        tls: bool = False,
        clock: Callable[[], datetime] | None = None,
        fault_delay_s: float = 5.0,
    ) -> None:
        site.router(router_name)  # fail early on a typo
        super().__init__(host=host, port=port, username=username, password=password, tls=tls, clock=clock,
                         fault_delay_s=fault_delay_s)  # fmt: skip
        self.site, self.router_name = site, router_name

    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, fault: str | None) -> Reply:
        try:
            if method == "POST" and path.rstrip("/").endswith("/print"):
                path = path.rstrip("/")[: -len("/print")]
                try:
                    query = query + _print_query(body)
                except ValueError as exc:
                    raise SimRestError(400, "Bad Request", str(exc)) from None
            elif method != "GET":
                raise SimRestError(400, "Bad Request", "the simulator is read-only")
            payload = render(self.site, self.router_name, path, self.clock())
        except SimRestError as exc:
            return exc.status, exc.body
        if fault == "empty_leases" and path.rstrip("/") == LEASES:
            payload = []
        return 200, apply_query(payload, query)
