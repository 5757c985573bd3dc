"""E2E over a simulated week (the uplink model's upstream outage, link-down and flapping gateway fall in its first
day and a half, quiet days follow): the simulated uplink's outages -> the firewall's probes and interface counters
in the backfill -> lake ->
dbt build -> `uplink_outages` equals the truth (start and end within one probe interval, the cause right),
`uplink_quality_hourly` equals the probes' truth, `netwatch_status_changes` the router's Netwatch down periods
to the second, and `wan_traffic_daily` the WAN port's byte truth; the PoE
switch's per-port energy (`poe_energy_hourly`, `poe_energy_daily`) equals the switch model's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median, quantiles
from typing import Any

import pytest

from homelake.cli.transform import run_transform
from homelake.sim.demo.pipeline import DemoRun
from homelake.sim.model.poe_switch import POE_PORTS, PoeSwitch
from homelake.sim.model.uplink import GATEWAY, PROBE_TARGETS, PUBLIC_IPS, RESOLVER, Uplink
from homelake.sources.mikrotik.edge_collector import PING_COUNT
from homelake.sources.mikrotik.simulator.edge import WAN, wan_interfaces
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
PROBE_INTERVAL = timedelta(minutes=5)  # the backfill's step: one probe round each
NOW = datetime(2025, 3, 12, 6, 0, tzinfo=UTC)  # pinned: the site starts a week before
DAYS = 7
MARTS = ("uplink_outages", "netwatch_status_changes", "uplink_quality_hourly", "wan_traffic_daily",
         "public_ip_history", "poe_energy_hourly", "poe_energy_daily")  # fmt: skip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    # the network families only: the firewall, access points and switch (DHCP leases name the PoE devices)
    demo = DemoRun(tmp_path_factory.mktemp("uplink") / "site", days=DAYS, now=NOW, families=("mikrotik", "swos"))
    demo.start()
    try:
        demo.lay_history(step=PROBE_INTERVAL, mqtt=False)
    finally:
        demo.stop()
    run_transform(demo.settings, select=" ".join(f"+{model}" for model in MARTS))
    return demo


def _query(demo: DemoRun, sql: str) -> list[tuple[Any, ...]]:
    con = connect_readonly(demo.settings.warehouse.path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_uplink_outages_equal_the_truth(demo: DemoRun) -> None:
    rows = _query(demo, "select started_at, ended_at, cause from uplink_outages where device_id = 'fw' "
                        "order by started_at")  # fmt: skip
    truth = Uplink(demo.site).outages
    assert len(rows) == len(truth), rows
    for (started_at, ended_at, cause), outage in zip(rows, truth, strict=True):
        assert cause == outage.cause
        assert timedelta(0) <= started_at.astimezone(UTC) - outage.start < PROBE_INTERVAL
        assert timedelta(0) <= ended_at.astimezone(UTC) - outage.end < PROBE_INTERVAL


def test_netwatch_down_periods_equal_the_uplink_outages(demo: DemoRun) -> None:
    """Per Netwatch host: the down periods are the spans the uplink model makes it unreachable, to the second
    (Netwatch's `since` is the transition, however seldom it is polled), each after an up period."""
    uplink = Uplink(demo.site)
    rows = _query(demo, "select host, status, previous_status, changed_at, ended_at, is_current "
                        "from netwatch_status_changes where device_id = 'fw' order by host, changed_at")  # fmt: skip
    assert {host for host, *_ in rows} == set(PROBE_TARGETS)
    for target in PROBE_TARGETS:
        periods = [row[1:] for row in rows if row[0] == target]
        down = [(start.astimezone(UTC), end.astimezone(UTC)) for status, _, start, end, _ in periods
                if status == "down"]  # fmt: skip
        assert down == list(uplink.unreachable_spans(target)), target
        assert [status for status, *_ in periods] == ["up", "down"] * len(down) + ["up"]
        assert [previous for _, previous, *_ in periods] == [None] + [s for s, *_ in periods[:-1]]
        assert [current for *_, current in periods] == [False] * (len(periods) - 1) + [True]
    # the gateway answers through the upstream outage: it has fewer down periods than the resolver
    assert len(uplink.unreachable_spans(GATEWAY)) < len(uplink.unreachable_spans(RESOLVER))


def test_uplink_quality_hourly_equals_the_probes_truth(demo: DemoRun) -> None:
    """Every hour and target: loss, median, 95th percentile and jitter as the uplink model's echoes give them."""
    uplink = Uplink(demo.site)
    sql = "select distinct observed_at from staging.stg_mikrotik__pings where device_id = 'fw' order by 1"
    rounds = [t.astimezone(UTC) for (t,) in _query(demo, sql)]
    # one round per probe interval over the history, none missing
    assert len(rounds) == len({demo.site.start + k * PROBE_INTERVAL for k in range(len(rounds))} & set(rounds))
    want: dict[tuple[str, datetime], list[float | None]] = {}
    for t in rounds:
        for target in PROBE_TARGETS:
            hour = t.replace(minute=0, second=0, microsecond=0)
            want.setdefault((target, hour), []).extend(
                uplink.rtt_ms(target, t + timedelta(seconds=seq), seq) for seq in range(PING_COUNT)
            )
    got = {
        (target, hour.astimezone(UTC)): rest
        for target, hour, *rest in _query(
            demo,
            "select target_address, hour_start, echoes_sent, echoes_lost, "
            "rtt_p50_ms, rtt_p95_ms, jitter_ms from uplink_quality_hourly "
            "where device_id = 'fw'",
        )  # fmt: skip
    }
    assert set(got) == set(want)
    lossy = 0
    for key, echoes in want.items():
        sent, lost, p50, p95, jitter = got[key]
        answered = [r for r in echoes if r is not None]
        assert (sent, lost) == (len(echoes), len(echoes) - len(answered)), key
        lossy += lost > 0
        if not answered:
            assert p50 is None and p95 is None, key
            continue
        assert p50 == pytest.approx(median(answered), abs=1e-6), key
        assert p95 == pytest.approx(_p95(answered), abs=1e-6), key
        steps = [abs(b - a) for a, b in zip(answered, answered[1:], strict=False)]
        assert jitter == (pytest.approx(sum(steps) / len(steps), abs=1e-6) if steps else None), key
    assert lossy >= 3  # the outages and the model's 1% random loss are in there


def test_wan_traffic_daily_equals_the_counters_truth(demo: DemoRun) -> None:
    """Every whole local day of the week (a reboot and the link-down among them): download and upload bytes
    within 0.5% of the WAN port's truth."""
    fw = next(r for r in demo.site.routers if r.name == "fw")
    tz = demo.site.tz
    first = (demo.site.start.astimezone(tz) + timedelta(days=1)).date()
    days = [first + timedelta(days=k) for k in range((NOW.astimezone(tz).date() - first).days)]
    assert len(days) >= DAYS - 1
    got = {day: (rx, tx, polls) for day, rx, tx, polls in _query(
        demo, f"select local_date, rx_bytes, tx_bytes, polls from wan_traffic_daily "
              f"where device_id = 'fw' and interface_name = '{WAN}'")}  # fmt: skip
    for day in days:
        start = datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
        truth = {"rx-byte": 0, "tx-byte": 0}
        previous: dict[str, int] | None = None
        for minute in range(int((end - start).total_seconds()) // 60 + 1):  # minute by minute: a drop is a reboot
            row = next(r for r in wan_interfaces(demo.site, fw, start + timedelta(minutes=minute)) if r["name"] == WAN)
            now = {k: int(row[k]) for k in truth}
            if previous is not None:
                for k in truth:
                    truth[k] += now[k] - previous[k] if now[k] >= previous[k] else now[k]
            previous = now
        rx, tx, polls = got[day]
        assert polls >= 24 * 60 // 5 - 1, day
        assert truth["rx-byte"] > 10**8, day
        assert rx == pytest.approx(truth["rx-byte"], rel=0.005), day
        assert tx == pytest.approx(truth["tx-byte"], rel=0.005), day
    # only the firewall faces the internet: the switch's and the access points' ether1 are LAN ports
    assert _query(demo, "select distinct device_id from wan_traffic_daily") == [("fw",)]


def _p95(values: list[float]) -> float:
    """The 95th percentile with linear interpolation between closest ranks (DuckDB's quantile_cont)."""
    return values[0] if len(values) == 1 else quantiles(values, n=20, method="inclusive")[18]


def test_public_ip_history_follows_the_isp(demo: DemoRun) -> None:
    """The ISP hands out a new address after the link-down outage: two periods, the change within one poll."""
    uplink = Uplink(demo.site)
    rows = _query(demo, "select public_ip, first_seen_at, last_seen_at, replaced_at, is_current "
                        "from public_ip_history where device_id = 'fw' order by first_seen_at")  # fmt: skip
    link_down = next(o for o in uplink.outages if o.cause == "link_down")
    assert [(ip, current) for ip, _, _, _, current in rows] == [(PUBLIC_IPS[0], False), (PUBLIC_IPS[1], True)]
    (_, first0, last0, replaced0, _), (_, first1, _, replaced1, _) = rows
    assert first0.astimezone(UTC) == demo.site.start
    assert timedelta(0) < link_down.start - last0.astimezone(UTC) <= PROBE_INTERVAL
    assert timedelta(0) <= first1.astimezone(UTC) - link_down.end < PROBE_INTERVAL
    assert replaced0 == first1 and replaced1 is None
    # the first poll after the outage's end sees the truth's address
    assert uplink.public_ip(first1.astimezone(UTC)) == PUBLIC_IPS[1]


def test_poe_energy_per_port_equals_the_switch_truth(demo: DemoRun) -> None:
    """The switch's PoE readings (every 5 minutes in the backfill) -> energy per port: every whole hour within
    2% of the switch model's exact energy, the whole local day within 0.5%; each port names the device it
    powers (cameras by the metadata, access points by their RouterOS MAC) and the camera's room."""
    switch = PoeSwitch(demo.site)
    ports = {p.port: p for p in switch.ports}
    assert {p.kind for p in ports.values()} == {"camera", "ap"}
    hours = _query(demo, "select port_number, hour_start_at, energy_wh, coverage from poe_energy_hourly "
                         "where coverage = 1 order by 1, 2")  # fmt: skip

    def truth_wh(port: int, start: datetime, end: datetime) -> float:  # an empty port draws nothing
        return switch.energy_wh(ports[port], start, end) if port in ports else 0.0

    assert {port for port, *_ in hours} == set(range(1, POE_PORTS + 1))
    assert len(hours) >= POE_PORTS * (DAYS * 24 - 2)  # the week's whole hours
    for port, hour, energy_wh, _ in hours:
        start = hour.astimezone(UTC)
        assert energy_wh == pytest.approx(truth_wh(port, start, start + timedelta(hours=1)), rel=0.02, abs=1e-9)
    tz = demo.site.tz
    day = (NOW.astimezone(tz) - timedelta(days=1)).date()
    start = datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
    daily = _query(demo, f"select port_number, energy_wh, is_complete, powered_device, powered_device_type, room "
                         f"from poe_energy_daily where local_date = '{day}' order by 1")  # fmt: skip
    assert [row[0] for row in daily] == list(range(1, POE_PORTS + 1))
    names = {c.id: c.metadata.name for c in demo.site.clients_of_kind("camera")}
    rooms = {c.id: c.metadata.room for c in demo.site.clients_of_kind("camera")}
    for port, energy_wh, complete, device, device_type, room in daily:
        assert complete
        assert energy_wh == pytest.approx(truth_wh(port, start, end), rel=0.005, abs=1e-9)
        if port not in ports:
            assert (device, device_type, room) == (f"Port{port}", None, None) and energy_wh == 0  # the port's name
            continue
        truth = ports[port]
        if truth.kind == "camera":
            assert (device, device_type, room) == (names[truth.device], "camera", rooms[truth.device])
        else:
            assert (device, device_type, room) == (truth.device, "router", None)
