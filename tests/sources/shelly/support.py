"""Shared helpers for the Shelly tests: a parse context, fixture loading, and the schema check."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from homelake.sources import DATASETS
from homelake.sources.base import ParseContext, ParseResult
from homelake.sources.shelly import ShellyMqtt

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "shelly"
OBSERVED_AT = datetime(2024, 5, 29, 16, 30, 0, tzinfo=UTC)
RECEIVED_AT = datetime(2024, 5, 29, 16, 30, 1, tzinfo=UTC)

_PY_TYPES: dict[pa.DataType, tuple[type, ...]] = {
    pa.float64(): (float,),
    pa.int64(): (int,),
    pa.bool_(): (bool,),
    pa.string(): (str,),
    pa.binary(): (bytes,),
}


def make_ctx(device_id: str = "collector-target", family: str = "shelly") -> ParseContext:
    return ParseContext(
        family=family,
        device_id=device_id,
        collector="test",
        observed_at=OBSERVED_AT,
        received_at=RECEIVED_AT,
        local_tz=UTC,
    )


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes())


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def assert_fit(results: list[ParseResult]) -> None:
    """Every row has exactly its dataset's columns, with Python types that fit, and no empty strings."""
    for result in results:
        dataset = DATASETS[result.dataset]
        for row in result.rows:
            assert list(row) == dataset.schema.names, result.dataset
            for field in dataset.schema:
                value = row[field.name]
                assert value != "", f"{result.dataset}.{field.name} is an empty string"
                if value is None or field.type == pa.timestamp("us", tz="UTC"):
                    continue
                allowed = _PY_TYPES[field.type]
                assert isinstance(value, allowed), f"{result.dataset}.{field.name}={value!r}"
                assert not (isinstance(value, bool) and bool not in allowed), f"{field.name} is a bool"
        pa.Table.from_pylist(result.rows, schema=dataset.schema)


def rows(results: list[ParseResult], dataset: str) -> list[dict[str, Any]]:
    """All rows of one dataset; the tests also insist nothing was rejected."""
    assert_fit(results)
    assert [r.rejects for r in results if r.rejects] == []
    return [row for r in results if r.dataset == dataset for row in r.rows]


def values(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its origin columns, its device clock (test_device_time.py) and nulls: what a test compares."""
    origin = {"observed_at", "received_at", "family", "device_id", "collector", "device_ts"}
    return {k: v for k, v in row.items() if k not in origin and v is not None}


def send(router: ShellyMqtt, topic: str, payload: Any) -> list[ParseResult]:
    body = payload.encode() if isinstance(payload, str) else orjson.dumps(payload)
    results = router.apply(topic, body, make_ctx("ingester"))
    assert_fit(results)
    return results
