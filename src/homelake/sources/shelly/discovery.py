"""Which Shellies to poll: static devices plus the LAN's neighbours (DHCP leases) that `/shelly` confirms.

The runtime reads the neighbour table and the device metadata; this module only picks and probes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homelake.logs import register_secret
from homelake.sources.base import FamilyContext
from homelake.sources.shelly import ids
from homelake.sources.shelly.client import ShellyClient, ShellyError, ShellyIdentity
from homelake.sources.shelly.config import ShellyDiscoveryConfig, ShellyFamily, ShellyStaticDevice
from homelake.sources.shelly.target import ShellyTarget, utc_now

log = logging.getLogger(__name__)
PROBE_CONCURRENCY = 16
_MODEL_WORDS = ("shelly", *(code.lower() for code in ids.GEN1_MODELS))
_GEN1_PREFIX_OF: dict[str, str] = {}
for _prefix, _model in ids.GEN1_ID_PREFIXES.items():
    _GEN1_PREFIX_OF.setdefault(_model, _prefix)


@dataclass(frozen=True)
class Candidate:
    """A bound lease that looks like a Shelly: where it is reachable and why it was picked."""

    mac: str
    ip: str  # the address to connect to, after the address map
    hostname: str | None
    reason: str  # metadata | hostname | oui


def _is_shelly_metadata(row: Mapping[str, Any], vendors: set[str]) -> bool:
    if str(row.get("vendor") or "").strip().lower() in vendors:
        return True
    described = f"{row.get('model') or ''} {row.get('device_type') or ''}".lower()
    return any(word in described for word in _MODEL_WORDS)


def candidates(
    leases: Iterable[Mapping[str, Any]], metadata: Iterable[Mapping[str, Any]], cfg: ShellyDiscoveryConfig
) -> list[Candidate]:
    """Bound leases that are Shellies by metadata vendor/model, host name prefix or MAC OUI.

    Only each MAC's latest lease row counts, and only when it was seen within `lease_window_s` of the
    newest lease observation (the lake's time, not the wall clock), so a lease that disappeared drops out.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for lease in leases:
        mac = str(lease.get("mac") or "").lower()
        if not mac or lease.get("observed_at") is None:
            continue
        if mac not in latest or lease["observed_at"] > latest[mac]["observed_at"]:
            latest[mac] = lease
    if not latest:
        return []
    newest = max(lease["observed_at"] for lease in latest.values())
    since = newest - timedelta(seconds=cfg.lease_window_s)
    vendors = {vendor.strip().lower() for vendor in cfg.vendors}
    shelly_macs = {str(r.get("mac") or "").lower() for r in metadata if _is_shelly_metadata(r, vendors)}
    found: list[Candidate] = []
    for mac, lease in sorted(latest.items()):
        ip = lease.get("active_ip") or lease.get("ip")
        if lease.get("status") != "bound" or lease["observed_at"] < since or not ip:
            continue
        hostname = lease.get("hostname") or None
        if mac in shelly_macs:
            reason = "metadata"
        elif hostname and hostname.lower().startswith(tuple(cfg.hostname_prefixes)):
            reason = "hostname"
        elif ids.is_shelly_oui(mac):
            reason = "oui"
        else:
            continue
        try:
            reached = cfg.reach(str(ip))
        except ValueError:
            log.debug("shelly discovery skips lease mac=%s: bad address %r", mac, ip)
            continue
        found.append(Candidate(mac=mac, ip=reached, hostname=hostname, reason=reason))
    return found


def id_from_hostname(hostname: str | None) -> str | None:
    """The device id a Shelly sends as its DHCP host name (`shellypro4pm-a8032ab1c2d3`,
    `shellyplug-s-C18B12`); None when the name is not a Shelly id."""
    if not hostname:
        return None
    if ids.gen2_generation_from_id(hostname.lower()) is not None or ids.gen1_model_from_id(hostname) is not None:
        return hostname
    return None


def device_id_of(identity: ShellyIdentity, mac: str, hostname: str | None) -> str:
    """Gen2+: the `id` it reports. Gen1 `/shelly` has none: its DHCP host name when that is a Gen1 id of
    this model (the device's own name), else `<model prefix>-<MAC>`."""
    if identity.device_id:
        return identity.device_id
    if hostname and identity.model and ids.gen1_model_from_id(hostname) == identity.model:
        return hostname
    prefix = _GEN1_PREFIX_OF.get(identity.model or "", "shelly")
    return f"{prefix}-{mac.replace(':', '').upper()}"


class ShellyDiscovery:
    """`await discovery()` -> every target to poll now. Confirmed devices are remembered by MAC and URL, so
    a known device is not probed again each refresh, and one that went offline keeps its poller (and its
    failure health rows) for as long as its lease stays bound."""

    def __init__(self, ctx: FamilyContext, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.ctx, self.collector, self.clock = ctx, ctx.collector, clock
        self.family: ShellyFamily = ctx.config
        self.interval_s = ctx.interval_for(self.family)
        self.timeout_s = ctx.timeout_for(self.family)
        self._confirmed: dict[tuple[str, str], tuple[str, ShellyIdentity]] = {}
        self._unanswered: set[tuple[str, str]] = set()  # (mac, url) already logged as not answering
        self._static = {device.name: (device, _password(device)) for device in self.family.devices}

    def target(
        self, name: str, url: str, static: ShellyStaticDevice | None, identity: ShellyIdentity | None = None
    ) -> ShellyTarget:
        """A target with the family's interval and timeout, and the static entry's credentials if any."""
        password = self._static[static.name][1] if static is not None else None
        return ShellyTarget(
            name, url, username=static.username if static else "admin", password=password,
            local_tz=self.ctx.local_tz, interval_s=self.interval_s, timeout_s=self.timeout_s,
            collector=self.collector, clock=self.clock, identity=identity,
        )  # fmt: skip

    def static_targets(self) -> list[ShellyTarget]:
        return [self.target(name, device.url, device) for name, (device, _) in self._static.items()]

    async def _probe(
        self, candidate: Candidate, url: str, gate: asyncio.Semaphore
    ) -> tuple[str, ShellyIdentity] | None:
        """(device id, identity) of a candidate that answers `/shelly`, else None (logged once per address)."""
        key = (candidate.mac, url)
        if key in self._confirmed:
            return self._confirmed[key]
        async with gate, ShellyClient(url, timeout_s=min(self.timeout_s, 5.0), device=candidate.mac) as client:
            try:
                identity = await client.identify()
            except ShellyError as exc:
                if key not in self._unanswered:
                    self._unanswered.add(key)
                    named = id_from_hostname(candidate.hostname)
                    log.info("shelly candidate does not answer /shelly mac=%s url=%s reason=%s%s: %s", candidate.mac,
                             url, candidate.reason, f" (polled as failing target {named})" if named else "",
                             exc)  # fmt: skip
                return None
        self._confirmed[key] = (device_id_of(identity, candidate.mac, candidate.hostname), identity)
        return self._confirmed[key]

    async def __call__(
        self, leases: Sequence[Mapping[str, Any]], metadata: Sequence[Mapping[str, Any]]
    ) -> list[ShellyTarget]:
        """Static devices, then every confirmed candidate (with a static entry's credentials when the ids match).
        `leases`: the latest neighbour row per MAC (mac, ip, active_ip, hostname, status, observed_at)."""
        if not self.family.discovery.enabled:
            return self.static_targets()
        found = candidates(leases, metadata, self.family.discovery)
        static_urls = {device.url for device, _ in self._static.values()}
        urls = {c: self.family.discovery.url_for(c.ip) for c in found}
        gate = asyncio.Semaphore(PROBE_CONCURRENCY)
        todo = [c for c in found if urls[c] not in static_urls]
        probed = await asyncio.gather(*(self._probe(c, urls[c], gate) for c in todo))
        self._confirmed = {(c.mac, urls[c]): hit for c, hit in zip(todo, probed, strict=True) if hit is not None}
        targets: dict[str, ShellyTarget] = {t.name: t for t in self.static_targets()}
        for candidate, hit in zip(todo, probed, strict=True):
            if hit is None:
                # A lease whose host name is a Shelly id is that Shelly even while it does not answer: poll
                # it anyway, so its failures are health rows (Health lists it, alerts fire) instead of it
                # silently dropping out. Anything weaker (an OUI shared with other ESP products) is skipped.
                named = id_from_hostname(candidate.hostname)
                if named is not None and named not in targets:
                    targets[named] = self.target(named, urls[candidate], self._static.get(named, (None, None))[0])
                continue
            self._unanswered.discard((candidate.mac, urls[candidate]))
            device_id, identity = hit
            static = self._static.get(device_id, (None, None))[0]
            targets[device_id] = self.target(device_id, urls[candidate], static, identity)
        return list(targets.values())


def _password(device: ShellyStaticDevice) -> str | None:
    password = device.password.resolve() if device.password is not None else None
    register_secret(password)
    return password
