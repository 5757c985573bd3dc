"""The journald follower against Debian's real systemd-journal-gatewayd serving the simulated cluster's journal."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from homelake.sim.model.cluster import cluster_for
from homelake.sim.model.cluster_journal import ClusterJournal, JournalEntry
from homelake.sim.model.site import build_site
from homelake.sources.base import PollOutcome
from homelake.sources.journald.config import JournaldNode
from homelake.sources.journald.cursor import CursorStore
from homelake.sources.journald.parser import KEEP_ALL
from homelake.sources.journald.target import JournaldTarget
from tests.sources.journald.real_gateway import RealGateway, missing_tools, write_journal

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def entries() -> list[JournalEntry]:
    site = build_site()
    journal = ClusterJournal(cluster_for(site.start, site.seed))
    start = site.start + timedelta(hours=8)
    return journal.entries("pi1", start, start + timedelta(hours=22))  # the crash loop and the reboot


@pytest.fixture(scope="module")
def gateway(entries: list[JournalEntry], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealGateway]:
    if missing_tools():
        pytest.fail(f"missing {', '.join(missing_tools())}: run ./scripts/ensure-tools (systemd-journal-remote)")
    real = RealGateway(write_journal(entries, tmp_path_factory.mktemp("journal"), "pi1"))
    yield real
    real.stop()


def poll(url: str, store: CursorStore, **kw: object) -> PollOutcome:
    target = JournaldTarget(
        JournaldNode(name="pi1", url=url), KEEP_ALL, store, local_tz=UTC, interval_s=30, timeout_s=10, quiet_s=0.5,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip

    async def run() -> PollOutcome:
        try:
            return await target.poll()
        finally:
            await target.aclose()

    outcome = asyncio.run(run())
    for callback in outcome.on_durable:
        callback()
    return outcome


def test_every_entry_comes_back_decoded_from_the_real_gateway(
    gateway: RealGateway, entries: list[JournalEntry], tmp_path: Path
) -> None:
    outcome = poll(gateway.url, CursorStore(tmp_path / "pi1.cursor"))
    rows = outcome.results[0].rows
    assert outcome.errors == [] and outcome.results[0].rejects == []
    assert [int(r["observed_at"].timestamp() * 1_000_000) for r in rows] == [e.realtime_us for e in entries]  # type: ignore[union-attr]
    assert [r["boot_id"] for r in rows] == [e.boot_id for e in entries]
    assert len({r["boot_id"] for r in rows}) == 2  # the reboot  # noqa: PLR2004
    assert sum("CrashLoopBackOff" in str(r["message"]) for r in rows) == 12  # noqa: PLR2004
    assert any(r["transport"] == "audit" and r["priority"] is None for r in rows)  # an entry without PRIORITY


def test_resuming_from_the_durable_cursor_in_small_batches_loses_and_repeats_nothing(
    gateway: RealGateway, entries: list[JournalEntry], tmp_path: Path
) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    seen: list[str] = []
    for _ in range(len(entries) // 50 + 2):
        outcome = poll(gateway.url, store, max_entries=50)
        seen += [str(r["cursor"]) for r in outcome.results[0].rows]
    assert len(seen) == len(set(seen)) == len(entries)
    assert poll(gateway.url, store).row_count == 0  # nothing new


def test_a_cursor_the_journal_does_not_know_restarts_from_the_oldest_entry(
    gateway: RealGateway, entries: list[JournalEntry], tmp_path: Path
) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    store.save("s=0;i=1")
    status = httpx.get(f"{gateway.url}/entries", headers={"Range": "entries=s=0;i=1:1:5"}).status_code
    outcome = poll(gateway.url, store)
    assert status >= 400  # noqa: PLR2004
    assert outcome.row_count == len(entries) and any("not in the journal" in str(e) for e in outcome.errors)


def test_a_cursor_rotated_away_resumes_from_the_oldest_entry_and_records_the_gap(
    entries: list[JournalEntry], tmp_path: Path
) -> None:
    # the node's journal kept only entries[100:]; the collector's durable cursor is entries[50]'s
    with RealGateway(write_journal(entries[100:], tmp_path, "pi1")) as rotated:
        store = CursorStore(tmp_path / "pi1.cursor")
        store.save(entries[50].cursor)
        outcome = poll(rotated.url, store)
    rows = outcome.results[0].rows
    assert [r["observed_at"] for r in rows][:1] == [datetime.fromtimestamp(entries[100].realtime_us / 1e6, UTC)]
    assert len(rows) == len(entries) - 100  # the oldest entry left is kept too, none after it lost
    (gap,) = outcome.errors
    assert "journal rotated" in str(gap) and _iso(entries[50]) in str(gap) and _iso(entries[100]) in str(gap)
    assert store.load() == rows[-1]["cursor"]  # and the follow goes on from there


def _iso(entry: JournalEntry) -> str:
    return datetime.fromtimestamp(entry.realtime_us // 1_000_000, UTC).isoformat(timespec="seconds")
