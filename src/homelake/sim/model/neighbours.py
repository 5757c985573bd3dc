"""The LAN's IPv6 neighbours as the firewall sees them (the truth its `/ipv6/neighbor` table shows): every address an
IPv6-speaking device uses, with its MAC; reachable while in use, stale for a while after, then gone."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from homelake.sim.model.flows import (
    RENEW_S,
    SERVICES,
    client_flow_lives,
    slaac_address,
    talks,
    temporary_address,
    temporary_period,
    uses_privacy_addresses,
)
from homelake.sim.model.model import Client
from homelake.sim.model.site import Site

STALE_KEPT_S = 3600  # an address no longer in use stays this long (as stale) before the router forgets it
Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Neighbour:
    """One entry: the address, the device's MAC and whether the address is in use (`reachable`) or was (`stale`)."""

    address: str
    mac: str
    status: str


def speaks_ipv6(client: Client) -> bool:
    """Whether the device talks to an IPv6 service (the others never show in the neighbour table)."""
    return any(":" in SERVICES[talk.service].address for talk in talks(client))


def link_local_address(mac: str) -> str:
    """fe80:: with the EUI-64 interface id (what the SLAAC address has in its lower half)."""
    interface_id = int(ipaddress.IPv6Address(slaac_address(mac))) & (1 << 64) - 1
    return str(ipaddress.IPv6Address(int(ipaddress.IPv6Address("fe80::")) | interface_id))


def _status(spans: Iterable[Span], t: datetime) -> str | None:
    ended = None
    for start, end in spans:
        if start <= t < end:
            return "reachable"
        if end <= t:
            ended = end if ended is None else max(ended, end)
    if ended is not None and (t - ended).total_seconds() <= STALE_KEPT_S:
        return "stale"
    return None


def _address_spans(site: Site, client: Client, t: datetime) -> dict[str, list[Span]]:
    """Per address of the device, when it was in use around t: its stable addresses while online; a temporary
    address while online in its day and while a connection opened from it lasts."""
    sessions = site.online_sessions(client, t - timedelta(seconds=STALE_KEPT_S), t + timedelta(microseconds=1))
    spans: dict[str, list[Span]] = {link_local_address(client.mac): sessions, slaac_address(client.mac): sessions}
    if not uses_privacy_addresses(client):
        return spans
    number, start, end = temporary_period(client.mac, t)
    for period, (p_start, p_end) in ((number - 1, (start - (end - start), start)), (number, (start, end))):
        clipped = [(max(a, p_start), min(b, p_end)) for a, b in sessions if a < p_end and b > p_start]
        spans[temporary_address(client.mac, period)] = clipped
    lookback = t - timedelta(seconds=STALE_KEPT_S + RENEW_S)  # RENEW_S: the longest connection
    for life in client_flow_lives(site, client, lookback, t + timedelta(microseconds=1)):
        if ":" in life.service.address:
            spans.setdefault(life.v6_address, []).append((life.started_at, life.ended_at))
    return spans


def ipv6_neighbours(site: Site, t: datetime) -> list[Neighbour]:
    """The LAN's neighbour entries at t, device by device (the site's order), stable addresses first."""
    rows = []
    for client in site.clients:
        if not speaks_ipv6(client):
            continue
        for address, spans in _address_spans(site, client, t).items():
            status = _status(spans, t)
            if status is not None:
                rows.append(Neighbour(address, client.mac, status))
    return rows
