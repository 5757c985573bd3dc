"""The IPv6 side of the site model: phones, laptops and tablets open their IPv6 connections from a temporary address
that rotates daily (deterministic from MAC and day), and the neighbour table maps every address in use to its MAC,
keeping an address a while (stale) after its last use."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from homelake.sim.model.flows import (
    LAN_V6_PREFIX,
    TEMPORARY_ADDRESS_S,
    flow_lives,
    flows_at,
    slaac_address,
    temporary_address,
    temporary_period,
    uses_privacy_addresses,
)
from homelake.sim.model.neighbours import STALE_KEPT_S, ipv6_neighbours, speaks_ipv6
from homelake.sim.model.site import build_site, sample_times

SITE = build_site()
DAY = timedelta(seconds=TEMPORARY_ADDRESS_S)


def test_privacy_devices_are_the_catalogues_phones_laptops_and_tablets() -> None:
    privacy = {c.id for c in SITE.clients if uses_privacy_addresses(c)}
    assert privacy == {c.id for c in SITE.clients if c.kind in {"phone", "laptop", "tablet"}}
    # some talk IPv6 (the CDN), and some IPv6 talkers keep SLAAC (the TV boxes, the speaker)
    assert {c.id for c in SITE.clients if speaks_ipv6(c)} & privacy
    assert {c.id for c in SITE.clients if speaks_ipv6(c)} - privacy


def test_a_temporary_address_is_random_looking_daily_and_deterministic() -> None:
    phone = next(c for c in SITE.clients if c.kind == "phone")
    number, start, end = temporary_period(phone.mac, SITE.start)
    assert start <= SITE.start < end and end - start == DAY
    assert temporary_period(phone.mac, end) == (number + 1, end, end + DAY)
    addresses = [temporary_address(phone.mac, n) for n in range(number, number + 30)]
    assert len(set(addresses)) == 30 and addresses[0] == temporary_address(phone.mac, number)
    network = ipaddress.IPv6Network(f"{LAN_V6_PREFIX}::/64")
    for address in addresses:
        ip = ipaddress.IPv6Address(address)
        assert ip in network and address != slaac_address(phone.mac)
        interface_id = ip.packed[8:]
        assert interface_id[3:5] != b"\xff\xfe" and not interface_id[0] & 0x02  # no EUI-64 look-alike, u bit 0
    # another device, another address and another rotation time (a phase of its own)
    laptop = next(c for c in SITE.clients if c.kind == "laptop")
    assert temporary_address(laptop.mac, number) != addresses[0]
    assert temporary_period(laptop.mac, SITE.start)[1] != start


def test_every_ipv6_flow_address_is_in_the_neighbour_table_with_its_mac() -> None:
    """Over two days every 10 minutes: each IPv6 flow's source is in the table with the device's MAC, privacy
    devices' flows never come from their SLAAC address, and some rotate while a connection keeps the old one."""
    rotated_mid_connection = 0
    for t in sample_times(SITE.start, SITE.start + 2 * DAY, timedelta(minutes=10)):
        table = {n.address: n for n in ipv6_neighbours(SITE, t)}
        for flow in flows_at(SITE, t):
            if ":" not in flow.service.address:
                continue
            entry = table[flow.src_address]
            assert entry.mac == flow.client.mac and entry.status == "reachable"
            if uses_privacy_addresses(flow.client):
                assert flow.src_address != slaac_address(flow.client.mac)
                current = temporary_address(flow.client.mac, temporary_period(flow.client.mac, t)[0])
                rotated_mid_connection += flow.src_address != current
                assert current in table  # the address of the day is there too
            else:
                assert flow.src_address == slaac_address(flow.client.mac)
    assert rotated_mid_connection > 0


def test_an_address_stays_stale_for_a_while_after_its_last_use_then_goes() -> None:
    """A temporary address whose last connection outlived its day: stale after that connection ends, gone
    STALE_KEPT_S later."""
    lives = [life for life in flow_lives(SITE, SITE.start, SITE.start + 2 * DAY)
             if uses_privacy_addresses(life.client) and ":" in life.service.address]  # fmt: skip
    checked = 0
    for life in lives:
        address, mac = life.v6_address, life.client.mac
        uses = [x for x in lives if x.v6_address == address]
        last_use = max(x.ended_at for x in uses)
        period_end = temporary_period(mac, life.started_at)[2]
        if last_use <= period_end:
            continue  # its last use was within its day: the device may still be online with it, or just left
        after = {n.address: n for n in ipv6_neighbours(SITE, last_use + timedelta(minutes=5))}
        assert after[address].status == "stale" and after[address].mac == mac
        gone = {n.address for n in ipv6_neighbours(SITE, last_use + timedelta(seconds=STALE_KEPT_S + 60))}
        assert address not in gone
        checked += 1
    assert checked > 0
