"""The outbox on its own: one job per sha256, an expired lease taken over, the stale worker's outcome ignored,
the budget reserved with the lease and given back for calls that were not billed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from homelake.sources.vision.config import VisionFamily
from homelake.sources.vision.outbox import Outbox
from homelake.sources.vision.target import withheld_reason
from tests.sources.vision.conftest import DAY

T0 = DAY + timedelta(hours=9)
CAPS: dict[str, tuple[int | None, float | None]] = {"p": (2, None)}
COST = {"p": 0.5}


def _outbox(tmp: Path) -> Outbox:
    outbox = Outbox(tmp / "outbox.sqlite")
    for sha in ("a", "b", "c"):
        outbox.enqueue(sha, camera="cam", path=f"/x/{sha}.jpg", taken_at=T0, provider="p", now=T0)
    return outbox


def test_an_expired_lease_is_taken_over_and_the_stale_outcome_ignored(tmp_path: Path) -> None:
    outbox = _outbox(tmp_path)
    assert not outbox.enqueue("a", camera="cam", path="/y.jpg", taken_at=T0, provider="p", now=T0)
    (first,), skipped = outbox.lease(T0, day="d", lease_s=60, limit=1, caps=CAPS, cost=COST)
    assert first.sha256 == "a" and first.attempts == 1 and skipped == []
    assert outbox.lease(T0 + timedelta(seconds=30), day="d", lease_s=60, limit=1, caps={}, cost={})[0][0].sha256 == "b"
    # the first worker died: after its lease ran out the job is leased again (attempt 2) ...
    (again,), _ = outbox.lease(T0 + timedelta(seconds=61), day="d2", lease_s=60, limit=1, caps={}, cost={})
    assert again.sha256 == "a" and again.attempts == 2
    # ... and if the first worker was only slow, what it records now is ignored: the second lease decides
    outbox.finish(first, "done", day="d", refund=None, result=["stale"], rows=[("vision/requests", {"n": 1})])
    assert outbox.job("a")["state"] == "leased" and outbox.pending_rows() == []  # type: ignore[index]
    outbox.finish(again, "done", day="d2", refund=None, result=["fresh"], rows=[("vision/requests", {"n": 2})])
    assert outbox.job("a")["result"] == '["fresh"]'  # type: ignore[index]
    assert [r for _, _, r in outbox.pending_rows()] == [{"n": 2}]
    outbox.close()


def test_the_budget_is_reserved_with_the_lease_and_refunded_when_not_billed(tmp_path: Path) -> None:
    outbox = _outbox(tmp_path)
    leased, skipped = outbox.lease(T0, day="d", lease_s=60, limit=3, caps=CAPS, cost=COST)
    assert [j.sha256 for j in leased] == ["a", "b"] and [j.sha256 for j in skipped] == ["c"]
    assert outbox.spent("p", "d") == (2, 1.0)
    outbox.finish(leased[0], "queued", day="d", refund=0.5, next_at=T0 + timedelta(minutes=1))  # a 429
    assert outbox.spent("p", "d") == (1, 0.5)
    assert outbox.release_skipped(T0, ["p"], today="d") == 0  # skipped today: stays skipped today
    assert outbox.release_skipped(T0, ["p"], today="d+1") == 1
    assert outbox.counts() == {"queued": 2, "leased": 1}
    outbox.close()


def test_quiet_hours_wrap_midnight_and_off_means_never(tmp_path: Path) -> None:
    tz = ZoneInfo("Europe/Berlin")
    config = VisionFamily.model_validate({
        "enabled": True, "outbox": str(tmp_path / "o.sqlite"),
        "providers": [{"name": "p", "kind": "google"}],
        "cameras": [{"name": "cam", "quiet_hours": [23, 6]}],
    })  # fmt: skip
    local = DAY.astimezone(tz).replace(hour=0)
    assert [h for h in range(24) if withheld_reason(config, "cam", local.replace(hour=h), tz)] == [
        0, 1, 2, 3, 4, 5, 23]  # fmt: skip
    assert withheld_reason(config, "other", local, tz) == "camera not opted in"
    off = config.model_copy(update={"enabled": False})
    assert withheld_reason(off, "cam", local.replace(hour=12), tz) == "vision is off"
