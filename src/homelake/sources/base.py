"""What every source family shares: the parser contract, poll targets, and the FamilySpec each family exports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol

import orjson
from pydantic import BaseModel

from homelake.lake.schemas import Dataset

UNNAMED_DEVICE = "cli"  # the device id `homelake parse` stamps unless told one: a parser may name the device itself


class PayloadError(ValueError):
    """A whole payload is unusable (not JSON, wrong shape); the caller dead-letters the raw bytes."""


@dataclass(frozen=True)
class ParseContext:
    """Facts a pure parser needs that are not in the payload. Parsers never read the clock."""

    family: str
    device_id: str
    collector: str
    observed_at: datetime  # UTC, aware: when the payload was fetched or received
    received_at: datetime  # UTC, aware
    local_tz: tzinfo  # the device's wall-clock zone, for timestamps sent without one
    # the device's own clock for this payload (UTC, aware) where the payload has one; kept beside the receipt
    # so the warehouse can place late-delivered readings (docs/adr/0013-device-time.md). Not an origin column:
    # a family that records it declares a `device_ts` column.
    device_ts: datetime | None = None

    def origin(self) -> dict[str, Any]:
        """The origin columns every lake row starts with."""
        return {
            "observed_at": self.observed_at,
            "received_at": self.received_at,
            "family": self.family,
            "device_id": self.device_id,
            "collector": self.collector,
        }


@dataclass(frozen=True)
class Reject:
    """One item that could not be parsed: the reason and its raw bytes, destined for dead_letter."""

    reason: str
    payload: bytes


@dataclass
class ParseResult:
    """Rows for one dataset plus the items that were rejected."""

    dataset: str  # lake dataset key, e.g. "mikrotik/dhcp_leases"
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


@dataclass
class PollOutcome:
    """What one poll of one target produced: parsed results, payloads to dead-letter, and what failed."""

    target: str
    results: list[ParseResult] = field(default_factory=list)
    dead_letters: list[tuple[str, str, bytes]] = field(default_factory=list)  # (dataset key, reason, raw bytes)
    errors: list[Exception] = field(default_factory=list)
    # called once the outcome's rows are durable in the lake (the poller flushes first): e.g. save a stream's cursor
    on_durable: list[Callable[[], None]] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(len(result.rows) for result in self.results)


class PollTarget(Protocol):
    """What the poller needs from a family: a named target that polls once and says what it got."""

    source: str  # the family, e.g. "mikrotik"
    name: str  # the target within the family, e.g. the router name
    interval_s: float
    timeout_s: float

    async def poll(self) -> PollOutcome: ...

    # optional: `async def check(self) -> PollOutcome`, which `homelake check` runs instead of `poll()` for a target
    # whose poll does paid or irreversible work (it proves the configuration and credentials only)

    def is_transient(self, exc: Exception) -> bool:
        """True when trying again soon may help (timeouts, 5xx), False for auth or config errors."""
        ...

    async def aclose(self) -> None: ...


class StreamTarget(Protocol):
    """A long-lived connection a family follows (e.g. a camera's alertStream); `runtime.stream` supervises it:
    a watchdog on silence, reconnects with backoff, and a health row per connect, stall and disconnect."""

    source: str  # the family
    name: str  # the stream within the family, e.g. "cam-front/alertStream"
    stall_s: float  # nothing for this long: probe, then reconnect unless quiet_ok()

    def follow(self) -> AsyncIterator[PollOutcome]:
        """Connect and yield what arrives (an empty outcome proves the stream alive); raises when it breaks."""
        ...

    async def probe(self) -> bool:
        """A cheap request: does the device answer at all?"""
        ...

    def quiet_ok(self) -> bool:
        """True when silence is normal for this connection (the device never sent a keep-alive on it)."""
        ...

    def is_transient(self, exc: Exception) -> bool: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class ParseKind:
    """A `homelake parse` kind: a saved payload of one family -> the lake rows it produces."""

    name: str  # "<family>-<payload>", e.g. "mikrotik-leases"
    family: str
    description: str
    run: Callable[[bytes, ParseContext], list[ParseResult]]
    # what `homelake parse` prints of a lake row, where the lake's column names or types are not the payload's
    view: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    aliases: tuple[str, ...] = ()  # other names `homelake parse` accepts (e.g. a vendor's own spelling)


class MqttParser(Protocol):
    """A family's stateful MQTT topic handler (one per ingester)."""

    def apply(self, topic: str, payload: bytes, ctx: ParseContext) -> list[ParseResult]: ...


@dataclass(frozen=True)
class Captured:
    """A picture a camera family took because another family asked: its lake row (for the camera family's own
    dataset) and its file."""

    dataset: str  # e.g. "hikvision/snapshots"
    row: dict[str, Any]
    path: Path  # the JPEG, absolute
    sha256: str
    taken_at: datetime


class Capture(Protocol):
    """One camera another family may ask for a picture now (triggered work: motion -> picture -> cloud vision).
    The runtime hands it out by camera name, so neither family imports the other."""

    async def take(self, trigger: str, *, event_at: datetime | None, burst_index: int) -> Captured | None:
        """A picture now, stored and described; None when the camera did not give one (logged)."""
        ...

    async def aclose(self) -> None: ...


class Cadenced(Protocol):
    """A site-file level that may set its own poll cadence: a device, or its family's section (None: not set)."""

    @property
    def interval_s(self) -> float | None: ...

    @property
    def timeout_s(self) -> float | None: ...


@dataclass(frozen=True)
class FamilyContext:
    """What a family's builders are given: its own config section and site-wide facts, never the whole Settings."""

    config: Any  # the family's config model (FamilySpec.config), as validated from the site file
    local_tz: tzinfo  # the site's zone
    interval_s: float  # site-wide poll defaults
    timeout_s: float
    collector: str
    metadata_csv: Path | None = None
    state_dir: Path | None = None  # where a family may keep small durable state (a stream's cursor)
    lake_root: Path | None = None  # the raw lake, for a family triggered by another's rows (read only)
    neighbours_known: bool = False  # another family lands a neighbour table (DHCP leases) to discover from
    # a camera of any configured family by name, for triggered work (None: no such camera); the caller closes it
    capture: Callable[[str], Capture | None] | None = None

    def interval_for(self, *levels: Cadenced) -> float:
        """A poll interval: the first of `levels` (a device, then its family) that sets one, else the site's."""
        return next((level.interval_s for level in levels if level.interval_s), self.interval_s)

    def timeout_for(self, *levels: Cadenced) -> float:
        """A timeout: the first of `levels` (a device, then its family) that sets one, else the site's."""
        return next((level.timeout_s for level in levels if level.timeout_s), self.timeout_s)


# `await discover(neighbours, metadata)` -> every target to poll now, asked every `refresh_s`. Neighbours: the
# latest row per MAC of the LAN's neighbour tables (mac, ip, active_ip, hostname, status, observed_at);
# metadata: the rows of the device metadata CSV (mac, vendor, model, device_type, ...).
Discover = Callable[[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]], Awaitable[Sequence[PollTarget]]]


@dataclass(frozen=True)
class Discovery:
    """Targets found at run time from the LAN's neighbour table and the device metadata."""

    family: str
    discover: Discover
    refresh_s: float


@dataclass(frozen=True)
class SimContext:
    """What a family's simulator factory is given: the simulated site (ground truth) and where to serve."""

    site: Any  # homelake.sim.model.site.Site
    host: str = "127.0.0.1"
    tls: bool = False
    clock: Callable[[], datetime] | None = None  # None: the wall clock
    mqtt: tuple[str, int] | None = None  # a broker to publish to, when the family publishes
    fault_delay_s: float = 5.0
    options: Mapping[str, Any] = field(default_factory=dict)  # the family's own knobs (`--sim-option fam.key=v`)


class FamilySimulator(Protocol):
    """Real protocol servers (or publishers) of one family on loopback, driven by the site model."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def site_config(self, secrets_dir: Path, *, interval_s: float) -> dict[str, Any] | None:
        """The family's section of a site file pointing at the running simulators (secrets as 0600 files)."""
        ...

    def endpoints(self) -> list[dict[str, str]]:
        """One row per simulated device for the `homelake simulate` table: name, kind, url, login."""
        ...


@dataclass(frozen=True)
class HistoryContext:
    """A stretch of simulated history to lay through a family's real parsers (the demo and the tests)."""

    site: Any  # homelake.sim.model.site.Site
    store: Callable[
        [Sequence[ParseResult], str, str], int
    ]  # (results, family, device) -> rows kept; rejects dead-lettered
    start: datetime
    end: datetime
    step: timedelta
    local_tz: tzinfo
    progress: Callable[[float], None] | None = None
    config: Any = None  # the family's validated site-file section, when the history is laid for a site
    lake_root: Path | None = None  # the raw lake being laid (families laid earlier are in it, read only)


@dataclass(frozen=True)
class FamilySpec:
    """Everything the platform knows about one device family; `homelake.sources.FAMILIES` lists them."""

    name: str  # the one vocabulary: sources/<name>/, raw/<name>/..., models/staging/<name>/
    description: str
    datasets: tuple[Dataset, ...]
    parse_kinds: tuple[ParseKind, ...]
    simulator: Callable[[SimContext], FamilySimulator] | None = None  # protocol servers on loopback
    config: type[BaseModel] | None = None  # the family's section of the site file, under its name
    configured: Callable[[Any], bool] = lambda config: False  # does the site file give it anything to do?
    poll_targets: Callable[[FamilyContext], list[PollTarget]] | None = None
    stream_targets: Callable[[FamilyContext], list[StreamTarget]] | None = None  # long-lived connections to follow
    discovery: Callable[[FamilyContext], Discovery | None] | None = None
    mqtt_parser: Callable[[], MqttParser] | None = None
    mqtt_topics: tuple[str, ...] = ()  # default topic filters routed to mqtt_parser
    neighbours: Dataset | None = None  # a dataset of LAN leases other families may discover devices from
    history: Callable[[HistoryContext], int] | None = None  # lays simulated history; returns rows written
    # (site, start, end, connect=) -> the family's simulated MQTT messages (t, topic, payload, retain) in [start, end)
    mqtt_messages: Callable[..., list[Any]] | None = None
    # seed files the simulated site's owner would write for this family: file name -> writer(path)
    sim_seeds: Mapping[str, Callable[[Path], Path]] = field(default_factory=dict)
    # `homelake <family> ...` commands: given `context(site_file) -> FamilyContext`, a Typer app
    commands: Callable[[Callable[[Path | None], FamilyContext]], Any] | None = None
    # (its own context, camera name) -> that camera of this family, for another family's triggered work; None when
    # the family has no such camera (or keeps no pictures)
    capture: Callable[[FamilyContext, str], Capture | None] | None = None


def json_payload(raw: bytes) -> object:
    """A saved payload as JSON; PayloadError (dead-letter the bytes) when it is not."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"not valid JSON: {exc}") from None
