"""The outbox and the worker pool against the simulated cloud: once per image, retries with backoff honouring
Retry-After, dead letters with their reason, parse failures kept with the text, budget caps, privacy switches."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.sources.base import FamilyContext
from homelake.sources.vision import SPEC
from homelake.sources.vision.outbox import Outbox
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.simulator import Fault, Noise, VisionServer
from homelake.sources.vision.target import VisionTarget, submit
from homelake.sources.vision.worker import Worker
from tests.sources.vision.conftest import DAY, FakeClock, family, land_snapshot, provider_config

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("credentials")]
TZ = ZoneInfo("Europe/Berlin")
NOON = DAY + timedelta(hours=11)


def _images(tmp: Path, jpeg: bytes, count: int) -> list[Path]:
    """`count` distinct JPEGs (the same picture with a different trailing comment byte each)."""
    out = []
    for i in range(count):
        path = tmp / "media" / "hikvision" / "cam-front" / f"img{i}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jpeg[:-2] + bytes([0xFF, 0xFE, 0x00, 0x03, i % 256]) + jpeg[-2:] if i else jpeg)
        out.append(path)
    return out


@pytest.fixture(autouse=True)
def _closing() -> Iterator[list[Worker | VisionTarget]]:
    """Every worker and target a test makes is closed after it (their HTTP clients hold sockets)."""
    OPEN.clear()
    yield OPEN
    for item in OPEN:
        if isinstance(item, VisionTarget):
            asyncio.run(item.aclose())
        else:
            for provider in item.providers.values():
                provider.close()
            item.outbox.close()


OPEN: list[Worker | VisionTarget] = []


def _worker(cloud: VisionServer, tmp: Path, clock: FakeClock, kind: str = "rekognition", **extra: object) -> Worker:
    provider_extra = {
        k: v for k, v in extra.items() if k in ("daily_max_calls", "daily_max_cost_usd", "send_skipped_next_day")
    }
    config = family(
        [provider_config(cloud, kind, **provider_extra)],
        ["cam-front"],
        tmp,
        **{k: v for k, v in extra.items() if k not in provider_extra},
    )
    providers = {p.name: build_provider(p) for p in config.providers}
    worker = Worker(config, providers, Outbox(config.outbox), local_tz=TZ, clock=clock, sleep=clock.sleep)
    OPEN.append(worker)
    return worker


def _submit(worker: Worker, paths: list[Path], clock: FakeClock) -> None:
    for path in paths:
        submit(worker.outbox, worker.config, path=path, camera="cam-front", taken_at=clock(), now=clock(), local_tz=TZ)


def test_an_image_is_queued_and_analysed_once(cloud: VisionServer, a_person: bytes, tmp_path: Path) -> None:
    clock = FakeClock(NOON)
    worker = _worker(cloud, tmp_path, clock)
    (path,) = _images(tmp_path, a_person, 1)
    copy = path.with_name("copy.jpg")
    copy.write_bytes(a_person)  # the same picture under another name: the same sha256, the same job
    assert submit(worker.outbox, worker.config, path=path, camera="cam-front", taken_at=NOON, now=NOON, local_tz=TZ)
    assert not submit(worker.outbox, worker.config, path=copy, camera="cam-front", taken_at=NOON, now=NOON, local_tz=TZ)
    assert worker.run_due() == 1 and worker.run_due() == 0
    sha = hashlib.sha256(a_person).hexdigest()
    assert cloud.tally.requests[("rekognition", sha)] == 1 and worker.outbox.counts() == {"done": 1}
    rows = worker.outbox.pending_rows()
    assert [(d, r["status"]) for _, d, r in rows if d == "vision/requests"] == [("vision/requests", "ok")]
    assert [r["label"] for _, d, r in rows if d == "vision/detections" and r["provider_label"] == "Person"] == [
        "person"
    ]
    worker.outbox.confirm_rows(rows[-1][0])
    assert worker.outbox.pending_rows() == []


def test_throttling_and_5xx_are_retried_with_backoff_honouring_retry_after(
    cloud: VisionServer, a_person: bytes, tmp_path: Path
) -> None:
    clock = FakeClock(NOON)
    worker = _worker(cloud, tmp_path, clock, "google", attempts_per_lease=3, requeue_s=30.0)
    cloud.clock = clock  # the faults run on the test's clock
    cloud.faults = [
        Fault(NOON, NOON + timedelta(seconds=100), "429", retry_after_s=20),
        Fault(NOON + timedelta(seconds=100), NOON + timedelta(seconds=200), "500"),
    ]
    _submit(worker, _images(tmp_path, a_person, 1), clock)
    while worker.outbox.counts().get("done") != 1:
        worker.run_due()
        clock.set(clock() + timedelta(seconds=15))  # the poll interval
    throttled_waits = [s for s in clock.slept if s >= 20]
    assert throttled_waits, "Retry-After: 20 was not honoured"
    assert cloud.tally.statuses[("google", 429)] >= 3 and cloud.tally.statuses[("google", 500)] >= 1
    assert sum(cloud.tally.answered.values()) == 1
    statuses = [r["status"] for _, d, r in worker.outbox.pending_rows() if d == "vision/requests"]
    assert statuses[-1] == "ok" and set(statuses[:-1]) == {"retry"}
    assert worker.outbox.spent("google", "2026-12-07") == (1, pytest.approx(0.003))  # failed calls cost nothing


def test_a_bad_image_is_dead_lettered_with_its_reason_without_retrying(cloud: VisionServer, tmp_path: Path) -> None:
    clock = FakeClock(NOON)
    worker = _worker(cloud, tmp_path, clock, "openai")
    path = tmp_path / "media" / "broken.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"GIF89a not a jpeg")
    submit(worker.outbox, worker.config, path=path, camera="cam-front", taken_at=NOON, now=NOON, local_tz=TZ)
    worker.run_due()
    job = worker.outbox.job(hashlib.sha256(path.read_bytes()).hexdigest())
    assert job is not None and job["state"] == "dead" and "400" in job["reason"] and "Invalid image" in job["reason"]
    assert sum(cloud.tally.requests.values()) == 1


def test_a_prose_answer_is_a_parse_failure_kept_with_its_text(a_person: bytes, tmp_path: Path) -> None:
    server = VisionServer(noise=Noise(prose_rate=1.0))
    server.start()
    try:
        clock = FakeClock(NOON)
        worker = _worker(server, tmp_path, clock, "openai")
        _submit(worker, _images(tmp_path, a_person, 1), clock)
        worker.run_due()
        assert worker.outbox.counts() == {"parse_failed": 1}
        (row,) = [r for _, d, r in worker.outbox.pending_rows() if d == "vision/requests"]
        assert row["status"] == "parse_error" and "driveway" in row["error_message"] and row["cost_usd"] > 0
        assert sum(server.tally.requests.values()) == 1  # billed once, never retried
    finally:
        server.stop()


def test_the_daily_budget_is_respected_exactly(cloud: VisionServer, a_person: bytes, tmp_path: Path) -> None:
    clock = FakeClock(NOON)
    worker = _worker(cloud, tmp_path, clock, daily_max_calls=5, send_skipped_next_day=True, concurrency=3)
    _submit(worker, _images(tmp_path, a_person, 8), clock)
    worker.run_due()
    assert worker.outbox.counts() == {"done": 5, "skipped_budget": 3}
    assert sum(cloud.tally.answered.values()) == 5 and worker.outbox.spent("rekognition", "2026-12-07")[0] == 5
    skipped = [r for _, d, r in worker.outbox.pending_rows() if r.get("status") == "skipped_budget"]
    assert len(skipped) == 3
    clock.set(DAY + timedelta(days=1, hours=8))  # the next day: sent then, as configured
    worker.run_due()
    assert worker.outbox.counts() == {"done": 8} and sum(cloud.tally.answered.values()) == 8


def test_cost_cap(cloud: VisionServer, a_person: bytes, tmp_path: Path) -> None:
    clock = FakeClock(NOON)
    worker = _worker(cloud, tmp_path, clock, "google", daily_max_cost_usd=0.01)  # $0.003 a call: 3 calls
    _submit(worker, _images(tmp_path, a_person, 5), clock)
    worker.run_due()
    assert worker.outbox.counts() == {"done": 3, "skipped_budget": 2}


def _target(cloud: VisionServer, tmp: Path, clock: FakeClock, **extra: object) -> VisionTarget:
    config = family([provider_config(cloud, "rekognition")], ["cam-front"], tmp, media_dir=str(tmp / "media"), **extra)
    providers = {p.name: build_provider(p) for p in config.providers}
    target = VisionTarget(
        config, providers, local_tz=TZ, interval_s=10, timeout_s=5, clock=clock, lake_root=tmp / "lake"
    )
    target.worker.sleep = target.worker.rate.sleep = clock.sleep
    OPEN.append(target)
    return target


def _today(tmp: Path, camera: str, jpeg: bytes, target_type: str = "human", trigger: str = "episode_start") -> None:
    land_snapshot(tmp, camera, jpeg, NOON, target_type=target_type, trigger=trigger)


def test_the_target_queues_new_snapshots_and_hands_rows_to_the_poller(
    cloud: VisionServer, a_person: bytes, tmp_path: Path
) -> None:
    clock = FakeClock(NOON)
    target = _target(cloud, tmp_path, clock)
    _today(tmp_path, "cam-front", a_person[:-2] + b"\xff\xfe\x00\x03s" + a_person[-2:], trigger="scheduled")
    _today(tmp_path, "cam-front", a_person[:-2] + b"\xff\xfe\x00\x03d" + a_person[-2:], target_type="dog")
    _today(tmp_path, "cam-front", a_person)  # only this one: an episode start of a class cam-front is opted in for
    outcome = asyncio.run(target.poll())
    assert {r.dataset: len(r.rows) for r in outcome.results}["vision/requests"] == 1
    assert asyncio.run(target.poll()).results  # not confirmed yet: offered again
    for callback in outcome.on_durable:
        callback()
    assert asyncio.run(target.poll()).results == []
    assert sum(cloud.tally.requests.values()) == 1


def test_nothing_is_sent_when_off_or_not_opted_in_or_withheld(
    cloud: VisionServer, a_person: bytes, tmp_path: Path
) -> None:
    # off by default: the family builds no target at all
    ctx = FamilyContext(config=SPEC.config(), local_tz=TZ, interval_s=10, timeout_s=5, collector="t")  # type: ignore[misc]
    assert SPEC.poll_targets is not None and SPEC.poll_targets(ctx) == []
    clock = FakeClock(NOON)
    _today(tmp_path, "cam-driveway", a_person)  # a camera that is not opted in
    target = _target(cloud, tmp_path, clock)
    asyncio.run(target.poll())
    home = tmp_path / "home.flag"
    home.touch()  # someone is home: cam-front's snapshot is withheld, for good
    withheld = _target(cloud, tmp_path / "b", clock, not_while_home_file=str(home))
    _today(tmp_path / "b", "cam-front", a_person)
    asyncio.run(withheld.poll())
    assert withheld.outbox.counts() == {"withheld": 1}
    home.unlink()
    asyncio.run(withheld.poll())
    quiet = _target(cloud, tmp_path / "c", clock, cameras=[{"name": "cam-front", "quiet_hours": [11, 13]}])
    _today(tmp_path / "c", "cam-front", a_person)
    asyncio.run(quiet.poll())  # 12:00 in Berlin: quiet hours
    assert quiet.outbox.counts() == {"withheld": 1}
    disabled = _target(cloud, tmp_path / "d", clock, enabled=False)
    _today(tmp_path / "d", "cam-front", a_person)
    asyncio.run(disabled.poll())
    assert disabled.outbox.counts() == {}
    assert sum(cloud.tally.requests.values()) == 0  # no request reached the simulated cloud
