"""Turning a batch of MQTT messages into lake rows and writing them: shared by the ingester and its
parse process, so both paths route, dead-letter and write exactly the same way."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import orjson

from homelake.lake.schemas import DEAD_LETTER
from homelake.lake.writer import LakeWriter
from homelake.runtime.mqtt.routing import Router
from homelake.sources import dataset as get

log = logging.getLogger(__name__)
ARCHIVE = "mqtt/messages"
Rows = dict[str, list[dict[str, Any]]]


class Message(NamedTuple):
    """What the parsing needs of one received message (picklable, for the parse process)."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool
    received_at: datetime


def route_messages(
    router: Router, lake: LakeWriter, messages: Iterable[Message], *, collector: str, archive: bool = True
) -> tuple[Rows, list[dict[str, Any]]]:
    """Rows per dataset (the verbatim archive too when `archive`) and dead letters, in message order."""
    rows: Rows = defaultdict(list)
    dead: list[dict[str, Any]] = []
    for m in messages:
        routed = router.route(m.topic, m.payload, qos=m.qos, retain=m.retain, dup=m.dup, received_at=m.received_at)
        device = routed.archive["device_id"]
        if archive:
            rows[ARCHIVE].append(routed.archive)
        for result in routed.results:
            rows[result.dataset].extend(result.rows)
            for reject in result.rejects:
                dead.append(
                    lake.dead_letter_row(
                        family="mqtt",
                        dataset=result.dataset,
                        reason=f"{m.topic}: {reject.reason}",
                        payload=reject.payload,
                        device_id=device,
                        collector=collector,
                        observed_at=m.received_at,
                    )
                )
        if routed.error:
            dead.append(
                lake.dead_letter_row(
                    family="mqtt",
                    dataset=None,
                    reason=f"{m.topic}: {routed.error}",
                    payload=m.payload,
                    device_id=device,
                    collector=collector,
                    observed_at=m.received_at,
                )
            )
    return rows, dead


def write_rows(lake: LakeWriter, rows: Rows, dead: list[dict[str, Any]], *, collector: str) -> None:
    """Write every dataset, then the dead letters. An OSError (disk) propagates so the caller retries the
    batch without acknowledging; a row that does not fit its parsed dataset is dead-lettered instead of
    stalling the stream, but the verbatim archive must land (a failure there counts as a disk error)."""
    for key, dataset_rows in rows.items():
        try:
            lake.write_rows(get(key), dataset_rows)
        except OSError:
            raise
        except Exception as exc:
            if key == ARCHIVE:
                raise OSError(f"archive write failed: {type(exc).__name__}: {exc}") from exc
            log.exception("cannot write %d rows of %s; dead-lettering them", len(dataset_rows), key)
            reason = f"{key}: could not be written: {type(exc).__name__}: {exc}"
            dead.extend(
                lake.dead_letter_row(
                    family=str(row.get("family") or "mqtt"),
                    dataset=key,
                    reason=reason,
                    payload=orjson.dumps(row, default=str),
                    device_id=str(row.get("device_id") or "unknown"),
                    collector=collector,
                    observed_at=row.get("received_at"),
                )
                for row in dataset_rows
            )
    if dead:
        lake.write_rows(DEAD_LETTER, dead)
