"""The archive backfill's pure parts: request runs, the free tier's call weight, Retry-After, DST days, the cache."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.sources.openmeteo.archive_state import ArchiveState
from homelake.sources.openmeteo.backfill import chunks
from homelake.sources.openmeteo.client import call_weight, retry_after
from homelake.sources.openmeteo.coverage import day_hours, missing_days

BERLIN = ZoneInfo("Europe/Berlin")


def test_missing_days_become_runs_of_consecutive_days_at_most_a_chunk_long() -> None:
    days = [date(2026, 1, d) for d in (1, 2, 3, 5, 6)]
    assert chunks(days, 2) == [[date(2026, 1, 1), date(2026, 1, 2)], [date(2026, 1, 3)], days[3:]]
    assert chunks([], 14) == []


def test_call_weight_follows_the_free_tiers_counting() -> None:
    assert call_weight(10, 14) == 1.0
    assert call_weight(15, 14) == pytest.approx(1.5)
    assert call_weight(15, 28) == pytest.approx(3.0)
    assert call_weight(11, 1) == pytest.approx(1.1)


def test_retry_after_reads_seconds_or_an_http_date() -> None:
    assert retry_after("120") == (120.0, None)
    assert retry_after("Wed, 09 Dec 2026 12:41:00 GMT") == (None, datetime(2026, 12, 9, 12, 41, tzinfo=UTC))
    assert retry_after(None) == (None, None)
    assert retry_after("soon") == (None, None)


def test_a_day_is_23_or_25_hours_when_the_clocks_change_and_a_short_gap_is_tolerated() -> None:
    assert len(day_hours(date(2026, 3, 29), BERLIN)) == 23  # noqa: PLR2004
    assert len(day_hours(date(2026, 10, 25), BERLIN)) == 25  # noqa: PLR2004
    hours = day_hours(date(2026, 1, 10), BERLIN)
    one_missing = set(hours) - {hours[5]}
    assert missing_days([date(2026, 1, 10)], BERLIN, one_missing, min_gap_h=2) == []
    assert missing_days([date(2026, 1, 10)], BERLIN, one_missing, min_gap_h=1) == [date(2026, 1, 10)]


def test_the_cache_survives_a_restart_and_a_damaged_file_costs_only_a_refetch(tmp_path: Path) -> None:
    path = tmp_path / "openmeteo" / "home.archive.json"
    now = datetime(2026, 12, 9, 12, 40, tzinfo=UTC)
    state = ArchiveState.load(path)
    assert state.spend(now, 1.1, budget=2.0)
    assert not state.spend(now, 1.1, budget=2.0)  # would overrun today's budget: nothing counted
    state.mark_done({date(2026, 12, 1), date(2026, 11, 1)}, keep_from=date(2026, 11, 9))
    again = ArchiveState.load(path)
    assert again.done == {date(2026, 12, 1)} and again.calls_used == pytest.approx(1.1)
    assert again.spend(now + timedelta(days=1), 1.1, budget=2.0)  # a new UTC day, a new budget
    path.write_text("{not json")
    assert ArchiveState.load(path).done == set()
