"""The site's internet uplink (the truth): outages by cause, the public address, and what probes would measure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from homelake.sim.model.noise import chance, uniform
from homelake.sim.model.site import Site

Cause = Literal["link_down", "gateway_unreachable", "upstream_unreachable"]
GATEWAY, ISP_DNS, RESOLVER = "203.0.113.1", "203.0.113.53", "198.51.100.53"
PROBE_TARGETS = (GATEWAY, RESOLVER, ISP_DNS)
PUBLIC_IPS = ("203.0.113.2", "203.0.113.57")  # the ISP hands out a new address after the link comes back
_RTT_MS = {GATEWAY: (1.8, 3.5), ISP_DNS: (5.5, 9.0), RESOLVER: (10.5, 16.0)}
LOSS = 0.01  # a probe packet lost now and then outside outages


@dataclass(frozen=True)
class Outage:
    """The internet was unreachable from `start` to `end` because of `cause`."""

    start: datetime
    end: datetime
    cause: Cause


class Uplink:
    """The uplink of `site`'s firewall: one upstream outage, one link-down, and a flapping gateway, all in the first
    day and a half after the site's start (the demo's history window starts there)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        s = site.start
        flaps = ((0, 6), (14, 7), (27, 9), (45, 6))  # (minutes after the first drop, minutes down)
        flap_start = s + timedelta(hours=26, minutes=10)
        self.outages: tuple[Outage, ...] = (
            Outage(s + timedelta(hours=5, minutes=13), s + timedelta(hours=6), "upstream_unreachable"),
            Outage(s + timedelta(hours=14, minutes=8), s + timedelta(hours=14, minutes=31), "link_down"),
            *(
                Outage(flap_start + timedelta(minutes=at), flap_start + timedelta(minutes=at + length),
                       "gateway_unreachable")
                for at, length in flaps
            ),
        )  # fmt: skip

    def outage_at(self, t: datetime) -> Outage | None:
        return next((o for o in self.outages if o.start <= t < o.end), None)

    def link_up(self, t: datetime) -> bool:
        outage = self.outage_at(t)
        return outage is None or outage.cause != "link_down"

    def link_downs(self, t: datetime) -> int:
        """How often the WAN link went down since the firewall booted (RouterOS's `link-downs`)."""
        boot = self.site.router_boot_at("fw", t)
        return sum(1 for o in self.outages if o.cause == "link_down" and boot <= o.start <= t)

    def last_link_change(self, t: datetime) -> tuple[datetime | None, datetime | None]:
        """(last link-down, last link-up) at or before t."""
        downs = [o for o in self.outages if o.cause == "link_down" and o.start <= t]
        if not downs:
            return None, None
        last = downs[-1]
        return last.start, last.end if last.end <= t else None

    def public_ip(self, t: datetime) -> str | None:
        """The WAN address the ISP's DHCP gave; none while the link is down."""
        if not self.link_up(t):
            return None
        reconnected = any(o.cause == "link_down" and o.end <= t for o in self.outages)
        return PUBLIC_IPS[1] if reconnected else PUBLIC_IPS[0]

    def reachable(self, target: str, t: datetime) -> bool:
        outage = self.outage_at(t)
        if outage is None:
            return True
        return target == GATEWAY and outage.cause == "upstream_unreachable"

    def unreachable_spans(self, target: str) -> tuple[tuple[datetime, datetime], ...]:
        """The [start, end) spans during which `target` does not answer (what a Netwatch entry on it sees down)."""
        spans: list[tuple[datetime, datetime]] = []
        for outage in self.outages:
            if self.reachable(target, outage.start):
                continue
            if spans and spans[-1][1] >= outage.start:  # back-to-back outages are one down period
                spans[-1] = (spans[-1][0], max(spans[-1][1], outage.end))
            else:
                spans.append((outage.start, outage.end))
        return tuple(spans)

    def rtt_ms(self, target: str, t: datetime, seq: int) -> float | None:
        """The round trip of echo `seq` of a probe sent at t; None when it is lost."""
        second = int(t.timestamp())
        if not self.reachable(target, t) or chance(LOSS, self.site.seed, "ping", target, second, seq):
            return None
        low, high = _RTT_MS.get(target, (20.0, 40.0))
        return round(uniform(low, high, self.site.seed, "rtt", target, second, seq), 3)
