"""The poller acknowledges a poll's rows (`PollOutcome.on_durable`) only once they are flushed to the lake."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from homelake.lake import layout
from homelake.lake.schemas import DEAD_LETTER
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.sources.base import ParseResult, PollOutcome


class Target:
    source, name, interval_s, timeout_s = "test", "one", 1.0, 1.0

    def __init__(self, root: Path, seen: list[int]) -> None:
        self.root, self.seen = root, seen

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(self.name, results=[ParseResult("homelake/dead_letter", rows=[_row()])])
        outcome.on_durable.append(lambda: self.seen.append(_count(self.root)))
        return outcome

    def is_transient(self, exc: Exception) -> bool:
        return False

    async def aclose(self) -> None:
        return None


def _row() -> dict[str, object]:
    now = datetime(2025, 3, 10, tzinfo=UTC)
    return {"observed_at": now, "received_at": now, "family": "test", "device_id": "one", "collector": "t",
            "source_family": "test", "dataset": None, "reason": "r", "payload": b"x"}  # fmt: skip


def _count(root: Path) -> int:
    glob = layout.glob_pattern(root, DEAD_LETTER)
    return int(duckdb.connect().execute(f"select count(*) from read_parquet('{glob}')").fetchone()[0])  # type: ignore[index]


def test_the_callback_runs_after_the_rows_are_on_disk(tmp_path: Path) -> None:
    seen: list[int] = []
    writer = BufferedLakeWriter(LakeWriter(tmp_path), max_rows=1000, max_age_s=3600)  # would not flush by itself
    assert asyncio.run(Poller(Target(tmp_path, seen), writer, retries=0).poll_once())  # type: ignore[arg-type]
    assert seen == [1]


def test_a_failed_flush_acknowledges_nothing(tmp_path: Path) -> None:
    seen: list[int] = []
    writer = BufferedLakeWriter(LakeWriter(tmp_path), max_rows=1000, max_age_s=3600)

    def broken(only: object = None) -> object:
        raise OSError("disk full")

    writer.flush = broken  # type: ignore[assignment,method-assign]
    asyncio.run(Poller(Target(tmp_path, seen), writer, retries=0).poll_once())  # type: ignore[arg-type]
    assert seen == []
