"""Parsers on recorded RouterOS REST payloads: exact values, schema conformance, rejects, bad shapes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from homelake.sources import dataset as dataset_of
from homelake.sources.base import ParseContext, ParseResult, PayloadError
from homelake.sources.mikrotik import parser

Load = Callable[[str], Any]


def _by(result: ParseResult, column: str) -> dict[Any, dict[str, Any]]:
    return {row[column]: row for row in result.rows}


def _assert_schema(result: ParseResult) -> None:
    names = dataset_of(result.dataset).schema.names
    assert result.rows
    for row in result.rows:
        assert list(row) == names


PARSED_FIXTURES = [
    ("rb4011_7.16.2_dhcp_leases.json", lambda data, ctx: parser.parse_leases(data, ctx), 5),
    ("cap_ax_7.16.2_wifi_registration.json", lambda data, ctx: parser.parse_wifi(data, ctx, "wifi"), 3),
    (
        "hap_ax3_7.12_wifiwave2_registration.json",
        lambda data, ctx: parser.parse_wifi(data, ctx, "wifiwave2"),
        1,
    ),
    (
        "hap_ac2_7.16.2_wireless_registration.json",
        lambda data, ctx: parser.parse_wifi(data, ctx, "wireless"),
        2,
    ),
    ("rb4011_7.12_capsman_registration.json", lambda data, ctx: parser.parse_wifi(data, ctx, "capsman"), 2),
    ("rb4011_7.16.2_interfaces.json", lambda data, ctx: parser.parse_interfaces(data, ctx), 6),
    ("rb4011_7.16.2_resource.json", lambda data, ctx: parser.parse_system(data, ctx, {"name": "fw-core"}), 1),
    ("rb4011_7.10_resource.json", lambda data, ctx: parser.parse_system(data, ctx), 1),
]


@pytest.mark.parametrize(("name", "parse", "count"), PARSED_FIXTURES, ids=[f[0] for f in PARSED_FIXTURES])
def test_every_fixture_parses_to_schema_rows(
    name: str, parse: Callable[[Any, ParseContext], ParseResult], count: int, load: Load, ctx: ParseContext
) -> None:
    result = parse(load(name), ctx)
    assert result.rejects == []
    assert len(result.rows) == count
    _assert_schema(result)
    for row in result.rows:
        assert row["device_id"] == "fw-core" and row["family"] == "mikrotik"
        assert all(value != "" for value in row.values())


def test_leases(load: Load, ctx: ParseContext) -> None:
    leases = _by(parser.parse_leases(load("rb4011_7.16.2_dhcp_leases.json"), ctx), "lease_id")
    bound = leases["*1A"]
    assert bound["mac"] == "3c:22:fb:00:11:22"
    assert bound["client_id"] == "1:3c:22:fb:0:11:22"  # opaque, not a MAC
    assert (bound["ip"], bound["active_ip"], bound["hostname"]) == ("192.168.88.23",) * 2 + ("laptop-anna",)
    assert (bound["status"], bound["server"]) == ("bound", "defconf")
    assert (bound["is_dynamic"], bound["is_blocked"], bound["is_disabled"]) == (True, False, False)
    assert (bound["last_seen_s"], bound["expires_after_s"]) == (69.0, 531.0)
    assert bound["comment"] is None

    static = leases["*5"]
    assert static["last_seen_s"] is None  # "never"
    assert static["expires_after_s"] is None and static["active_ip"] is None and static["hostname"] is None
    assert static["client_id"] is None and static["is_dynamic"] is False and static["comment"] == "NAS"

    pool = leases["*7"]
    assert pool["ip"] is None  # "dhcp_pool0" is a pool name, not an address
    assert pool["active_ip"] == "192.168.88.201"
    assert pool["last_seen_s"] == pytest.approx(52 * 60 + 6.03)

    assert leases["*2B"]["last_seen_s"] == pytest.approx(1.04)
    assert leases["*0"]["last_seen_s"] == 2 * 604800 + 3 * 86400 + 4 * 3600 + 5 * 60 + 6
    assert (leases["*0"]["is_blocked"], leases["*0"]["is_disabled"]) == (True, True)


def test_empty_leases_is_zero_rows(load: Load, ctx: ParseContext) -> None:
    result = parser.parse_leases(load("cap_ax_7.16.2_dhcp_leases.json"), ctx)
    assert (result.rows, result.rejects, result.dataset) == ([], [], "mikrotik/dhcp_leases")


def test_bad_lease_items_are_rejected_and_others_kept(load: Load, ctx: ParseContext) -> None:
    good = load("rb4011_7.16.2_dhcp_leases.json")[0]
    no_mac = {
        ".id": "*9",
        "address": "192.168.88.99",
        "client-id": "1:aa:bb:cc:dd:ee:ff",
        "status": "waiting",
    }
    bad_mac = {".id": "*A", "mac-address": "not-a-mac"}
    bad_duration = {".id": "*B", "mac-address": "00:11:22:33:44:55", "last-seen": "soon"}
    payload = [good, "junk", no_mac, bad_mac, bad_duration, {**good, "extra-field": "ignored"}]
    result = parser.parse_leases(payload, ctx)
    assert [row["lease_id"] for row in result.rows] == ["*1A", "*1A"]
    assert len(result.rejects) == 4
    reasons = [reject.reason for reject in result.rejects]
    assert "item 1" in reasons[0] and "expected an object" in reasons[0]
    assert "mac-address: required but absent" in reasons[1]  # never derived from client-id
    assert "mac-address: not a MAC address" in reasons[2]
    assert "last-seen: not a duration" in reasons[3]
    assert json.loads(result.rejects[1].payload) == no_mac
    assert result.rejects[0].payload == b'"junk"'


@pytest.mark.parametrize("payload", [{"error": 400}, None, "[]", 42])
def test_non_list_payload_raises(payload: Any, ctx: ParseContext) -> None:
    with pytest.raises(PayloadError, match="expected a JSON array"):
        parser.parse_leases(payload, ctx)
    with pytest.raises(PayloadError):
        parser.parse_wifi(payload, ctx, "wifi")
    with pytest.raises(PayloadError):
        parser.parse_interfaces(payload, ctx)


def test_wifi_v7(load: Load, ctx: ParseContext) -> None:
    clients = _by(parser.parse_wifi(load("cap_ax_7.16.2_wifi_registration.json"), ctx, "wifi"), "mac")
    first = clients["3c:22:fb:00:11:22"]
    assert (first["menu"], first["interface"], first["ssid"]) == ("wifi", "wifi1", "home")
    assert (first["signal_dbm"], first["tx_rate_bps"], first["rx_rate_bps"]) == (-58.0, 1.2009e9, 8.648e8)
    assert (first["tx_bytes"], first["rx_bytes"]) == (5368709120, 12345678)
    assert first["uptime_s"] == 2 * 3600 + 13 * 60 + 45
    assert first["last_activity_s"] == pytest.approx(0.04)
    assert first["last_ip"] is None and first["comment"] is None
    assert clients["62:1f:0a:9b:8c:7d"]["last_activity_s"] is None
    assert clients["62:1f:0a:9b:8c:7d"]["uptime_s"] == 0.0


def test_wifi_legacy_wireless(load: Load, ctx: ParseContext) -> None:
    clients = _by(parser.parse_wifi(load("hap_ac2_7.16.2_wireless_registration.json"), ctx, "wireless"), "mac")
    first = clients["00:1a:2b:3c:4d:5e"]
    assert first["signal_dbm"] == -62.0  # "-62@1Mbps"
    assert (first["rx_rate_bps"], first["tx_rate_bps"]) == (72_200_000.0, 65_000_000.0)
    assert (first["tx_bytes"], first["rx_bytes"]) == (17536671, 2966351)  # "tx,rx": AP perspective
    assert first["last_ip"] == "192.168.88.14" and first["ssid"] is None
    assert first["uptime_s"] == 5 * 3600 + 49 * 60 + 36 and first["last_activity_s"] == pytest.approx(0.17)
    second = clients["ac:bc:32:11:22:33"]
    assert (second["signal_dbm"], second["tx_rate_bps"], second["comment"]) == (-71.0, 866_600_000.0, "tv")


def test_wifi_legacy_capsman(load: Load, ctx: ParseContext) -> None:
    clients = _by(parser.parse_wifi(load("rb4011_7.12_capsman_registration.json"), ctx, "capsman"), "mac")
    first = clients["d8:3a:dd:44:55:66"]
    assert (first["menu"], first["interface"], first["signal_dbm"]) == ("capsman", "cap-livingroom-1", -60.0)
    assert (first["rx_rate_bps"], first["tx_rate_bps"]) == (144_400_000.0, 130_000_000.0)
    assert first["uptime_s"] == 86400 + 3 * 3600 + 5 * 60
    assert clients["98:01:a7:0b:0c:0d"]["comment"] == "printer"


def test_wifi_unknown_menu_is_a_programming_error(ctx: ParseContext) -> None:
    with pytest.raises(ValueError, match="unknown wifi menu"):
        parser.parse_wifi([], ctx, "bluetooth")


def test_wifi_bad_item_rejected(load: Load, ctx: ParseContext) -> None:
    good = load("cap_ax_7.16.2_wifi_registration.json")[0]
    result = parser.parse_wifi([{**good, "bytes": "12"}, {**good, "signal": "loud"}, good], ctx, "wifi")
    assert len(result.rows) == 1
    assert ["bytes" in result.rejects[0].reason, "signal" in result.rejects[1].reason] == [True, True]


def test_interfaces(load: Load, ctx: ParseContext) -> None:
    interfaces = _by(parser.parse_interfaces(load("rb4011_7.16.2_interfaces.json"), ctx), "interface")
    wan = interfaces["ether1-wan"]
    assert (wan["interface_id"], wan["default_name"], wan["type"]) == ("*1", "ether1", "ether")
    assert (wan["mac"], wan["mtu"], wan["is_running"], wan["is_disabled"]) == (
        "48:8f:5a:01:02:03",
        1500,
        True,
        False,
    )
    assert (wan["rx_bytes"], wan["tx_bytes"]) == (9876543210123, 1234567890123)  # beyond 2**32
    assert (wan["rx_packets"], wan["link_downs"], wan["comment"]) == (8765432101, 3, "uplink ISP")
    assert wan["last_link_up_at"] == datetime(2024, 12, 5, 8, 3, 19, tzinfo=UTC)  # CET
    ether2 = interfaces["ether2"]
    assert (ether2["rx_drops"], ether2["tx_drops"], ether2["rx_errors"], ether2["tx_errors"]) == (1, 2, 3, 4)
    assert ether2["last_link_up_at"] == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # ambiguous hour: CEST
    assert interfaces["ether5"]["last_link_up_at"] is None and interfaces["ether5"]["is_running"] is False
    assert interfaces["bridge"]["mtu"] is None  # "auto"
    assert interfaces["bridge"]["default_name"] is None
    assert (interfaces["wg-home"]["mac"], interfaces["wg-home"]["mtu"]) == (None, 1420)


def test_interface_with_bad_counter_rejected(load: Load, ctx: ParseContext) -> None:
    items = load("rb4011_7.16.2_interfaces.json")
    items[1]["rx-byte"] = "12kB"
    result = parser.parse_interfaces(items, ctx)
    assert len(result.rows) == 5
    assert "rx-byte: not an integer" in result.rejects[0].reason


def test_system_bare_object_with_identity(load: Load, ctx: ParseContext) -> None:
    result = parser.parse_system(load("rb4011_7.16.2_resource.json"), ctx, load("rb4011_7.16.2_identity.json"))
    (row,) = result.rows
    assert (row["identity"], row["board_name"], row["version"]) == (
        "fw-core",
        "RB4011iGS+",
        "7.16.2 (stable)",
    )
    assert (row["architecture"], row["cpu"], row["cpu_count"], row["cpu_load_pct"]) == ("arm", "ARM", 4, 3.0)
    assert (row["free_memory_bytes"], row["total_memory_bytes"]) == (862306304, 1073741824)
    assert (row["free_hdd_bytes"], row["total_hdd_bytes"]) == (446545920, 536870912)
    assert row["uptime_s"] == 3 * 604800 + 2 * 86400 + 4 * 3600 + 5 * 60 + 6
    assert row["build_time"] == datetime(2024, 11, 26, 11, 37, 36, tzinfo=UTC)


def test_system_old_date_format_in_list(load: Load, ctx: ParseContext) -> None:
    (row,) = parser.parse_system(load("rb4011_7.10_resource.json"), ctx).rows
    assert row["build_time"] == datetime(2023, 6, 15, 3, 17, 29, tzinfo=UTC)  # CEST
    assert (row["identity"], row["version"]) == (None, "7.10 (stable)")


@pytest.mark.parametrize("payload", [[], [{}, {}], "x", None])
def test_system_wrong_shape_raises(payload: Any, ctx: ParseContext) -> None:
    with pytest.raises(PayloadError, match="system resource"):
        parser.parse_system(payload, ctx)


def test_system_bad_value_and_bad_identity_are_rejects(load: Load, ctx: ParseContext) -> None:
    resource = load("rb4011_7.16.2_resource.json")
    result = parser.parse_system(resource, ctx, ["not", "an", "object"])
    assert result.rows[0]["identity"] is None and "identity" in result.rejects[0].reason
    result = parser.parse_system({**resource, "cpu-load": "high"}, ctx, {"name": "fw-core"})
    assert result.rows == [] and "cpu-load: not a number" in result.rejects[0].reason
