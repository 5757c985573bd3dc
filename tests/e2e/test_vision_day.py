"""E2E: a simulated day of ~200 snapshot bursts through the vision outbox against the simulated cloud: a worker
SIGKILLed mid-flight, a 10-minute outage (429 storm, then 500s), a daily budget cap -> lake -> dbt build ->
`detections` has exactly one outcome per picture, nothing was answered twice, the cap holds exactly, and the
cloud's labels agree with the camera scene's truth up to the simulator's noise."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import store_results
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources.hikvision.media import store_snapshot
from homelake.sources.vision.config import VisionFamily
from homelake.sources.vision.outbox import Outbox
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.simulator import Fault, Noise, VisionServer
from homelake.sources.vision.target import as_results, submit
from homelake.sources.vision.worker import Worker
from homelake.warehouse.publish import build_warehouse
from homelake.warehouse.query import connect_readonly
from tests.sources.vision.conftest import FakeClock, scene_snapshots, truth

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 2, tzinfo=TZ).astimezone(UTC)  # a Monday, local midnight: the busiest day that week
END = START + timedelta(days=1)
BURST, SPACING_S = 11, 2.0  # snapshots per episode start, seconds apart
NVR_CAP = 30  # the NVR's provider (google) may make this many calls a day
NOISE = Noise(confidence_sd=0.05, miss_rate=0.05, false_positive_rate=0.05)
KILLED_AFTER = 40  # snapshots the first worker process is given before it is SIGKILLed
SELECT = "+detections +camera_vs_cloud_weekly +vision_costs_daily"


def _config(server: VisionServer, tmp: Path) -> VisionFamily:
    creds = server.credentials
    return VisionFamily.model_validate({
        "enabled": True, "outbox": str(tmp / "outbox.sqlite"), "provider": "rek", "concurrency": 4,
        "rate_per_s": 5, "attempts_per_lease": 3, "backoff_s": 1.0, "requeue_s": 30, "requeue_max_s": 300,
        "providers": [
            {"name": "rek", "kind": "rekognition", "endpoint_url": server.url, "timeout_s": 5,
             "access_key_id": {"env": "HL_E2E_AWS_ID"}, "secret_access_key": {"env": "HL_E2E_AWS_SECRET"}},
            {"name": "gcv", "kind": "google", "endpoint_url": server.url, "api_key": {"env": "HL_E2E_GOOGLE"},
             "daily_max_calls": NVR_CAP, "timeout_s": 5},
        ],
        "cameras": [{"name": "cam-front"}, {"name": "cam-driveway"}, {"name": "nvr", "provider": "gcv"}],
    }), {"HL_E2E_AWS_ID": creds.access_key_id, "HL_E2E_AWS_SECRET": creds.secret_access_key,
         "HL_E2E_GOOGLE": creds.google_api_key}  # type: ignore[return-value]  # fmt: skip


def _kill_mid_flight(config: VisionFamily, env: dict[str, str], server: VisionServer, at: datetime) -> None:
    """Run a worker process until requests are in flight (the cloud answers slowly), then SIGKILL it."""
    in_flight = config.concurrency
    proc = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "tests.e2e.vision_worker_proc", config.model_dump_json(), at.isoformat()],
        cwd=ROOT, env={**os.environ, **env, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while sum(server.tally.requests.values()) < in_flight:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the worker process sent nothing"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:  # noqa: PLR0915 - one story, in order
    tmp: Path = tmp_path_factory.mktemp("vision")
    site = build_site(7, start=END)
    snaps = scene_snapshots(site, START, END, BURST, SPACING_S)
    lake = LakeWriter(tmp / "lake", collector="e2e")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=100_000, max_age_s=3600)
    clock = FakeClock(START)
    server = VisionServer(noise=NOISE, clock=clock)
    server.start()
    config, env = _config(server, tmp)
    os.environ.update(env)
    # the outage: 5 minutes of 429s then 5 of 500s, from just before the first front-door burst after 09:00 local
    outage_at = next(at for cam, _, at, _, _ in snaps if cam != "nvr" and at.astimezone(TZ).hour >= 9)
    outage_at -= timedelta(seconds=30)
    outage = [Fault(outage_at, outage_at + timedelta(minutes=5), "429", retry_after_s=10),
              Fault(outage_at + timedelta(minutes=5), outage_at + timedelta(minutes=10), "500")]  # fmt: skip
    outbox = Outbox(config.outbox)
    shas: dict[str, tuple[str, int, datetime]] = {}
    snapshot_rows = []
    killed_at = snaps[KILLED_AFTER][2]

    def take(i: int) -> None:
        camera, channel, at, jpeg, camera_class = snaps[i]
        stored = store_snapshot(tmp / "media", camera, jpeg, at)
        shas[stored.sha256] = (camera, channel, at)
        snapshot_rows.append({
            "observed_at": at, "received_at": at, "family": "hikvision", "device_id": camera, "collector": "e2e",
            "channel": channel, "trigger": "episode_start", "event_type": "VMD", "event_at": at,
            "taken_at": at, "sha256": stored.sha256, "bytes": stored.size, "width": stored.width,
            "height": stored.height, "path": stored.path,
            "target_type": camera_class,
        })  # fmt: skip
        clock.set(at)
        submit(outbox, config, tmp / "media" / stored.path, camera, at, clock(), TZ)

    # phase 1: a worker process is given the first snapshots and SIGKILLed while its requests are in flight
    for i in range(KILLED_AFTER):
        take(i)
    server.faults = [Fault(START, killed_at, "slow", delay_s=3.0)]
    _kill_mid_flight(config, env, server, clock())
    server.faults = outage
    leased_when_killed = outbox.counts().get("leased", 0)
    # phase 2: this process's worker goes on through the day, one poll per snapshot, then drains
    providers = {p.name: build_provider(p) for p in config.providers}
    worker = Worker(config, providers, outbox, local_tz=TZ, clock=clock, sleep=clock.sleep)
    for i in range(KILLED_AFTER, len(snaps)):
        take(i)
        worker.run_due()
    for _ in range(200):
        counts = outbox.counts()
        if not counts.get("queued") and not counts.get("leased"):
            break
        clock.set(clock() + timedelta(minutes=1))
        worker.run_due()
    time.sleep(3.2)  # the killed process' slow requests finish (unanswered: their client is gone)
    pending = outbox.pending_rows(limit=100_000)
    store_results(writer, as_results(pending), "vision", "outbox")
    writer.add(DATASETS["hikvision/snapshots"], snapshot_rows)
    writer.flush()
    outbox.confirm_rows(pending[-1][0])
    for provider in providers.values():
        provider.close()
    server.stop()
    warehouse = tmp / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as menv:
        menv.setenv("DBT_INDIRECT_SELECTION", "cautious")
        build_warehouse(lake_root=tmp / "lake", warehouse_path=warehouse, metadata_csv=None,
                        site_timezone=str(TZ), select=SELECT)  # fmt: skip
    return {"site": site, "snaps": snaps, "shas": shas, "server": server, "outbox": outbox, "warehouse": warehouse,
            "leased_when_killed": leased_when_killed, "outage": outage}  # fmt: skip


def _query(day: dict[str, object], sql: str) -> list[tuple[object, ...]]:
    con = connect_readonly(day["warehouse"])  # type: ignore[arg-type]
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_story_happened(day: dict[str, object]) -> None:
    snaps, server = day["snaps"], day["server"]
    assert 180 <= len(snaps) <= 220  # type: ignore[arg-type]
    assert day["leased_when_killed"] == 4  # four requests were in flight when the worker died
    statuses = server.tally.statuses  # type: ignore[attr-defined]
    assert statuses[("rekognition", 400)] > 0 and statuses[("rekognition", 500)] > 0  # throttled, then 5xx


def test_every_snapshot_has_exactly_one_outcome(day: dict[str, object]) -> None:
    rows = _query(day, "select sha256, analysis_status, camera from detections")
    assert len(rows) == len({r[0] for r in rows}) == len(day["shas"])  # type: ignore[arg-type]
    assert {r[0] for r in rows} == set(day["shas"])  # type: ignore[arg-type]
    by_status = {}
    for _, status, camera in rows:
        by_status[(camera == "nvr", status)] = by_status.get((camera == "nvr", status), 0) + 1
    nvr = sum(1 for cam, _, _ in day["shas"].values() if cam == "nvr")  # type: ignore[attr-defined]
    assert nvr > NVR_CAP  # the precondition of the budget check
    assert by_status == {(False, "analysed"): len(rows) - nvr, (True, "analysed"): NVR_CAP,
                         (True, "skipped_budget"): nvr - NVR_CAP}  # fmt: skip


def test_no_image_was_answered_twice(day: dict[str, object]) -> None:
    tally = day["server"].tally  # type: ignore[attr-defined]
    answered = {sha: n for (_, sha), n in tally.answered.items()}
    analysed = {r[0] for r in _query(day, "select sha256 from detections where analysis_status = 'analysed'")}
    assert set(answered) == analysed and set(answered.values()) == {1}
    # the images in flight at the kill were asked again, but answered only once
    assert any(n >= 2 for n in tally.requests.values())


def test_the_budget_cap_and_costs(day: dict[str, object]) -> None:
    costs = {r[0]: r[1:] for r in _query(day, "select provider, billed_calls, skipped_budget, cost_usd, throttled, "
                                              "server_errors from vision_costs_daily")}  # fmt: skip
    nvr = sum(1 for cam, _, _ in day["shas"].values() if cam == "nvr")  # type: ignore[attr-defined]
    assert costs["gcv"][:3] == (NVR_CAP, nvr - NVR_CAP, pytest.approx(NVR_CAP * 0.003))
    rek = len(day["shas"]) - nvr  # type: ignore[arg-type]
    assert costs["rek"][:3] == (rek, 0, pytest.approx(rek * 0.001))
    assert costs["rek"][3] > 0 and costs["rek"][4] > 0  # the storm and the 500s were retried, and recorded


def test_cloud_labels_agree_with_the_scene_up_to_the_noise(day: dict[str, object]) -> None:
    rows = _query(day, "select sha256, people, vehicles, cloud_labels from detections "
                       "where analysis_status = 'analysed'")  # fmt: skip
    site, shas = day["site"], day["shas"]
    things = missed = dogs = 0
    for sha, people, vehicles, labels in rows:
        want = truth(site, *shas[sha])  # type: ignore[arg-type, index]
        things += len(want)
        assert people <= want.count("person") and vehicles <= want.count("car")  # never an invented person or car
        missed += want.count("person") - people + want.count("car") - vehicles
        dogs += "dog" in (labels or "")
    assert things > len(rows) / 2  # bursts catch people and cars (the later pictures of a short one, an empty scene)
    assert 0 < missed <= 2 * NOISE.miss_rate * things + 3
    assert dogs <= 2 * NOISE.false_positive_rate * len(rows) + 3


def test_camera_vs_cloud_weekly(day: dict[str, object]) -> None:
    """The camera calls a whole burst by its episode; the cloud agrees on the pictures that still show it."""
    site, shas = day["site"], day["shas"]
    analysed = _query(day, "select sha256, camera_class from detections where analysis_status = 'analysed'")
    in_view: dict[str, list[int]] = {}
    for sha, camera_class in analysed:
        camera, channel, at = shas[sha]  # type: ignore[index]
        seen = truth(site, camera, channel, at)  # type: ignore[arg-type]
        counts = in_view.setdefault(camera, [0, 0])
        counts[0] += 1
        counts[1] += ("person" if camera_class == "human" else "car") in seen
    rows = _query(day, "select camera, analysed, compared, agreed, agreement_share from camera_vs_cloud_weekly "
                       "order by camera")  # fmt: skip
    assert [r[0] for r in rows] == ["cam-driveway", "cam-front", "nvr"]
    for camera, analysed_n, compared, agreed, share in rows:
        total, shown = in_view[camera]
        assert analysed_n == compared == total
        assert shown - 2 * NOISE.miss_rate * total - 2 <= agreed <= shown  # misses only, never invented agreement
        assert share == pytest.approx(agreed / compared, abs=1e-4)
