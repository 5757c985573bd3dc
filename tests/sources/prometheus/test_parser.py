"""The Prometheus text parser on a real node_exporter scrape and on the format's edge cases."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homelake.sources.base import ParseContext, PayloadError
from homelake.sources.prometheus.allow import DEFAULT_ALLOW, AllowList
from homelake.sources.prometheus.parser import parse_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prometheus"
T = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
CTX = ParseContext("prometheus", "pi1", "test", T, T, UTC)
EVERYTHING = AllowList(everything=True)


def _rows(name: str, allow: AllowList = EVERYTHING) -> list[dict[str, object]]:
    return parse_text((FIXTURES / name).read_bytes(), CTX, allow).rows


def _sample_lines(name: str) -> list[str]:
    text = (FIXTURES / name).read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_a_real_node_exporter_scrape_keeps_every_sample_when_asked() -> None:
    rows = _rows("node_exporter_1.5.0_metrics.txt")
    assert len(rows) == len(_sample_lines("node_exporter_1.5.0_metrics.txt"))
    cpu = [r for r in rows if r["name"] == "node_cpu_seconds_total"]
    assert cpu and {r["metric_family"] for r in cpu} == {"node_cpu_seconds"}
    assert {r["metric_type"] for r in cpu} == {"counter"}
    assert all(set(json.loads(str(r["labels"]))) == {"cpu", "mode"} for r in cpu)
    assert {r["node"] for r in rows} == {"pi1"} and {r["job"] for r in rows} == {"node"}


def test_the_default_allow_list_keeps_node_health_and_drops_the_rest() -> None:
    everything = _rows("node_exporter_1.5.0_metrics.txt")
    kept = _rows("node_exporter_1.5.0_metrics.txt", AllowList())
    names = {str(r["name"]) for r in kept}
    assert 0 < len(kept) < len(everything) / 2
    assert {"node_boot_time_seconds", "node_load1", "node_memory_MemAvailable_bytes"} <= names
    assert not any(n.startswith(("go_", "process_", "promhttp_")) for n in names)
    extra = _rows("node_exporter_1.5.0_metrics.txt", AllowList().plus(("go_goroutines",)))
    assert {str(r["name"]) for r in extra} == names | {"go_goroutines"}
    assert "node_load1" in DEFAULT_ALLOW


def test_escapes_special_values_histograms_summaries_and_untyped() -> None:
    rows = _rows("composed_0.0.4_edge_cases.txt")
    assert len(rows) == len(_sample_lines("composed_0.0.4_edge_cases.txt"))
    post = next(r for r in rows if '"post"' in str(r["labels"]))
    assert json.loads(str(post["labels"])) == {"method": "post", "path": '/a"b\\\\c\nd', "code": ""}
    assert post["sample_at"] == datetime(2014, 3, 17, 14, 26, 3, tzinfo=UTC)
    temps = {
        json.loads(str(r["labels"]))["sensor"]: r["value"] for r in rows if r["metric_family"] == "temperature_celsius"
    }
    assert math.isnan(float(str(temps["cpu"]))) and temps["gpu"] == math.inf and temps["nvme"] == -math.inf
    hist = [r for r in rows if r["metric_family"] == "request_seconds"]
    assert [r["name"] for r in hist] == ["request_seconds_bucket"] * 3 + [
        "request_seconds_sum",
        "request_seconds_count",
    ]
    assert {r["metric_type"] for r in hist} == {"histogram"}
    summary = [r for r in rows if r["metric_family"] == "rpc_seconds"]
    assert len(summary) == 4 and {r["metric_type"] for r in summary} == {"summary"}
    untyped = next(r for r in rows if r["name"] == "some_untyped_metric")
    assert untyped["metric_type"] == "unknown" and untyped["value"] == 2.4512e10


def test_a_malformed_line_is_a_reject_and_the_rest_of_the_scrape_is_kept() -> None:
    result = parse_text((FIXTURES / "composed_0.0.4_malformed_line.txt").read_bytes(), CTX, EVERYTHING)
    assert len(result.rows) == len(_sample_lines("composed_0.0.4_malformed_line.txt")) - 1
    assert [r.payload for r in result.rejects] == [b'temperature_celsius{sensor="gpu" +Inf']
    assert "malformed" in result.rejects[0].reason


@pytest.mark.parametrize("body", [b"", b"<html><body>login</body></html>", b"garbage here\nmore garbage\n"])
def test_a_body_that_is_not_prometheus_text_is_a_payload_error(body: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_text(body, CTX)
