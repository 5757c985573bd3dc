"""The pure schema contract of the lake: what a dataset is, the origin columns, and homelake's own datasets.

Each family declares its datasets in `sources/<family>/datasets.py`; `homelake.sources.DATASETS` is the catalog."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")

# Every row in every dataset starts with these: when, when received, and where it came from.
ORIGIN_FIELDS: tuple[pa.Field, ...] = (
    pa.field("observed_at", UTC_TS, nullable=False),
    pa.field("received_at", UTC_TS, nullable=False),
    pa.field("family", pa.string(), nullable=False),
    pa.field("device_id", pa.string(), nullable=False),
    pa.field("collector", pa.string(), nullable=False),
)


@dataclass(frozen=True)
class Dataset:
    """One lake dataset: `raw/<family>/<name>/date=YYYY-MM-DD/<batch>.parquet`."""

    family: str
    name: str
    fields: tuple[pa.Field, ...]
    description: str

    @property
    def key(self) -> str:
        return f"{self.family}/{self.name}"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(list(ORIGIN_FIELDS) + list(self.fields))


def column(name: str, type_: pa.DataType, nullable: bool = True) -> pa.Field:
    """One declared column (nullable unless said)."""
    return pa.field(name, type_, nullable=nullable)


S, F, I, B = pa.string(), pa.float64(), pa.int64(), pa.bool_()  # noqa: E741


COLLECTOR_HEALTH = Dataset(
    "homelake",
    "collector_health",
    (
        column("source", S, False),
        column("target", S, False),
        column("started_at", UTC_TS, False),
        column("duration_s", F, False),
        column("ok", B, False),
        column("error_class", S),
        column("error_message", S),
        column("row_count", I, False),
    ),
    "One row per poll of one target: did it work, how long, how many rows.",
)

DEAD_LETTER = Dataset(
    "homelake",
    "dead_letter",
    (
        column("source_family", S, False),
        column("dataset", S),
        column("reason", S, False),
        column("payload", pa.binary()),
    ),
    "Payloads or rows that could not be parsed or did not fit their schema, kept verbatim with the reason.",
)


MQTT_MESSAGES = Dataset(
    "mqtt",
    "messages",
    (
        column("topic", S, False),
        column("payload", pa.binary()),
        column("qos", I),
        column("retain", B),
        column("dup", B),  # MQTT DUP flag: set by the broker when it redelivers
        column("msg_key", S),  # hash of topic + payload: with `dup`, identifies a redelivery
        column("parsed_ok", B),
    ),
    "Raw archive of every MQTT message received, verbatim.",
)

ALERT_EVENTS = Dataset(
    "homelake",
    "alert_events",
    (
        column("key", S, False),
        column("rule", S, False),
        column("event", S, False),  # opened | reminded | closed
        column("title", S),
        column("message", S),
        column("since_at", UTC_TS),  # when the condition began, as the rule saw it
        column("opened_at", UTC_TS, False),
        column("closed_at", UTC_TS),
    ),
    "One row per change of an alert (opened, reminded, closed) at the evaluation after a transform.",
)

CORE_DATASETS: tuple[Dataset, ...] = (COLLECTOR_HEALTH, DEAD_LETTER, MQTT_MESSAGES, ALERT_EVENTS)
