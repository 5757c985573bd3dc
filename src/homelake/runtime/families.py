"""The site's families at run time: each family's context from the Settings, its targets and discoveries."""

from __future__ import annotations

import asyncio
import csv
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from homelake.lake import layout
from homelake.lake.schemas import Dataset
from homelake.settings import Settings
from homelake.sources import FAMILIES
from homelake.sources.base import Capture, Discovery, FamilyContext, FamilySpec, PollTarget, StreamTarget

log = logging.getLogger(__name__)


def chosen(names: Sequence[str] | None) -> list[FamilySpec]:
    """The families named (all when None or empty); ValueError naming the unknown ones."""
    known = [spec.name for spec in FAMILIES]
    unknown = sorted(set(names or []) - set(known))
    if unknown:
        raise ValueError(f"unknown source {', '.join(unknown)}; known: {', '.join(known)}")
    return [spec for spec in FAMILIES if not names or spec.name in names]


def neighbour_sources(settings: Settings) -> list[Dataset]:
    """Neighbour tables (DHCP leases) that a configured family lands, for discovery to start from."""
    return [
        spec.neighbours
        for spec in FAMILIES
        if spec.neighbours is not None and spec.configured(settings.family_config(spec.name))
    ]


def capture(settings: Settings, collector: str, camera: str) -> Capture | None:
    """The camera named `camera` of the first configured family that has it, to take a picture on request."""
    for spec in FAMILIES:
        if spec.capture is not None and spec.configured(settings.family_config(spec.name)):
            found = spec.capture(context(settings, spec, collector), camera)
            if found is not None:
                return found
    return None


def context(settings: Settings, spec: FamilySpec, collector: str = "homelake") -> FamilyContext:
    return FamilyContext(
        config=settings.family_config(spec.name),
        local_tz=settings.tz,
        interval_s=settings.collect.interval_s,
        timeout_s=settings.collect.timeout_s,
        collector=collector,
        metadata_csv=settings.metadata_csv,
        state_dir=settings.lake.root.parent / "state",
        lake_root=settings.lake.root,
        neighbours_known=bool(neighbour_sources(settings)),
        capture=partial(capture, settings, collector),
    )


def build_targets(
    settings: Settings, families: Sequence[str] | None = None, collector: str = "homelake"
) -> list[PollTarget]:
    """Every configured static target of the chosen families (all when None). Resolves secrets now."""
    return [
        target
        for spec in chosen(families)
        if spec.poll_targets is not None
        for target in spec.poll_targets(context(settings, spec, collector))
    ]


def build_stream_targets(
    settings: Settings, families: Sequence[str] | None = None, collector: str = "homelake"
) -> list[StreamTarget]:
    """Every configured long-lived stream of the chosen families (all when None). Resolves secrets now."""
    return [
        target
        for spec in chosen(families)
        if spec.stream_targets is not None
        for target in spec.stream_targets(context(settings, spec, collector))
    ]


def build_discoveries(
    settings: Settings, families: Sequence[str] | None = None, collector: str = "homelake"
) -> list[Discovery]:
    """The run-time discoveries of the chosen families that are enabled. Resolves secrets now."""
    found = [
        spec.discovery(context(settings, spec, collector)) for spec in chosen(families) if spec.discovery is not None
    ]
    return [discovery for discovery in found if discovery is not None]


def read_neighbours(lake_root: Path, dataset: Dataset) -> list[dict[str, Any]]:
    """The latest row per MAC from the two newest UTC day partitions of a neighbour table."""
    base = layout.dataset_dir(lake_root, dataset)
    anchor = f"date={layout.ANCHOR_DATE.isoformat()}"
    days = sorted(p for p in base.glob("date=*") if p.is_dir() and p.name != anchor)[-2:]
    files = [str(f) for day in days for f in sorted(day.glob("*.parquet"))]
    if not files:
        return []
    sql = """
        select lower(mac) as mac, ip, active_ip, hostname, status, observed_at
        from read_parquet(?, union_by_name = true)
        where mac is not null
        qualify row_number() over (partition by lower(mac) order by observed_at desc) = 1
    """
    with duckdb.connect() as con:
        cursor = con.execute(sql, [files])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_metadata(path: Path | None) -> list[dict[str, Any]]:
    """Rows of the device metadata CSV (mac, vendor, model, device_type, ...); [] when absent."""
    if path is None:
        return []
    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        log.warning("discovery cannot read metadata_csv=%s: %s", path, exc.strerror)
        return []


def from_lake(discovery: Discovery, settings: Settings) -> Callable[[], Awaitable[Sequence[PollTarget]]]:
    """`discover()` for the runtime: the family's discovery asked with the newest neighbours in the lake and
    the metadata CSV, read anew on every refresh."""
    sources = neighbour_sources(settings)

    async def discover() -> Sequence[PollTarget]:
        tables = await asyncio.gather(*(asyncio.to_thread(read_neighbours, settings.lake.root, d) for d in sources))
        metadata = await asyncio.to_thread(read_metadata, settings.metadata_csv)
        return await discovery.discover([row for table in tables for row in table], metadata)

    return discover
