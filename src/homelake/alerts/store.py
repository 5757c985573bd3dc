"""The alert state store: one SQLite file with every alert ever opened (history), the spool of notifications
not yet delivered, and what the previous evaluation saw (e.g. dead-letter counts). See ADR 0012."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA = """
create table if not exists alerts (
    id integer primary key autoincrement,
    key text not null,              -- stable: rule/subject, e.g. collector_failing/<family>/<device>
    rule text not null,
    title text not null,
    message text not null,          -- the latest wording of the condition
    since_at text,                  -- when the data says the condition began (UTC ISO), if it says
    opened_at text not null,        -- when an evaluation first saw it (UTC ISO)
    closed_at text,                 -- when an evaluation first saw it clear; null while open
    last_notified_at text,
    notify_count integer not null default 0
);
create unique index if not exists alerts_one_open_per_key on alerts (key) where closed_at is null;
create table if not exists outbox (
    id integer primary key autoincrement,
    alert_id integer not null references alerts (id),
    channel text not null,          -- apprise:<target name> or mqtt
    event text not null,            -- opened, reminder, closed
    title text not null,
    body text not null,
    payload text not null,          -- JSON state for MQTT
    created_at text not null,
    attempts integer not null default 0,
    last_error text,
    sent_at text
);
create table if not exists memo (name text primary key, value text not null);
"""


@dataclass(frozen=True)
class Alert:
    id: int
    key: str
    rule: str
    title: str
    message: str
    since_at: datetime | None
    opened_at: datetime
    closed_at: datetime | None
    last_notified_at: datetime | None
    notify_count: int


@dataclass(frozen=True)
class Notification:
    id: int
    alert_id: int
    channel: str
    event: str
    title: str
    body: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _alert(row: sqlite3.Row) -> Alert:
    opened = _dt(row["opened_at"])
    assert opened is not None
    return Alert(
        row["id"], row["key"], row["rule"], row["title"], row["message"], _dt(row["since_at"]), opened,
        _dt(row["closed_at"]), _dt(row["last_notified_at"]), row["notify_count"],
    )  # fmt: skip


class AlertStore:
    """`with AlertStore(path) as store:` - every change is committed when the block ends (one transaction)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = sqlite3.connect(path, timeout=30)
        self.con.row_factory = sqlite3.Row
        self.con.execute("pragma journal_mode = wal")
        self.con.executescript(SCHEMA)

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.con.commit()
        else:
            self.con.rollback()
        self.con.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            yield
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    # --- alerts -------------------------------------------------------------------------------------
    def open_alerts(self) -> dict[str, Alert]:
        rows = self.con.execute("select * from alerts where closed_at is null order by id").fetchall()
        return {row["key"]: _alert(row) for row in rows}

    def history(self) -> list[Alert]:
        return [_alert(row) for row in self.con.execute("select * from alerts order by id").fetchall()]

    def open(self, *, key: str, rule: str, title: str, message: str, since_at: datetime | None, at: datetime) -> Alert:
        cur = self.con.execute(
            "insert into alerts (key, rule, title, message, since_at, opened_at) values (?, ?, ?, ?, ?, ?)",
            (key, rule, title, message, _iso(since_at), _iso(at)),
        )
        row = self.con.execute("select * from alerts where id = ?", (cur.lastrowid,)).fetchone()
        return _alert(row)

    def update_message(self, alert_id: int, message: str) -> None:
        self.con.execute("update alerts set message = ? where id = ?", (message, alert_id))

    def close(self, alert_id: int, at: datetime) -> None:
        self.con.execute("update alerts set closed_at = ? where id = ?", (_iso(at), alert_id))

    def notified(self, alert_id: int, at: datetime) -> None:
        self.con.execute(
            "update alerts set last_notified_at = ?, notify_count = notify_count + 1 where id = ?", (_iso(at), alert_id)
        )

    # --- the spool ----------------------------------------------------------------------------------
    def enqueue(  # noqa: PLR0913 - one row's columns
        self, alert_id: int, channel: str, event: str, title: str, body: str, payload: dict[str, Any], at: datetime
    ) -> None:
        self.con.execute(
            "insert into outbox (alert_id, channel, event, title, body, payload, created_at)"
            " values (?, ?, ?, ?, ?, ?, ?)",
            (alert_id, channel, event, title, body, json.dumps(payload), _iso(at)),
        )

    def pending(self) -> list[Notification]:
        rows = self.con.execute("select * from outbox where sent_at is null order by id").fetchall()
        return [
            Notification(
                row["id"],
                row["alert_id"],
                row["channel"],
                row["event"],
                row["title"],
                row["body"],
                json.loads(row["payload"]),
                _dt(row["created_at"]) or datetime.min,
                row["attempts"],
            )  # fmt: skip
            for row in rows
        ]

    def sent(self, notification_id: int, at: datetime) -> None:
        self.con.execute(
            "update outbox set sent_at = ?, attempts = attempts + 1, last_error = null where id = ?",
            (_iso(at), notification_id),
        )

    def failed(self, notification_id: int, error: str) -> None:
        self.con.execute(
            "update outbox set attempts = attempts + 1, last_error = ? where id = ?", (error[:500], notification_id)
        )

    # --- memo ---------------------------------------------------------------------------------------
    def recall(self, name: str) -> Any:
        row = self.con.execute("select value from memo where name = ?", (name,)).fetchone()
        return json.loads(row["value"]) if row else None

    def remember(self, name: str, value: Any) -> None:
        self.con.execute(
            "insert into memo (name, value) values (?, ?) on conflict (name) do update set value = excluded.value",
            (name, json.dumps(value)),
        )
