"""`homelake collect` following a real gatewayd: SIGKILL mid-stream loses nothing, and a 24-hour outage is caught up."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
import yaml

from homelake.sim.model.cluster import cluster_for
from homelake.sim.model.cluster_journal import ClusterJournal, JournalEntry
from homelake.sim.model.site import build_site
from tests.sources.journald.real_gateway import RealGateway, missing_tools, write_journal

pytestmark = pytest.mark.integration
HOMELAKE = str(Path(sys.executable).parent / "homelake")


@pytest.fixture(scope="module")
def entries() -> list[JournalEntry]:
    site = build_site()
    journal = ClusterJournal(cluster_for(site.start, site.seed))
    return journal.entries("pi2", site.start, site.start + timedelta(hours=26))  # OOM kill, under-voltage


@pytest.fixture(scope="module")
def gateway(entries: list[JournalEntry], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealGateway]:
    if missing_tools():
        pytest.fail(f"missing {', '.join(missing_tools())}: run ./scripts/ensure-tools (systemd-journal-remote)")
    real = RealGateway(write_journal(entries, tmp_path_factory.mktemp("journal"), "pi2"))
    yield real
    real.stop()


def _site_file(folder: Path, url: str) -> Path:
    config = {
        "site": {"timezone": "UTC"},
        "lake": {"root": str(folder / "lake"), "flush_age_s": 0.2},
        "collect": {"interval_s": 0.2, "jitter": 0, "timeout_s": 5},
        "journald": {"max_priority": 7, "max_entries": 40, "quiet_s": 0.3, "cursor_dir": str(folder / "cursors"),
                     "nodes": [{"name": "pi2", "url": url}]},
    }  # fmt: skip
    path = folder / "site.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _collect(site_file: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HOMELAKE_CONFIG": str(site_file)}
    return subprocess.Popen(  # noqa: S603  # our own CLI
        [HOMELAKE, "collect", "--source", "journald", *extra], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _landed(folder: Path) -> list[str]:
    glob = folder / "lake" / "raw" / "journald" / "entries" / "*" / "*.parquet"
    return [row[0] for row in duckdb.connect().execute(f"select cursor from read_parquet('{glob}')").fetchall()]


def _realtimes(folder: Path) -> list[int]:
    glob = folder / "lake" / "raw" / "journald" / "entries" / "*" / "*.parquet"
    sql = f"select distinct epoch_us(observed_at) as t from read_parquet('{glob}') order by t"
    return [row[0] for row in duckdb.connect().execute(sql).fetchall()]


def test_a_sigkill_mid_stream_loses_no_entry_and_dedup_leaves_each_once(
    gateway: RealGateway, entries: list[JournalEntry], tmp_path: Path
) -> None:
    site_file = _site_file(tmp_path, gateway.url)
    first = _collect(site_file)
    cursor = tmp_path / "cursors" / "pi2.cursor"
    deadline = time.monotonic() + 60
    while not cursor.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # some batches later, in the middle of a follow
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = len(set(_landed(tmp_path)))
    assert 0 < killed_at < len(entries), "the kill should land mid-way; make max_entries smaller"
    second = _collect(site_file, "--duration", "5")
    assert second.wait(timeout=60) == 0
    cursors = _landed(tmp_path)
    assert len(set(cursors)) == len(entries)  # every entry, once after dedup by cursor
    assert _realtimes(tmp_path) == [e.realtime_us for e in entries]


def test_after_a_24_hour_outage_every_entry_of_those_hours_is_collected(
    gateway: RealGateway, entries: list[JournalEntry], tmp_path: Path
) -> None:
    # the collector stopped 24 hours before the journal's last entry: its durable cursor is the entry before those
    cut = next(i for i, e in enumerate(entries) if e.realtime_us >= entries[-1].realtime_us - 24 * 3600 * 10**6)
    answer = httpx.get(
        f"{gateway.url}/entries", headers={"Accept": "application/json", "Range": f"entries=:{cut - 1}:1"}
    )
    (tmp_path / "cursors").mkdir()
    (tmp_path / "cursors" / "pi2.cursor").write_text(json.loads(answer.content)["__CURSOR"] + "\n")
    catch_up = _collect(_site_file(tmp_path, gateway.url), "--duration", "4")
    assert catch_up.wait(timeout=60) == 0
    assert _realtimes(tmp_path) == [e.realtime_us for e in entries[cut:]]  # all of the 24 hours, nothing older
    assert len(_landed(tmp_path)) == len(entries) - cut  # each once
