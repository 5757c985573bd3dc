"""`homelake parse prometheus-text` and `journald-entries` as a user runs them, on recorded payloads."""

from __future__ import annotations

import json
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.cli.test_cli import FIXTURES, homelake

JOURNAL_FIELDS = {"observed_at", "seqnum", "cursor", "boot_id", "hostname", "unit", "identifier", "priority",
                  "message", "message_id"}  # fmt: skip


def _rows(*args: str) -> list[dict]:
    result = homelake("parse", *args, "--observed-at", "2026-11-29T10:00:00Z")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_prometheus_text_gives_one_row_per_sample_as_prometheus_s_own_parser_counts_them() -> None:
    scrape = FIXTURES / "prometheus" / "node_exporter_1.5.0_metrics.txt"
    rows = _rows("prometheus-text", str(scrape))
    families = list(text_string_to_metric_families(scrape.read_text()))
    assert len(rows) == sum(len(f.samples) for f in families)  # histogram buckets, _sum and _count included
    want = {(s.name, json.dumps(s.labels, sort_keys=True)) for f in families for s in f.samples}
    assert {(r["name"], json.dumps(r["labels"], sort_keys=True)) for r in rows} == want  # labels: an object
    assert {r["metric_type"] for r in rows} >= {"counter", "gauge"}
    # the fields: family (the metric family, as Prometheus's parser names it), name, labels, value, type
    assert {(r["family"], r["name"]) for r in rows} == {(f.name, s.name) for f in families for s in f.samples}
    assert all(r["dataset"] == "prometheus/samples" and {"value", "metric_type"} <= set(r) for r in rows)


def test_journald_entries_read_json_lines_and_the_event_stream_alike() -> None:
    folder = FIXTURES / "journald"
    lines = _rows("journald-entries", str(folder / "gatewayd_252_entries.jsonl"))
    events = _rows("journald-entries", str(folder / "gatewayd_252_entries_sse.txt"))
    assert lines and [r["cursor"] for r in lines] == [r["cursor"] for r in events]
    assert all(set(r) >= JOURNAL_FIELDS and r["observed_at"].endswith("Z") for r in lines)
    assert all(isinstance(r["message"], str | None) for r in lines)  # text, decoded with replacement


def test_a_scrape_that_is_html_is_one_clear_line(tmp_path: Path) -> None:
    page = tmp_path / "login.html"
    page.write_text("<html><body>Sign in</body></html>")
    result = homelake("parse", "prometheus-text", str(page))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
