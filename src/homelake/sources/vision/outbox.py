"""The durable outbox: one SQLite (WAL) row per image, keyed by its sha256, with leases, budget and the lake rows
still to be written. Every state change is one transaction, so a SIGKILL loses at most an unanswered call."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

SCHEMA = """
create table if not exists jobs (
    sha256 text primary key,
    camera text not null,
    path text not null,           -- the image file, absolute
    taken_at text not null,       -- ISO UTC
    provider text not null,
    state text not null,          -- queued | leased | done | dead | parse_failed | skipped_budget
    attempts integer not null default 0,
    next_at text not null,        -- ISO UTC: not before
    lease_until text,
    reason text,
    result text,                  -- the canonical detections as JSON, once done
    created_at text not null
);
create index if not exists jobs_due on jobs (state, next_at);
create table if not exists budget (
    provider text not null, day text not null, calls integer not null, cost_usd real not null,
    primary key (provider, day)
);
create table if not exists rows (id integer primary key autoincrement, dataset text not null, row blob not null);
"""

TERMINAL = ("done", "dead", "parse_failed")


def skip_reason(day: str) -> str:
    return f"budget of {day} spent"


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class Job:
    sha256: str
    camera: str
    path: str
    taken_at: datetime
    provider: str
    attempts: int


class Outbox:
    """A thread-safe handle on the outbox file (one connection, one lock: the writes are tiny)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("pragma journal_mode=wal")
        # WAL + NORMAL: a commit survives a killed process (SIGKILL, OOM); a power cut may lose the last few,
        # which then are sent again (at least once). FULL would fsync every commit: 20x slower on an SD card.
        self._db.execute("pragma synchronous=normal")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("begin immediate")
            try:
                yield self._db
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")

    def enqueue(  # noqa: PLR0913 - the job's columns
        self,
        sha256: str,
        *,
        camera: str,
        path: str,
        taken_at: datetime,
        provider: str,
        now: datetime,
        withheld: str | None = None,
    ) -> bool:
        """Queue an image once: False when its sha256 is already known (whatever its state). `withheld` records
        it as never to be sent (a privacy rule held when it was taken), so that it is not reconsidered."""
        with self._tx() as db:
            cursor = db.execute(
                "insert or ignore into jobs (sha256, camera, path, taken_at, provider, state, next_at, created_at, "
                "reason) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sha256,
                    camera,
                    path,
                    _iso(taken_at),
                    provider,
                    "withheld" if withheld else "queued",
                    _iso(now),
                    _iso(now),
                    withheld,
                ),
            )
            return cursor.rowcount == 1

    def lease(  # noqa: PLR0913 - the budget's limits travel with the lease so that both are one transaction
        self,
        now: datetime,
        *,
        day: str,
        lease_s: float,
        limit: int,
        caps: dict[str, tuple[int | None, float | None]],
        cost: dict[str, float],
    ) -> tuple[list[Job], list[Job]]:
        """Due jobs (queued and due, or leased with an expired lease: their worker died) up to `limit`, each with
        one call reserved in its provider's `day` budget. Returns (leased, skipped over the budget)."""
        leased: list[Job] = []
        skipped: list[Job] = []
        with self._tx() as db:
            # a dead worker's jobs (leased, lease run out) first: they have waited longest
            candidates = db.execute(
                "select sha256, camera, path, taken_at, provider, attempts from jobs "
                "where (state = 'queued' and next_at <= ?) or (state = 'leased' and lease_until <= ?) "
                "order by state = 'leased' desc, next_at, taken_at, sha256 limit ?",
                (_iso(now), _iso(now), limit),
            ).fetchall()
            for sha, camera, path, taken_at, provider, attempts in candidates:
                job = Job(sha, camera, path, _dt(taken_at), provider, attempts + 1)
                max_calls, max_cost = caps.get(provider, (None, None))
                row = db.execute(
                    "select calls, cost_usd from budget where provider = ? and day = ?", (provider, day)
                ).fetchone() or (0, 0.0)
                price = cost.get(provider, 0.0)
                if (max_calls is not None and row[0] + 1 > max_calls) or (
                    max_cost is not None and row[1] + price > max_cost + 1e-12
                ):
                    db.execute(
                        "update jobs set state = 'skipped_budget', reason = ? where sha256 = ?", (skip_reason(day), sha)
                    )
                    skipped.append(job)
                    continue
                db.execute(
                    "insert into budget values (?, ?, 1, ?) on conflict (provider, day) do update "
                    "set calls = calls + 1, cost_usd = cost_usd + excluded.cost_usd",
                    (provider, day, price),
                )
                lease_until = datetime.fromtimestamp(now.timestamp() + lease_s, UTC)
                db.execute(
                    "update jobs set state = 'leased', attempts = attempts + 1, lease_until = ? where sha256 = ?",
                    (_iso(lease_until), sha),
                )
                leased.append(job)
        return leased, skipped

    def finish(  # noqa: PLR0913 - one transaction: the job's final state, the budget and its lake rows
        self,
        job: Job,
        state: str,
        *,
        day: str,
        refund: float | None,
        reason: str | None = None,
        result: object = None,
        rows: list[tuple[str, dict[str, Any]]] = (),  # type: ignore[assignment]
        next_at: datetime | None = None,
    ) -> None:
        """Record the outcome of a lease once: terminal (done, dead, parse_failed) or back to `queued` at `next_at`.
        `refund` gives the reserved call back (the provider did not bill it)."""
        with self._tx() as db:
            current = db.execute("select state, attempts from jobs where sha256 = ?", (job.sha256,)).fetchone()
            if current is None or tuple(current) != ("leased", job.attempts):
                return  # our lease expired and another worker holds (or recorded) the job: its outcome counts
            db.execute(
                "update jobs set state = ?, reason = ?, result = ?, next_at = coalesce(?, next_at), "
                "lease_until = null where sha256 = ?",
                (
                    state,
                    reason,
                    None if result is None else orjson.dumps(result).decode(),
                    _iso(next_at) if next_at else None,
                    job.sha256,
                ),
            )
            if refund is not None:
                db.execute(
                    "update budget set calls = calls - 1, cost_usd = cost_usd - ? where provider = ? and day = ?",
                    (refund, job.provider, day),
                )
            db.executemany(
                "insert into rows (dataset, row) values (?, ?)", [(dataset, orjson.dumps(row)) for dataset, row in rows]
            )

    def add_rows(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        with self._tx() as db:
            db.executemany(
                "insert into rows (dataset, row) values (?, ?)", [(dataset, orjson.dumps(row)) for dataset, row in rows]
            )

    def pending_rows(self, limit: int = 5000) -> list[tuple[int, str, dict[str, Any]]]:
        """Lake rows not yet confirmed durable (re-offered after a crash: dbt keeps one per key)."""
        with self._lock:
            found = self._db.execute("select id, dataset, row from rows order by id limit ?", (limit,)).fetchall()
        return [(rid, dataset, orjson.loads(row)) for rid, dataset, row in found]

    def confirm_rows(self, up_to_id: int) -> None:
        with self._tx() as db:
            db.execute("delete from rows where id <= ?", (up_to_id,))

    def release_skipped(self, now: datetime, providers: list[str], *, today: str) -> int:
        """Jobs of `providers` skipped over the budget of a day before `today` go back to the queue."""
        with self._tx() as db:
            return sum(
                db.execute(
                    "update jobs set state = 'queued', next_at = ?, reason = null "
                    "where state = 'skipped_budget' and provider = ? and reason <> ?",
                    (_iso(now), name, skip_reason(today)),
                ).rowcount
                for name in providers
            )

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("select state, count(*) from jobs group by state").fetchall())

    def spent(self, provider: str, day: str) -> tuple[int, float]:
        with self._lock:
            row = self._db.execute(
                "select calls, cost_usd from budget where provider = ? and day = ?", (provider, day)
            ).fetchone()
        return (int(row[0]), float(row[1])) if row else (0, 0.0)

    def job(self, sha256: str) -> dict[str, Any] | None:
        with self._lock:
            cursor = self._db.execute("select * from jobs where sha256 = ?", (sha256,))
            row = cursor.fetchone()
            return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None
