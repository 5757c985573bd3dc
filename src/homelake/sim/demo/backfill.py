"""Lays down history: every family's simulated payloads of past days, and the site's MQTT traffic, through the
same parsers, MQTT router and writer as live collection and ingestion."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from homelake.lake.writer import BufferedLakeWriter
from homelake.runtime.mqtt.config import DEFAULT_TOPICS
from homelake.runtime.mqtt.routing import Router
from homelake.sim.model.site import Site
from homelake.sim.servers.mqtt_publish import Message, iter_messages
from homelake.sources import FAMILIES, MQTT_MESSAGES, dataset
from homelake.sources.base import FamilySpec, HistoryContext, ParseResult

COLLECTOR = "backfill"
Progress = Callable[[float], None]


def site_mqtt_messages(site: Site, start: float, end: float, *, connect: bool = False) -> list[Message]:
    """Every family's simulated MQTT message with a time in [start, end), in time order."""
    found = [
        m for spec in FAMILIES if spec.mqtt_messages for m in spec.mqtt_messages(site, start, end, connect=connect)
    ]
    return sorted(found, key=lambda m: m[0])


def iter_mqtt_messages(site: Site, start: datetime, end: datetime) -> Iterator[tuple[str, bytes, datetime]]:
    """(topic, payload, t) of every simulated MQTT message in [start, end), as a live broker would carry
    them with every device connecting at `start`."""
    yield from iter_messages(site_mqtt_messages, site, start, end)


def store_results(writer: BufferedLakeWriter, results: Sequence[ParseResult], family: str, device: str) -> int:
    """Buffer the rows of each result and dead-letter its rejects verbatim; returns rows added."""
    rows = 0
    for result in results:
        if result.rows:
            writer.add(dataset(result.dataset), result.rows)
            rows += len(result.rows)
        for reject in result.rejects:
            writer.writer.dead_letter(
                family=family, dataset=result.dataset, reason=reject.reason, payload=reject.payload,
                device_id=device, collector=COLLECTOR,
            )  # fmt: skip
    return rows


def backfill_mqtt(
    site: Site,
    writer: BufferedLakeWriter,
    *,
    start: datetime,
    end: datetime,
    local_tz: tzinfo,
    progress: Progress | None = None,
) -> int:
    """Every MQTT message the devices would have published, archived verbatim and parsed in order."""
    router = Router(DEFAULT_TOPICS, collector=COLLECTOR, local_tz=local_tz)
    total_s = max(1.0, (end - start).total_seconds())
    count = 0
    for topic, payload, t in iter_mqtt_messages(site, start, end):
        routed = router.route(topic, payload, qos=1, retain=False, dup=False, received_at=t)
        writer.add(MQTT_MESSAGES, [routed.archive])
        store_results(writer, routed.results, "mqtt", routed.archive["device_id"])
        if routed.error:
            writer.writer.dead_letter(
                family="mqtt", dataset=None, reason=f"{topic}: {routed.error}", payload=payload,
                device_id=routed.archive["device_id"], collector=COLLECTOR,
            )  # fmt: skip
        count += 1
        if progress is not None and count % 5000 == 0:
            progress(min(1.0, (t - start).total_seconds() / total_s))
    return count


def backfill(
    site: Site,
    writer: BufferedLakeWriter,
    *,
    start: datetime,
    end: datetime,
    local_tz: tzinfo,
    step: timedelta = timedelta(minutes=5),
    families: Sequence[FamilySpec] = FAMILIES,
    mqtt: bool = True,
    progress: Progress | None = None,
    configs: Mapping[str, Any] | None = None,
) -> int:
    """The chosen families' polled history for [start, end), then (with `mqtt`) the site's MQTT traffic;
    returns rows written (MQTT: messages). `configs`: each family's site-file section (e.g. where media go)."""
    laid = [spec for spec in families if spec.history is not None]
    share = 1.0 / (len(laid) + (1 if mqtt else 0) or 1)
    rows = 0
    for index, spec in enumerate(laid):
        assert spec.history is not None

        def part(f: float, index: int = index) -> None:
            if progress is not None:
                progress((index + f) * share)

        ctx = HistoryContext(
            site=site, store=lambda results, family, device: store_results(writer, results, family, device),
            start=start, end=end, step=step, local_tz=local_tz, progress=part,
            config=(configs or {}).get(spec.name), lake_root=writer.writer.root,
        )  # fmt: skip
        rows += spec.history(ctx)
        writer.flush()
    if mqtt:
        done = len(laid) * share
        rows += backfill_mqtt(
            site, writer, start=start, end=end, local_tz=local_tz,
            progress=(lambda f: progress(done + f * share)) if progress else None,
        )  # fmt: skip
    writer.flush()
    if progress is not None:
        progress(1.0)
    return rows
