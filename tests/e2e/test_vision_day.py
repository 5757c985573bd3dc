"""E2E: a simulated day of ~200 snapshot bursts through the vision outbox against the simulated cloud: a worker
SIGKILLed mid-flight, a 10-minute outage (429 storm, then 500s), a daily budget cap -> lake -> dbt build ->
`detections` has exactly one outcome per picture, nothing was answered twice, the cap holds exactly, and the
cloud's labels agree with the camera scene's truth up to the simulator's noise."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.settings import parse_settings
from homelake.sim.demo.backfill import store_results
from homelake.sim.model.site import Site, build_site
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
from homelake.web.app import create_app
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
SELECT = "+detections +camera_vs_cloud_weekly +vision_costs_daily +rpt_cloud_costs_daily"


def _config(server: VisionServer, tmp: Path) -> tuple[VisionFamily, dict[str, str]]:
    """Rekognition for the two cameras, Cloud Vision (capped) for the NVR; credentials by env reference."""
    creds = server.credentials
    config = VisionFamily.model_validate(
        {
            "enabled": True,
            "outbox": str(tmp / "outbox.sqlite"),
            "provider": "rek",
            "concurrency": 4,
            "rate_per_s": 5,
            "attempts_per_lease": 3,
            "backoff_s": 1.0,
            "requeue_s": 30,
            "requeue_max_s": 300,
            "providers": [
                {
                    "name": "rek",
                    "kind": "rekognition",
                    "endpoint_url": server.url,
                    "timeout_s": 5,
                    "access_key_id": {"env": "HL_E2E_AWS_ID"},
                    "secret_access_key": {"env": "HL_E2E_AWS_SECRET"},
                },
                {
                    "name": "gcv",
                    "kind": "google",
                    "endpoint_url": server.url,
                    "api_key": {"env": "HL_E2E_GOOGLE"},
                    "daily_max_calls": NVR_CAP,
                    "timeout_s": 5,
                },
            ],
            "cameras": [{"name": "cam-front"}, {"name": "cam-driveway"}, {"name": "nvr", "provider": "gcv"}],
        }
    )
    env = {
        "HL_E2E_AWS_ID": creds.access_key_id,
        "HL_E2E_AWS_SECRET": creds.secret_access_key,
        "HL_E2E_GOOGLE": creds.google_api_key,
    }
    return config, env


@dataclass
class Day:
    site: Site
    snaps: list[tuple[str, int, datetime, bytes, str]]
    shas: dict[str, tuple[str, int, datetime]]
    server: VisionServer
    warehouse: Path
    leased_when_killed: int

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        con = connect_readonly(self.warehouse)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    @property
    def nvr_snapshots(self) -> int:
        return sum(1 for camera, _, _ in self.shas.values() if camera == "nvr")


def _kill_mid_flight(config: VisionFamily, env: dict[str, str], server: VisionServer, at: datetime) -> None:
    """Run a worker process until requests are in flight (the cloud answers slowly), then SIGKILL it."""
    in_flight = config.concurrency
    proc = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "tests.e2e.vision_worker_proc", config.model_dump_json(), at.isoformat()],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
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
def day(tmp_path_factory: pytest.TempPathFactory) -> Day:  # noqa: PLR0915 - one story, in order
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
    # the outage: 5 minutes of 429s then 5 of 500s, from just before the first front-door burst after 09:00 local
    outage_at = next(at for cam, _, at, _, _ in snaps if cam != "nvr" and at.astimezone(TZ).hour >= 9)
    outage_at -= timedelta(seconds=30)
    outage = [
        Fault(outage_at, outage_at + timedelta(minutes=5), "429", retry_after_s=10),
        Fault(outage_at + timedelta(minutes=5), outage_at + timedelta(minutes=10), "500"),
    ]
    outbox = Outbox(config.outbox)
    shas: dict[str, tuple[str, int, datetime]] = {}
    snapshot_rows = []
    killed_at = snaps[KILLED_AFTER][2]

    def take(i: int) -> None:
        camera, channel, at, jpeg, camera_class = snaps[i]
        stored = store_snapshot(tmp / "media", camera, jpeg, at)
        shas[stored.sha256] = (camera, channel, at)
        snapshot_rows.append(
            {
                "observed_at": at,
                "received_at": at,
                "family": "hikvision",
                "device_id": camera,
                "collector": "e2e",
                "channel": channel,
                "trigger": "episode_start",
                "event_type": "VMD",
                "event_at": at,
                "taken_at": at,
                "sha256": stored.sha256,
                "bytes": stored.size,
                "width": stored.width,
                "height": stored.height,
                "path": stored.path,
                "target_type": camera_class,
            }
        )
        clock.set(at)
        submit(outbox, config, path=tmp / "media" / stored.path, camera=camera, taken_at=at, now=clock(), local_tz=TZ)

    # phase 1: a worker process is given the first snapshots and SIGKILLed while its requests are in flight
    for i in range(KILLED_AFTER):
        take(i)
    server.faults = [Fault(START, killed_at, "slow", delay_s=3.0)]
    _kill_mid_flight(config, env, server, clock())
    server.faults = outage
    leased_when_killed = outbox.counts().get("leased", 0)
    # phase 2: this process's worker goes on through the day, one poll per snapshot, then drains
    with pytest.MonkeyPatch.context() as penv:
        for name, value in env.items():
            penv.setenv(name, value)
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
        build_warehouse(
            lake_root=tmp / "lake", warehouse_path=warehouse, metadata_csv=None, site_timezone=str(TZ), select=SELECT
        )
    return Day(site, snaps, shas, server, warehouse, leased_when_killed)


def test_the_story_happened(day: Day) -> None:
    snaps, server = day.snaps, day.server
    assert 180 <= len(snaps) <= 220
    assert day.leased_when_killed == 4  # four requests were in flight when the worker died
    statuses = server.tally.statuses
    assert statuses[("rekognition", 400)] > 0 and statuses[("rekognition", 500)] > 0  # throttled, then 5xx


def test_every_snapshot_has_exactly_one_outcome(day: Day) -> None:
    rows = day.query("select sha256, analysis_status, camera from detections")
    assert len(rows) == len({r[0] for r in rows}) == len(day.shas)
    assert {r[0] for r in rows} == set(day.shas)
    by_status: dict[tuple[bool, str], int] = {}
    for _, status, camera in rows:
        by_status[(camera == "nvr", status)] = by_status.get((camera == "nvr", status), 0) + 1
    nvr = day.nvr_snapshots
    assert nvr > NVR_CAP  # the precondition of the budget check
    assert by_status == {
        (False, "analysed"): len(rows) - nvr,
        (True, "analysed"): NVR_CAP,
        (True, "skipped_budget"): nvr - NVR_CAP,
    }


def test_no_image_was_answered_twice(day: Day) -> None:
    tally = day.server.tally
    answered = {sha: n for (_, sha), n in tally.answered.items()}
    analysed = {r[0] for r in day.query("select sha256 from detections where analysis_status = 'analysed'")}
    assert set(answered) == analysed and set(answered.values()) == {1}
    # the images in flight at the kill were asked again, but answered only once
    assert any(n >= 2 for n in tally.requests.values())


def test_the_budget_cap_and_costs(day: Day) -> None:
    costs = {
        r[0]: r[1:]
        for r in day.query(
            """select provider, billed_calls, skipped_budget, cost_usd, throttled, server_errors
               from vision_costs_daily""",
        )
    }
    nvr = day.nvr_snapshots
    assert costs["gcv"][:3] == (NVR_CAP, nvr - NVR_CAP, pytest.approx(NVR_CAP * 0.003))
    rek = len(day.shas) - nvr
    assert costs["rek"][:3] == (rek, 0, pytest.approx(rek * 0.001))
    assert costs["rek"][3] > 0 and costs["rek"][4] > 0  # the storm and the 500s were retried, and recorded


def test_cloud_labels_agree_with_the_scene_up_to_the_noise(day: Day) -> None:
    rows = day.query("select sha256, people, vehicles, cloud_labels from detections where analysis_status = 'analysed'")
    site, shas = day.site, day.shas
    things = missed = dogs = 0
    for sha, people, vehicles, labels in rows:
        want = truth(site, *shas[sha])
        things += len(want)
        assert people <= want.count("person") and vehicles <= want.count("car")  # never an invented person or car
        missed += want.count("person") - people + want.count("car") - vehicles
        dogs += "dog" in (labels or "")
    assert things > len(rows) / 2  # bursts catch people and cars (the later pictures of a short one, an empty scene)
    assert 0 < missed <= 2 * NOISE.miss_rate * things + 3
    assert dogs <= 2 * NOISE.false_positive_rate * len(rows) + 3


def test_camera_vs_cloud_weekly(day: Day) -> None:
    """The camera calls a whole burst by its episode; the cloud agrees on the pictures that still show it."""
    site, shas = day.site, day.shas
    analysed = day.query("select sha256, camera_class from detections where analysis_status = 'analysed'")
    in_view: dict[str, list[int]] = {}
    for sha, camera_class in analysed:
        camera, channel, at = shas[sha]
        seen = truth(site, camera, channel, at)
        counts = in_view.setdefault(camera, [0, 0])
        counts[0] += 1
        counts[1] += ("person" if camera_class == "human" else "car") in seen
    rows = day.query(
        """select camera, analysed, compared, agreed, agreement_share
           from camera_vs_cloud_weekly order by camera"""
    )
    assert [r[0] for r in rows] == ["cam-driveway", "cam-front", "nvr"]
    for camera, analysed_n, compared, agreed, share in rows:
        total, shown = in_view[camera]
        assert analysed_n == compared == total
        assert shown - 2 * NOISE.miss_rate * total - 2 <= agreed <= shown  # misses only, never invented agreement
        assert share == pytest.approx(agreed / compared, abs=1e-4)


def test_the_cloud_labels_page(day: Day, tmp_path: Path) -> None:
    """`/security/cloud` reads the marts: every analysed snapshot of the day listed, costs and agreement shown."""
    settings = parse_settings(
        {"lake": {"root": "lake"}, "warehouse": {"path": str(day.warehouse)}, "site": {"timezone": str(TZ)}},
        base=tmp_path,
    )
    client = TestClient(create_app(settings))
    text = client.get("/security/cloud", params={"from": "2026-11-02", "to": "2026-11-02"}).text
    assert "Traceback" not in text and 'id="cloud-snapshots"' in text
    rows = re.findall(r"<tr class=\"[a-z ]*\">\s*<td>2026-11-02", text)
    assert len(rows) == min(200, len(day.shas))
    analysed = len(day.shas) - day.nvr_snapshots + NVR_CAP
    assert f"<strong>{analysed}</strong> of {len(day.shas)} snapshots analysed" in text
    assert f"{day.nvr_snapshots - NVR_CAP} held back by the daily budget" in text
    assert 'id="cloud-costs"' in text and 'id="cloud-agreement"' in text
    empty = client.get("/security/cloud", params={"from": "2026-10-01", "to": "2026-10-01"}).text
    assert "No analysed snapshots in this range." in empty
