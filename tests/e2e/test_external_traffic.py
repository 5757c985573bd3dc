"""E2E: the simulated LAN's connections -> the firewall's connection table polled in the backfill (GeoIP from the
databases the demo's site file names, which the simulator wrote for its services) -> lake -> dbt build ->
`external_traffic_daily` equals the simulator's flow truth per device x country x ASN, the churn between polls
measured (phones, laptops and tablets' IPv6 flows from temporary addresses named through the polled IPv6 neighbour
table); a device that starts talking to a new country shows in `new_destinations` the same day and, outside the
allow-list, raises an alert."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from homelake.alerts.engine import state_path
from homelake.alerts.store import AlertStore
from homelake.cli.transform import run_transform
from homelake.settings import load_settings
from homelake.sim.demo.pipeline import DemoRun
from homelake.sim.model.flows import RENEW_S, SERVICES, FlowLife, flow_lives, slaac_address, uses_privacy_addresses
from homelake.sim.model.site import sample_times
from homelake.sources.mikrotik.simulator.edge_history import TABLES_EVERY
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
STEP = timedelta(minutes=5)  # the backfill's step; the connection table is polled every minute (TABLES_EVERY)
NOW = datetime(2025, 3, 11, 12, 0, tzinfo=UTC)  # pinned: the site starts 0.6 days before (22:36 local)
IOT_TYPES = ["relay", "smart_plug", "light", "camera", "vacuum"]
Key = tuple[str, str, int, str]  # mac, country, asn, direction


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    workdir = tmp_path_factory.mktemp("traffic")
    demo = DemoRun(workdir / "site", days=0.6, now=NOW, families=("mikrotik",))
    demo.start()
    try:
        config = yaml.safe_load(demo.site_file.read_text())
        # the demo's own site file: the simulator's GeoIP databases of its services, and its allow-list (IoT
        # devices may talk to Germany and the Netherlands; the vacuum's new CN destination is outside)
        assert set(config["mikrotik"]["geoip"]) == {"country_db", "asn_db"}
        assert config["mikrotik"]["traffic"]["allowed_destinations"] == [{"device_types": IOT_TYPES,
                                                                          "countries": ["DE", "NL"]}]  # fmt: skip
        config["alerts"] = {"mqtt": {"enabled": False}}
        demo.site_file.write_text(yaml.safe_dump(config, sort_keys=False))
        demo.settings = load_settings(demo.site_file)
        demo.lay_history(step=STEP, mqtt=False)
    finally:
        demo.stop()
    run_transform(demo.settings, select="+int_firewall_flows_attributed+ +traffic_capture_daily")
    return demo


def _query(demo: DemoRun, sql: str) -> list[tuple[Any, ...]]:
    con = connect_readonly(demo.settings.warehouse.path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _day(demo: DemoRun) -> tuple[Any, datetime, datetime]:
    """The site-local day up to NOW (the history began the evening before: connections open then carry bytes
    from before the history into their first poll, which lands on that evening)."""
    day = NOW.astimezone(demo.site.tz).date()
    return day, datetime.combine(day, datetime.min.time(), demo.site.tz).astimezone(UTC), NOW


def _key(life: FlowLife) -> Key:
    return life.client.mac, life.service.country, life.service.asn, "inbound" if life.talk.inbound else "outbound"


def _seen_in(life: FlowLife, polls: list[datetime], start: datetime, end: datetime) -> tuple[int, int]:
    """What the table polls can see of a flow on [start, end): its counters' growth up to each poll in the day."""
    visible = [p for p in polls if life.started_at <= p < life.ended_at]
    if not visible:
        return 0, 0

    def counter(p: datetime | None) -> tuple[int, int]:
        if p is None:
            return 0, 0
        elapsed = (p - life.started_at).total_seconds()
        return int(life.talk.sent_rate * elapsed), int(life.talk.received_rate * elapsed)

    last_in = max((p for p in visible if p < end), default=None)
    last_before = max((p for p in visible if p < start), default=None)
    if last_in is None or last_in < start:
        return 0, 0
    (s1, r1), (s0, r0) = counter(last_in), counter(last_before)
    return s1 - s0, r1 - r0


@pytest.fixture(scope="module")
def truth(demo: DemoRun) -> dict[str, Any]:
    _, start, end = _day(demo)
    polls = list(sample_times(demo.site.start, NOW, TABLES_EVERY))
    lives = [life for life in flow_lives(demo.site, demo.site.start, NOW) if life.started_at < end]
    carried: dict[Key, list[float]] = defaultdict(lambda: [0.0, 0.0])
    seen: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    long_lived: set[Key] = set()
    fleeting: set[Key] = set()  # connections shorter than the poll interval
    for life in lives:
        key = _key(life)
        sent, received = life.bytes_between(start, end)
        carried[key][0] += sent
        carried[key][1] += received
        s, r = _seen_in(life, polls, start, end)
        seen[key][0] += s
        seen[key][1] += r
        if life.talk.lasts_s == RENEW_S:
            long_lived.add(key)
        if life.talk.lasts_s < TABLES_EVERY.total_seconds():
            fleeting.add(key)
    return {"carried": carried, "seen": seen, "long_lived": long_lived, "fleeting": fleeting, "lives": lives,
            "polls": polls}  # fmt: skip


def test_external_traffic_daily_equals_the_flow_truth(demo: DemoRun, truth: dict[str, Any]) -> None:
    day, _, _ = _day(demo)
    rows = _query(demo, f"select mac, country_code, asn, direction, bytes_sent, bytes_received "
                        f"from external_traffic_daily where local_date = '{day}'")  # fmt: skip
    got = {(mac, country, asn, direction): (sent, received) for mac, country, asn, direction, sent, received in rows}
    carried, seen = truth["carried"], truth["seen"]
    assert None not in {k[0] for k in got}  # every connection found its device (IPv4 leases, IPv6 SLAAC)
    assert set(got) == {k for k, v in seen.items() if v != [0, 0]}
    assert {k[3] for k in got} == {"outbound", "inbound"} and len(got) >= 15
    for key, (sent, received) in got.items():
        # the pipeline's deltas are exactly what the polls could see (counters are whole bytes)
        assert (sent, received) == tuple(seen[key]), key
    churn = {k: sum(carried[k]) - sum(seen[k]) for k in carried}
    for key in truth["long_lived"]:
        # long-lived connections: the bytes after a connection's last poll are the only loss, within 1%
        assert sum(seen[key]) == pytest.approx(sum(carried[key]), rel=0.01), key
    total = sum(sum(v) for v in carried.values())
    churn_share = sum(churn.values()) / total
    short = truth["fleeting"]
    short_share = sum(churn[k] for k in short) / max(1.0, sum(sum(carried[k]) for k in short))
    print(f"\nchurn between polls: {churn_share:.3%} of {total / 1e9:.2f} GB; "  # noqa: T201 - the measurement
          f"short-lived (30 s) flows lost {short_share:.0%} of their bytes")  # fmt: skip
    assert 0 < churn_share < 0.01
    assert short_share > 0.5  # 30-second connections are mostly invisible to a 1-minute poll


def test_privacy_address_devices_get_their_bytes_through_the_neighbour_table(
    demo: DemoRun, truth: dict[str, Any]
) -> None:
    """The phones' (laptops', tablets') IPv6 connections come from temporary addresses, which name no MAC: the
    neighbour table names the device, so their bytes per device x country x ASN equal the truth like the others'."""
    day, _, _ = _day(demo)
    lives = [life for life in truth["lives"] if uses_privacy_addresses(life.client) and ":" in life.service.address]
    keys = {_key(life) for life in lives} & {k for k, v in truth["seen"].items() if v != [0, 0]}
    assert len({k[0] for k in keys}) >= 3
    rows = _query(demo, f"select mac, country_code, asn, direction, bytes_sent, bytes_received "
                        f"from external_traffic_daily where local_date = '{day}'")  # fmt: skip
    got = {(mac, country, asn, direction): (sent, received) for mac, country, asn, direction, sent, received in rows}
    for key in keys:
        assert got.get(key) == tuple(truth["seen"][key]), key
        assert sum(truth["seen"][key]) == pytest.approx(sum(truth["carried"][key]), rel=0.01), key
    # the connection table held their temporary addresses (never their SLAAC ones), each named by the neighbour table
    polled = [life for life in lives if any(life.started_at <= p < life.ended_at for p in truth["polls"])]
    expected = {(life.v6_address, life.client.mac) for life in polled}
    assert not {address for address, _ in expected} & {slaac_address(mac) for _, mac in expected}
    listed = ", ".join(repr(address) for address, _ in sorted(expected))
    attributed = _query(demo, "select distinct lan_address, mac, mac_source from intermediate."
                              f"int_firewall_flows_attributed where lan_address in ({listed})")  # fmt: skip
    assert {(address, mac) for address, mac, _ in attributed} == expected
    assert {source for *_, source in attributed} == {"neighbor"}


def test_traffic_capture_daily_estimates_the_tails(demo: DemoRun, truth: dict[str, Any]) -> None:
    """The mart's estimate of the bytes after each connection's last poll, against the truth's."""
    day, start, end = _day(demo)
    polls = truth["polls"]
    tails = 0.0
    for life in truth["lives"]:
        visible = [p for p in polls if life.started_at <= p < life.ended_at]
        if visible and start <= visible[-1] < end and life.ended_at <= NOW - STEP:
            tails += sum(life.bytes_between(visible[-1], life.ended_at))
    ((seen, estimated, ended),) = _query(demo, f"select bytes_seen, tail_bytes_estimated, connections_ended "
                                               f"from traffic_capture_daily where local_date = '{day}'")  # fmt: skip
    assert seen == sum(sum(v) for v in truth["seen"].values())
    assert ended > 0
    print(f"\ntails: estimated {estimated / 1e6:.1f} MB, truth {tails / 1e6:.1f} MB")  # noqa: T201
    assert estimated == pytest.approx(tails, rel=0.5)  # an estimate: rate over half the gap


def test_new_country_is_new_the_same_day_and_unexpected(demo: DemoRun, truth: dict[str, Any]) -> None:
    vacuum = next(c for c in demo.site.clients if c.kind == "vacuum")
    first = min(life.started_at for life in truth["lives"] if life.client == vacuum and life.service.country == "CN")
    rows = _query(demo, f"select destination, first_seen_at, first_seen_local_date from new_destinations where "
                        f"mac = '{vacuum.mac}' and destination_kind = 'country' order by first_seen_at")  # fmt: skip
    assert {r[0] for r in rows[:2]} == {"DE", "NL"} and rows[2][0] == "CN" and len(rows) == 3
    _, seen_at, local_date = rows[-1]
    assert timedelta(0) <= seen_at.astimezone(UTC) - first < TABLES_EVERY
    assert local_date == first.astimezone(demo.site.tz).date()
    unexpected = _query(demo, "select mac, device_type, country_code, asn from device_destinations_unexpected")
    assert unexpected == [(vacuum.mac, "vacuum", "CN", SERVICES["ota"].asn)]  # cameras and plugs stay in DE
    with AlertStore(state_path(demo.settings)) as store:
        keys = set(store.open_alerts())
    assert f"unexpected_destination/{vacuum.mac}" in keys


def test_inbound_attempts_daily_counts_the_forwarded_port(demo: DemoRun, truth: dict[str, Any]) -> None:
    day, start, end = _day(demo)
    polls = truth["polls"]
    inbound = [life for life in truth["lives"] if life.talk.inbound
               and any(life.started_at <= p < life.ended_at and start <= p < end for p in polls)]  # fmt: skip
    rows = _query(demo, f"select country_code, asn, device_name, dst_port, connections, answered_connections "
                        f"from inbound_attempts_daily where local_date = '{day}'")  # fmt: skip
    master = inbound[0].client
    assert rows == [("FR", SERVICES["remote"].asn, master.metadata.name, 8443, len(inbound), len(inbound))]
