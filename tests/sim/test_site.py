"""The simulated site: inventory, determinism and the dynamics the ground truth promises."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from homelake.sim.model.site import METADATA_COLUMNS, Site, SiteState, build_site, sample_times

WEEK = timedelta(days=7)
STEP = timedelta(minutes=10)


@pytest.fixture(scope="module")
def week(site: Site) -> list[SiteState]:
    """States of every client at every step of the first simulated week."""
    return [site.state_at(t) for t in sample_times(site.start, site.start + WEEK, STEP)]


def test_same_seed_same_state_whatever_the_query_order() -> None:
    a, b = build_site(seed=7), build_site(seed=7)
    times = [a.start + timedelta(hours=h, minutes=7) for h in (1, 30, 55, 100, 150)]
    forward = [a.state_at(t) for t in times]
    backward = [b.state_at(t) for t in reversed(times)][::-1]
    assert forward == backward
    assert build_site(seed=7).state_at(times[2]) == forward[2]


def test_another_seed_gives_another_site() -> None:
    assert {c.mac for c in build_site(seed=7).clients} != {c.mac for c in build_site(seed=8).clients}


def test_inventory(site: Site) -> None:
    assert 25 <= len(site.clients) <= 40
    assert len({c.mac for c in site.clients}) == len({c.id for c in site.clients}) == len(site.clients)
    assert all(c.mac == c.mac.lower() and len(c.mac.split(":")) == 6 for c in site.clients)
    assert [c.id for c in site.clients if not c.in_metadata] == ["guest-phone", "esp-gadget"]
    assert 1 <= sum(c.hostname is None for c in site.clients) <= 2
    models = {c.metadata.model for c in site.clients if c.metadata.vendor == "Shelly"}
    assert {"Pro 4PM", "Pro 2PM", "Plus 1PM", "Plus Plug S", "Shelly 2.5", "Plug S", "Uni", "Bulb"} <= models
    assert {"Vintage", "H&T", "Motion"} <= models
    cameras = site.clients_of_kind("camera")
    assert len(cameras) == 2 and all(not c.is_wifi and c.is_static for c in cameras)
    assert all(c.metadata.model.startswith("DS-2CD1043G2") for c in cameras)
    nodes = site.clients_of_kind("k3s_node")
    assert len(nodes) == 3 and all(not c.is_wifi and c.is_static for c in nodes)
    assert site.clients_of_kind("door_lock") and site.clients_of_kind("tv_box")
    assert {c.metadata.owner for c in site.clients_of_kind("phone", "laptop")} >= {"anna", "jonas", "mia"}


def test_routers(site: Site) -> None:
    roles = {r.name: r.role for r in site.routers}
    assert roles == {"fw": "firewall", "sw": "switch", "ap-living": "ap", "ap-office": "ap"}
    assert site.router("fw").dhcp_server == "lan" and not site.router("fw").has_wifi
    assert not site.router("sw").dhcp_server and not site.router("sw").has_wifi
    assert all(site.router(ap).ssid == "homelake" for ap in ("ap-living", "ap-office"))
    assert all(r.timezone == site.timezone == "Europe/Berlin" for r in site.routers)


def test_metadata_rows_and_csv(site: Site, tmp_path: Path) -> None:
    rows = site.metadata_rows()
    assert len(rows) == len(site.clients) - 2
    assert all(tuple(row) == METADATA_COLUMNS for row in rows)
    path = site.write_metadata_csv(tmp_path / "seed" / "device_metadata.csv")
    with path.open(newline="") as handle:
        assert list(csv.DictReader(handle)) == rows


def test_naive_times_are_refused(site: Site) -> None:
    with pytest.raises(ValueError, match="timezone"):
        site.state_at(datetime(2025, 3, 11, 12, 0))


def test_clients_come_and_go(site: Site, week: list[SiteState]) -> None:
    online = defaultdict(set)
    for state in week:
        for client in state.clients.values():
            online[client.client.id].add(client.online)
    assert online["phone-anna"] == {True, False}
    assert online["laptop-jonas"] == {True, False}
    assert online["k3s-master"] == {True}
    assert online["nas-old"] == {False}
    weekday_noon = site.state_at(datetime(2025, 3, 11, 11, 0, tzinfo=UTC))  # Tuesday 12:00 in Berlin
    assert not weekday_noon.by_id("phone-anna").online and not weekday_noon.by_id("phone-mia").online
    late_evening = site.state_at(datetime(2025, 3, 10, 20, 0, tzinfo=UTC))
    assert late_evening.by_id("phone-anna").online


def test_roaming_and_ip_changes_happen_within_a_week(week: list[SiteState]) -> None:
    aps, ips = defaultdict(set), defaultdict(set)
    for state in week:
        for client in state.online():
            if client.ap:
                aps[client.client.id].add(client.ap)
            ips[client.client.id].add(client.ip)
    assert {cid for cid, seen in aps.items() if len(seen) == 2} >= {"vacuum", "phone-jonas"}
    changed = {cid for cid, seen in ips.items() if len(seen) > 1}
    assert {"tv-bedroom", "esp-gadget"} <= changed  # scheduled events
    assert changed & {"phone-jonas", "laptop-jonas", "laptop-anna"}  # back after more than a day


def test_leases_are_consistent(site: Site, week: list[SiteState]) -> None:
    statuses = set()
    for state in week:
        bound = [c.ip for c in state.clients.values() if c.lease_status == "bound"]
        assert len(bound) == len(set(bound)), "two bound leases share an address"
        for client in state.clients.values():
            statuses.add((client.client.is_static, client.lease_status))
            if client.online:
                lease_time = timedelta(seconds=client.client.lease_time_s)
                assert client.lease_status == "bound"
                assert lease_time / 2 < client.lease_expires_at - state.at <= lease_time
                assert client.last_seen <= state.at
            if client.lease_status == "waiting":
                assert client.client.is_static and client.lease_expires_at is None
    assert statuses >= {(True, "bound"), (True, "waiting"), (False, "bound"), (False, None)}
    nas = site.state_at(site.start + timedelta(days=3)).by_id("nas-old")
    assert nas.lease_status == "waiting" and nas.last_seen is None


def test_last_seen_grows_while_away(site: Site) -> None:
    times = list(sample_times(site.start, site.start + WEEK, STEP))
    printer = [site.client_state("printer-office", t) for t in times]
    waiting = [(t, s) for t, s in zip(times, printer, strict=True) if s.lease_status == "waiting"]
    assert len(waiting) > 10
    assert len({s.last_seen for _, s in waiting}) < len(waiting)  # same last contact, growing age


def test_association_is_within_the_session(week: list[SiteState]) -> None:
    for state in week[::7]:
        for client in state.online():
            if client.client.is_wifi:
                assert client.online_since <= client.associated_since <= state.at
                assert client.interface in ("wifi1", "wifi2") and -90 < client.signal_dbm < -30
            else:
                assert client.ap is None and client.signal_dbm is None


def test_online_spans_match_sampling(site: Site) -> None:
    start, end, step = site.start + timedelta(days=1), site.start + timedelta(days=2), timedelta(minutes=15)
    spans = site.online_spans(start, end, step)
    assert spans[site.client("nas-old").mac] is None
    assert spans[site.client("k3s-master").mac] == (start, end - step)
    first, last = spans[site.client("phone-anna").mac]
    online = [t for t in sample_times(start, end, step) if site.is_online("phone-anna", t)]
    assert (first, last) == (online[0], online[-1])


def test_daylight_saving_switch(site: Site) -> None:
    # Europe/Berlin springs forward on 2025-03-30; every instant around it must still resolve.
    for t in sample_times(datetime(2025, 3, 29, 22, tzinfo=UTC), datetime(2025, 3, 30, 6, tzinfo=UTC), STEP):
        state = site.state_at(t)
        assert state.by_id("k3s-master").online
