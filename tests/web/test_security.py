"""The Security page and its snapshot files, against the session's shared demo run (history with snapshots,
live collection, dbt): timeline, episodes with thumbnails, camera health, detections; media only under the
dashboard's access rule and only from the media layout."""

from __future__ import annotations

import hashlib
import re

import pytest

from homelake.secrets import SecretRef
from homelake.settings import Settings
from homelake.sim.demo.pipeline import DemoRun
from homelake.sim.model.occupancy import occupancy
from homelake.warehouse.query import connect_readonly
from homelake.web.config import DashboardAuth, DashboardConfig
from tests.web.conftest import client_for

pytestmark = pytest.mark.integration
TOKEN = "security-page-token"  # noqa: S105 - a test credential


def _one(settings: Settings, sql: str) -> tuple[object, ...]:
    with connect_readonly(settings.warehouse.path) as con:
        return con.execute(sql).fetchall()[0]


def test_the_page_shows_the_timeline_episodes_and_health(demo_settings: Settings) -> None:
    kinds = {k for (k,) in connect_readonly(demo_settings.warehouse.path).execute(
        "select distinct kind from security_events").fetchall()}  # fmt: skip
    assert {"camera", "door", "arrival", "departure"} <= kinds  # arrivals/departures come from wifi presence
    text = client_for(demo_settings).get("/security", params={"range": "30d"}).text
    assert '<a href="/security" class="active">Security</a>' in text
    for section in ("latest-snapshots", "episodes", "away", "timeline", "camera-health"):
        assert f'id="{section}"' in text
    assert 'data-chart="security_detections"' in text
    thumbs = set(re.findall(r'<img class="thumb" src="/security/media/([^"]+)"', text))
    (with_media,) = _one(demo_settings, "select count(*) from camera_episodes where snapshot_has_media")
    assert with_media > 0 and len(thumbs) > 3  # the latest per camera and the episodes' pictures
    for kind in ("arrival", "departure", "door"):
        assert f'<tr class="kind-{kind}">' in text
    (cameras,) = _one(demo_settings, "select count(distinct camera) from camera_health_daily")
    assert cameras == 3 and text.count("<td>nvr</td>") >= 1


def test_snapshot_files_are_served_from_the_media_tree_only(demo_settings: Settings) -> None:
    (path, digest) = _one(demo_settings, "select path, sha256 from camera_snapshots where has_media limit 1")
    client = client_for(demo_settings)
    reply = client.get(f"/security/media/{path}")
    assert reply.status_code == 200 and reply.headers["content-type"] == "image/jpeg"
    assert reply.content[:2] == b"\xff\xd8" and "private" in reply.headers["cache-control"]
    assert hashlib.sha256(reply.content).hexdigest() == digest
    absent = f"hikvision/cam-front/date=2000-01-01/{'0' * 64}.jpg"  # the layout, but no such file
    bad_paths = ("../site.yaml", "hikvision/cam-front/date=2026-01-01/../../../site.yaml", "site.yaml", absent,
                 "hikvision/x/date=2026-01-01/a.png")  # fmt: skip
    for bad in bad_paths:
        assert client.get(f"/security/media/{bad}").status_code == 404, bad


def test_snapshots_need_the_dashboard_credential(demo_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    (path,) = _one(demo_settings, "select path from camera_snapshots where has_media limit 1")
    monkeypatch.setenv("HOMELAKE_SECURITY_TOKEN", TOKEN)
    client = client_for(
        demo_settings, DashboardConfig(auth=DashboardAuth(token=SecretRef(env="HOMELAKE_SECURITY_TOKEN")))
    )
    assert client.get(f"/security/media/{path}").status_code == 401
    assert client.get("/security").status_code == 401
    ok = client.get(f"/security/media/{path}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.content[:2] == b"\xff\xd8"


def test_activity_while_away_is_when_no_resident_was_home(demo_run: DemoRun) -> None:
    """Against the simulated people: every row is a moment no resident was home (the guest does not count);
    every human the cameras saw while nobody was home, away from anyone's arrival or departure, is a row; and a
    resident's own arrival (seen at the door before anyone is home, before the wifi sees the phone) is not."""
    people = occupancy(demo_run.site)
    residents = {"anna", "jonas", "mia"}
    with connect_readonly(demo_run.settings.warehouse.path) as con:
        rows = con.execute("select event_at, kind from activity_while_away").fetchall()
        humans = [t for (t,) in con.execute("select started_at from camera_episodes where target_type = 'human' "
                                            "and started_at >= (select min(observed_at) from "
                                            "staging.stg_mikrotik__wifi_clients) "
                                            "order by started_at").fetchall()]  # fmt: skip
    assert all(not (people.home(t.timestamp()) & residents) for t, _ in rows)
    moves = [t for t, name, _ in people.movements(humans[0].timestamp() - 3600, humans[-1].timestamp() + 3600)
             if name in residents]  # fmt: skip
    nobody_home = [t for t in humans if not (people.home(t.timestamp()) & residents)]
    arriving = [t for t in nobody_home if any(0 <= m - t.timestamp() <= 60 for m in moves)]
    assert arriving, "in the demo's 1.5 days someone comes home to an empty house"
    assert not set(arriving) & {t for t, _ in rows}  # their own arrival is no alarm
    alone = [t for t in nobody_home if all(abs(t.timestamp() - m) > 1200 for m in moves)]
    assert set(alone) <= {t for t, kind in rows if kind == "camera"}


def test_the_cameras_are_one_set_in_the_inventory_and_the_camera_marts(demo_settings: Settings) -> None:
    """The site inventory (device metadata, DHCP leases) and the cameras' own deviceInfo name the same devices."""
    with connect_readonly(demo_settings.warehouse.path) as con:
        joined = con.execute("select info.device_id, inventory.name, inventory.current_hostname from inventory "
                             "join (select distinct device_id, mac from staging.stg_hikvision__device_info) as info "
                             "using (mac) order by 1").fetchall()  # fmt: skip
        health = {c for (c,) in con.execute("select distinct camera from camera_health_daily").fetchall()}
    assert joined == [
        ("cam-driveway", "Driveway camera", "cam-driveway"),
        ("cam-front", "Front door camera", "cam-front"),
        ("nvr", "NVR (garden channels)", "nvr"),
    ]
    assert health == {name for name, _, _ in joined}


def test_arrivals_and_departures_follow_the_simulated_people(demo_run: DemoRun) -> None:
    """Each arrival / departure in the timeline is a resident's true movement, to within the wifi's poll step."""
    people = occupancy(demo_run.site)
    with connect_readonly(demo_run.settings.warehouse.path) as con:
        rows = con.execute("select event_at, kind, person from security_events where kind in ('arrival', 'departure') "
                           "order by event_at").fetchall()  # fmt: skip
    assert {k for _, k, _ in rows} == {"arrival", "departure"}
    window = 15 * 60  # the backfill polls the wifi every 5 minutes; a phone is seen at the poll after it joins
    for at, kind, person in rows:
        moves = people.movements(at.timestamp() - window, at.timestamp() + window)
        want = "arrive" if kind == "arrival" else "leave"
        assert any(p == person and m == want for _, p, m in moves), (at, kind, person, moves)
