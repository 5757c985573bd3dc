"""The archive backfill's memory on disk: days already fetched, the day's call budget and any `Retry-After`."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class ArchiveState:
    """Kept in `<state dir>/openmeteo/<location>.archive.json` (memory only without a state dir), so a restart
    never asks the archive for a day it already has, nor spends the day's budget twice."""

    path: Path | None
    done: set[date] = field(default_factory=set)  # days fetched from the archive and durable in the lake
    budget_day: date | None = None  # the UTC day `calls_used` counts
    calls_used: float = 0.0  # weighted calls (see client.call_weight)
    not_before: datetime | None = None  # from a 429's Retry-After: no archive request before it

    @classmethod
    def load(cls, path: Path | None) -> ArchiveState:
        state = cls(path)
        if path is None or not path.exists():
            return state
        try:
            data = json.loads(path.read_text())
            state.done = {date.fromisoformat(day) for day in data.get("done", [])}
            state.budget_day = date.fromisoformat(data["budget_day"]) if data.get("budget_day") else None
            state.calls_used = float(data.get("calls_used", 0.0))
            state.not_before = datetime.fromisoformat(data["not_before"]) if data.get("not_before") else None
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            # a damaged cache costs at most a refetch (the lake is still read for gaps): say so and start afresh
            log.warning("open-meteo archive state unreadable, starting afresh path=%s error=%s", path, exc)
            return cls(path)
        return state

    def save(self) -> None:
        if self.path is None:
            return
        data = {
            "done": sorted(day.isoformat() for day in self.done),
            "budget_day": self.budget_day.isoformat() if self.budget_day else None,
            "calls_used": round(self.calls_used, 3),
            "not_before": self.not_before.isoformat() if self.not_before else None,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w") as handle:
            json.dump(data, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)

    def spend(self, now: datetime, weight: float, budget: float) -> bool:
        """Count `weight` calls against today's (UTC) budget; False, and nothing counted, when it would overrun."""
        today = now.date()
        if self.budget_day != today:
            self.budget_day, self.calls_used = today, 0.0
        if self.calls_used + weight > budget:
            return False
        self.calls_used += weight
        self.save()  # before the request: a crash right after it must not let the call be forgotten
        return True

    def mark_done(self, days: set[date], keep_from: date) -> None:
        """Days now durable in the lake; days before `keep_from` (out of the backfill range) are forgotten."""
        self.done = {day for day in self.done | days if day >= keep_from}
        self.save()
