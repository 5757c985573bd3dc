"""The network marts against the site's ground truth: checks shared by the network e2e and the clock sweep."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from homelake.lake import layout
from homelake.sim.demo.pipeline import DemoRun
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES, MIKROTIK_WIFI_CLIENTS
from homelake.warehouse.query import connect_readonly


def lake(run: DemoRun, sql: str, *datasets: object) -> list[tuple[Any, ...]]:
    globs = [layout.glob_pattern(run.settings.lake.root, d) for d in datasets]  # type: ignore[arg-type]
    return duckdb.connect().execute(sql.format(*[f"read_parquet('{g}')" for g in globs])).fetchall()


def mart(run: DemoRun, sql: str) -> list[tuple[Any, ...]]:
    con = connect_readonly(run.settings.warehouse.path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def history_start(run: DemoRun) -> datetime:
    return run.now - timedelta(days=run.days)


def newest_observation(run: DemoRun) -> datetime:
    sql = "select max(observed_at) from (select observed_at from {0} union all select observed_at from {1})"
    return lake(run, sql, MIKROTIK_DHCP_LEASES, MIKROTIK_WIFI_CLIENTS)[0][0]


def check_inventory(run: DemoRun) -> set[str]:
    """Every device ever seen (and every known one) is in the inventory, with the true metadata, address,
    hostname and online state as of the newest lease poll. Returns the MACs of the unknown devices."""
    as_of = lake(run, "select max(observed_at) from {0}", MIKROTIK_DHCP_LEASES)[0][0]
    start = history_start(run)
    truth_now = run.site.state_at(as_of)
    ever = run.site.online_spans(start, as_of + timedelta(seconds=1), timedelta(minutes=5))
    rows = mart(run, "select mac, name, owner, room, current_ip, current_hostname, is_online, is_known from inventory")
    inventory = {r[0]: r for r in rows}
    wifi_sql = "select mac, max(observed_at) from {0} where mac is not null group by mac"
    last_on_wifi = dict(lake(run, wifi_sql, MIKROTIK_WIFI_CLIENTS))

    expected_macs = {c.mac for c in run.site.clients if c.in_metadata or ever[c.mac] is not None}
    assert set(inventory) == expected_macs
    unknown = {mac for mac, row in inventory.items() if not row[7]}
    assert unknown == {c.mac for c in run.site.clients if not c.in_metadata and ever[c.mac] is not None}

    for client in run.site.clients:
        if client.mac not in inventory:
            continue
        _, name, owner, room, ip, hostname, is_online, is_known = inventory[client.mac]
        state = truth_now.clients[client.mac]
        if client.in_metadata:
            md = client.metadata
            assert (name, owner, room) == (md.name, md.owner, md.room), client.id
        if state.lease is not None:
            assert ip == state.ip, (client.id, ip, state.ip)
        if ever[client.mac] is not None and client.hostname:
            assert hostname == client.hostname, client.id
        if state.online:
            assert is_online, f"{client.id} is online in truth but not in the inventory"
        elif is_online:
            # a wired client is only seen through its lease: it may show online until its next
            # renewal would have been due (half the lease time), never longer. A wifi client is
            # decided by the registration tables, except a battery sleeper whose short wake-ups
            # fall between polls, so that only its DHCP renewal shows it.
            sleeper = client.presence.mode == "sleeper"
            # A wifi client whose last DHCP contact came after the last poll that heard it on the wifi
            # (a renewal just before it left, between two polls) looks to the routers like one that
            # moved to a cable: its lease shows it online, as for a wired client, until a renewal is missed.
            contact = state.lease.last_seen_at if state.lease is not None else None
            heard = last_on_wifi.get(client.mac)
            renewed_unheard = contact is not None and (heard is None or contact > heard + timedelta(seconds=60))
            assert sleeper or renewed_unheard or not client.is_wifi, f"{client.id} left the wifi but is still online"
            lag = timedelta(seconds=client.lease_time_s / 2 + 120)
            assert run.site.is_online(client, as_of - lag) or state.left_at and state.left_at >= as_of - lag, client.id
    return unknown


def check_ip_history(run: DemoRun) -> dict[str, list[str]]:
    """device_ip_history has, per device, exactly the sequence of addresses the DHCP polls saw bound.
    Returns that truth, so that a caller can require the window to hold an address change."""
    polls = [r[0] for r in lake(run, "select distinct observed_at from {0} order by 1", MIKROTIK_DHCP_LEASES)]
    truth: dict[str, list[str]] = defaultdict(list)
    for t in polls:
        for mac, state in run.site.state_at(t).clients.items():
            bound = state.lease is not None and state.lease.status == "bound"
            if bound and (not truth[mac] or truth[mac][-1] != state.ip):
                truth[mac].append(state.ip)
    got: dict[str, list[str]] = defaultdict(list)
    for mac, ip in mart(run, "select mac, ip from device_ip_history order by mac, valid_from"):
        got[mac].append(ip)
    assert dict(got) == dict(truth)
    return dict(truth)


def address_changes(truth: dict[str, list[str]]) -> dict[str, list[str]]:
    return {mac: ips for mac, ips in truth.items() if len(ips) > 1}


def check_wifi_hourly(run: DemoRun) -> None:
    """wifi_clients_hourly counts, per access point and hour, the clients truly associated at its polls."""
    samples = lake(run, "select distinct device_id, observed_at from {0}", MIKROTIK_WIFI_CLIENTS)
    by_hour: dict[tuple[str, datetime], set[str]] = defaultdict(set)
    aps = {r.name for r in run.site.routers if r.role == "ap"}
    poll_times = sorted({t for _, t in samples})
    for t in poll_times:
        for mac, state in run.site.state_at(t).clients.items():
            if state.online and state.ap in aps:
                by_hour[(state.ap, t.replace(minute=0, second=0, microsecond=0))].add(mac)
    got = {
        (ap, hour.astimezone(UTC)): n
        for ap, hour, n in mart(run, "select device_id, hour_start_at, distinct_client_count from wifi_clients_hourly")
    }
    want = {key: len(macs) for key, macs in by_hour.items()}
    assert got == want


def check_presence_bracketed(run: DemoRun) -> None:
    """Every first sighting is true, no sighting is later than the newest poll, and the first and last time
    each device was online in the history are bracketed by first_seen_at and last_seen_at."""
    start = history_start(run)
    newest = newest_observation(run)
    minute = timedelta(minutes=1)  # one-minute samples also catch a battery sleeper's one-minute wake-ups
    rows = mart(run, "select mac, first_seen_at, last_seen_at from inventory where first_seen_at is not null")
    assert rows
    for mac, first, last in rows:
        client = run.site.client(mac)
        slack = timedelta(seconds=client.lease_time_s / 2 + 600)
        # every first sighting is true: the device was online then. A lease still bound at the first poll
        # tells when the router last heard from it, which can be up to one lease time before the history.
        assert first >= start - timedelta(seconds=client.lease_time_s), (client.id, first)
        assert run.site.online_span(client, first - 2 * minute, first + 2 * minute, minute), (client.id, first)
        assert last <= newest, (client.id, last)
        # and none is missed: the first and last time it was online in the history are bracketed
        span = run.site.online_span(client, start, run.now, minute)
        if span is not None:
            assert first <= span[0] + slack, (client.id, first, span[0])
            assert last >= span[1] - slack, (client.id, last, span[1])
        else:  # only the lease memory from before the history saw it
            assert first < start, (client.id, first)
