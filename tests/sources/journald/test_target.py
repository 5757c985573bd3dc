"""The journald follower against simulated gateways over real sockets: cursors, rotation, drops, live follow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest

from homelake.sim.model.cluster import cluster_for
from homelake.sim.model.cluster_journal import ClusterJournal
from homelake.sim.model.site import Site, build_site
from homelake.sources.base import PollOutcome
from homelake.sources.journald.config import JournaldNode
from homelake.sources.journald.cursor import CursorStore
from homelake.sources.journald.fields import MAX_MESSAGE_CHARS
from homelake.sources.journald.parser import KEEP_ALL, EntryFilter
from homelake.sources.journald.simulator.export import entry_json
from homelake.sources.journald.simulator.server import GatewaydSim
from homelake.sources.journald.target import JournaldTarget

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture(scope="module")
def site() -> Site:
    return build_site()


@pytest.fixture(scope="module")
def journal(site: Site) -> ClusterJournal:
    return ClusterJournal(cluster_for(site.start, site.seed))


@pytest.fixture
def clock(site: Site) -> Clock:
    return Clock(site.start.astimezone(UTC) + timedelta(hours=10))


@pytest.fixture
def gateway(journal: ClusterJournal, clock: Clock, site: Site) -> Iterator[GatewaydSim]:
    sim = GatewaydSim(journal, "pi1", clock, retained_from=site.start).start()
    yield sim
    sim.stop()


def _target(url: str, store: CursorStore, keep: EntryFilter = KEEP_ALL, **kw: object) -> JournaldTarget:
    return JournaldTarget(
        JournaldNode(name="pi1", url=url),
        keep,
        store,
        local_tz=UTC,
        interval_s=30,
        timeout_s=5,
        quiet_s=0.3,
        **kw,  # type: ignore[arg-type]
    )


def _poll(target: JournaldTarget, durable: bool = True) -> PollOutcome:
    async def run() -> PollOutcome:
        try:
            return await target.poll()
        finally:
            await target.aclose()

    outcome = asyncio.run(run())
    if durable:
        for callback in outcome.on_durable:
            callback()
    return outcome


def _seqnums(outcome: PollOutcome) -> list[int]:
    return [int(str(r["seqnum"])) for r in outcome.results[0].rows]


def test_follow_reads_everything_then_resumes_after_the_durable_cursor_only(
    gateway: GatewaydSim, journal: ClusterJournal, clock: Clock, site: Site, tmp_path: Path
) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    first = _poll(_target(gateway.url, store))
    expected = journal.entries("pi1", site.start, clock.t)
    assert first.errors == [] and _seqnums(first) == [e.seqnum for e in expected]
    assert store.load() == expected[-1].cursor  # saved once the rows were durable
    again = _poll(_target(gateway.url, store))  # nothing new: the gateway repeats the cursor's entry, not kept
    assert again.row_count == 0 and again.errors == [] and store.load() == expected[-1].cursor
    clock.t += timedelta(hours=2)
    second = _poll(_target(gateway.url, store))
    later = journal.entries("pi1", site.start, clock.t)
    assert _seqnums(second) == [e.seqnum for e in later[len(expected) :]]  # no entry twice, none lost


def test_a_batch_that_never_became_durable_is_read_again(gateway: GatewaydSim, tmp_path: Path) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    lost = _poll(_target(gateway.url, store), durable=False)  # crashed between the read and the write
    assert store.load() is None
    again = _poll(_target(gateway.url, store))
    assert _seqnums(again) == _seqnums(lost) and len(_seqnums(again)) > 0


def test_the_filter_keeps_priority_and_units_and_the_cursor_still_advances(
    gateway: GatewaydSim, journal: ClusterJournal, clock: Clock, site: Site, tmp_path: Path
) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    outcome = _poll(_target(gateway.url, store, EntryFilter(3)))
    rows = outcome.results[0].rows
    assert rows and all(r["priority"] is None or int(str(r["priority"])) <= 3 for r in rows)
    crash = [r for r in rows if "CrashLoopBackOff" in str(r["message"])]
    assert len(crash) == 12 and {r["unit"] for r in crash} == {"k3s-agent.service"}
    assert store.load() == journal.entries("pi1", site.start, clock.t)[-1].cursor


def test_a_rotated_cursor_resumes_from_the_oldest_entry_and_says_so(
    journal: ClusterJournal, clock: Clock, site: Site, tmp_path: Path
) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    old = journal.entries("pi1", site.start, site.start + timedelta(hours=1))[5]
    store.save(old.cursor)
    rotated = site.start + timedelta(hours=3)
    with GatewaydSim(journal, "pi1", clock, retained_from=rotated) as sim:
        outcome = _poll(_target(sim.url, store))
    oldest_left = journal.entries("pi1", rotated, clock.t)[0]
    assert _seqnums(outcome)[0] == oldest_left.seqnum
    (gap,) = outcome.errors  # the gap recorded: how many entries, written between when and when
    assert f": {oldest_left.seqnum - old.seqnum - 1} entries between are lost" in str(gap)
    assert f"written {datetime.fromtimestamp(old.realtime_us // 10**6, UTC).isoformat()}" in str(gap)


def test_a_cursor_of_another_journal_is_refused_and_the_follow_starts_over(
    gateway: GatewaydSim, journal: ClusterJournal, clock: Clock, site: Site, tmp_path: Path
) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    store.save("s=00000000000000000000000000000000;i=5;b=00;m=1;t=1;x=1")
    outcome = _poll(_target(gateway.url, store))
    assert any("not in the journal" in str(e) for e in outcome.errors)
    assert _seqnums(outcome) == [e.seqnum for e in journal.entries("pi1", site.start, clock.t)]
    assert store.load() is not None and store.load() != "s=00000000000000000000000000000000;i=5;b=00;m=1;t=1;x=1"


def test_entries_written_while_following_arrive_in_the_same_poll(
    gateway: GatewaydSim, journal: ClusterJournal, clock: Clock, site: Site, tmp_path: Path
) -> None:
    store = CursorStore(tmp_path / "pi1.cursor")
    start = clock.t

    async def run() -> PollOutcome:
        target = _target(gateway.url, store)
        task = asyncio.create_task(target.poll())
        await asyncio.sleep(0.1)
        clock.t = start + timedelta(minutes=30)  # the node keeps logging while we follow
        try:
            return await task
        finally:
            await target.aclose()

    outcome = asyncio.run(run())
    assert _seqnums(outcome) == [e.seqnum for e in journal.entries("pi1", site.start, start + timedelta(minutes=30))]


def test_a_dropped_follow_keeps_the_complete_lines_and_their_cursor(
    journal: ClusterJournal, site: Site, tmp_path: Path
) -> None:
    entries = journal.entries("pi1", site.start, site.start + timedelta(hours=1))
    body = b"".join(entry_json(e) for e in entries[:5]) + entry_json(entries[5])[:40]

    class Dropped(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield body
            raise httpx.ReadError("connection reset by peer")

    transport = httpx.MockTransport(lambda _r: httpx.Response(200, stream=Dropped()))
    store = CursorStore(tmp_path / "pi1.cursor")
    outcome = _poll(_target("http://192.0.2.1:19531", store, transport=transport))
    assert _seqnums(outcome) == [e.seqnum for e in entries[:5]]
    assert len(outcome.errors) == 1 and "follow ended" in str(outcome.errors[0])
    assert store.load() == entries[4].cursor


def test_a_message_of_several_megabytes_is_cut_not_fatal(journal: ClusterJournal, site: Site, tmp_path: Path) -> None:
    entry = journal.entries("pi1", site.start, site.start + timedelta(hours=1))[0]
    huge = orjson.loads(entry_json(entry)) | {"MESSAGE": "x" * (5 << 20)}
    transport = httpx.MockTransport(lambda _r: httpx.Response(200, content=orjson.dumps(huge) + b"\n"))
    outcome = _poll(_target("http://192.0.2.1:19531", CursorStore(tmp_path / "pi1.cursor"), transport=transport))
    (row,) = outcome.results[0].rows
    assert row["is_message_truncated"] is True and row["message_bytes"] == 5 << 20
    assert len(str(row["message"])) == MAX_MESSAGE_CHARS


def test_an_html_page_is_a_clear_error_and_the_cursor_stays(tmp_path: Path) -> None:
    page = httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html><body>Sign in</body></html>")
    store = CursorStore(tmp_path / "pi1.cursor")
    store.save("s=1;i=2")
    target = _target("http://192.0.2.1:19531", store, transport=httpx.MockTransport(lambda _r: page))
    outcome = _poll(target)
    assert outcome.row_count == 0 and len(outcome.errors) == 1 and "HTML" in str(outcome.errors[0])
    assert not target.is_transient(outcome.errors[0]) and store.load() == "s=1;i=2"


def test_a_server_error_is_a_transient_error_not_a_crash(tmp_path: Path) -> None:
    failing = httpx.MockTransport(lambda _r: httpx.Response(503, content=b"Service Unavailable"))
    target = _target("http://192.0.2.1:19531", CursorStore(tmp_path / "pi1.cursor"), transport=failing)
    outcome = _poll(target)
    assert outcome.row_count == 0 and "HTTP 503" in str(outcome.errors[0]) and target.is_transient(outcome.errors[0])


def test_a_gateway_that_times_out_is_transient_and_the_cursor_stays(tmp_path: Path) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    store = CursorStore(tmp_path / "pi1.cursor")
    store.save("s=1;i=2")
    target = _target("http://192.0.2.1:19531", store, transport=httpx.MockTransport(hang))
    outcome = _poll(target)
    assert outcome.row_count == 0 and len(outcome.errors) == 1 and "ConnectTimeout" in str(outcome.errors[0])
    assert target.is_transient(outcome.errors[0]) and store.load() == "s=1;i=2"
