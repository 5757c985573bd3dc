"""History of the Shelly fleet and Zigbee sensors: simulated HTTP polls and MQTT traffic through the
same parsers, MQTT router and writer as live collection and ingestion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from homelake.lake.schemas import get
from homelake.lake.writer import BufferedLakeWriter
from homelake.runtime.mqtt.config import DEFAULT_TOPICS
from homelake.runtime.mqtt.routing import Router
from homelake.sim.backfill import COLLECTOR, store_results
from homelake.sim.history import iter_mqtt_messages, iter_shelly_http_payloads
from homelake.sim.site import Site
from homelake.sources.base import ParseContext
from homelake.sources.shelly.parser_gen1 import parse_gen1_status
from homelake.sources.shelly.parser_gen2 import parse_gen2_status
from homelake.sources.shelly.simulator import render_shelly_info


def backfill_shelly_http(
    site: Site, writer: BufferedLakeWriter, *, start: datetime, end: datetime, step: timedelta, local_tz: tzinfo
) -> int:
    """Every status poll that would have succeeded, parsed as the Shelly collector parses it."""
    infos: dict[str, dict[str, Any]] = {}
    rows = 0
    for t, device_id, _path, payload in iter_shelly_http_payloads(site, start, end, step):
        info = infos.setdefault(device_id, render_shelly_info(site, device_id))
        ctx = ParseContext(
            family="shelly", device_id=device_id, collector=COLLECTOR, observed_at=t, received_at=t, local_tz=local_tz
        )
        if "gen" in info:
            results = parse_gen2_status(payload, ctx, device_info=info)
        else:
            results = parse_gen1_status(payload, ctx, model=info.get("type"), firmware=info.get("fw"))
        rows += store_results(writer, results, "shelly", device_id)
    return rows


def backfill_mqtt(
    site: Site,
    writer: BufferedLakeWriter,
    *,
    start: datetime,
    end: datetime,
    local_tz: tzinfo,
    progress: Callable[[float], None] | None = None,
) -> int:
    """Every MQTT message the devices would have published, archived verbatim and parsed in order."""
    router = Router(DEFAULT_TOPICS, collector=COLLECTOR, local_tz=local_tz)
    archive = get("mqtt/messages")
    total_s = max(1.0, (end - start).total_seconds())
    count = 0
    for topic, payload, t in iter_mqtt_messages(site, start, end):
        routed = router.route(topic, payload, qos=1, retain=False, dup=False, received_at=t)
        writer.add(archive, [routed.archive])
        store_results(writer, routed.results, "mqtt", routed.archive["device_id"])
        if routed.error:
            writer.writer.dead_letter(
                family="mqtt",
                dataset=None,
                reason=f"{topic}: {routed.error}",
                payload=payload,
                device_id=routed.archive["device_id"],
                collector=COLLECTOR,
            )
        count += 1
        if progress is not None and count % 5000 == 0:
            progress(min(1.0, (t - start).total_seconds() / total_s))
    return count
