"""RouterOS value parsing: durations (devices.md 1.4), booleans, MACs, dates, rates, signals, counters."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from homelake.sources.mikrotik import values as v

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1w2d3h4m5s", 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5),
        ("2d20h12m20s", 2 * 86400 + 20 * 3600 + 12 * 60 + 20),
        ("5m10s", 310),
        ("170ms", 0.170),
        ("16s330ms", 16.330),
        ("52m6s30ms", 52 * 60 + 6.030),
        ("1s40ms", 1.040),
        ("9m59s", 599),
        ("1m", 60),
        ("3h", 10800),
        ("0s", 0),
        ("0", 0),
        ("300", 300),
        ("00:00:10", 10),
        ("01:02:03", 3723),
        ("0.12", 0.12),
        ("250us", 0.000250),
        ("1ms500us", 0.0015),
        ("-1h", -3600),
        ("-2d3h", -(2 * 86400 + 3 * 3600)),
        (" 5s ", 5),
    ],
)
def test_duration_grammar(text: str, seconds: float) -> None:
    assert v.parse_duration(text) == pytest.approx(seconds, abs=1e-9)


@pytest.mark.parametrize("text", [None, "", "  ", "never", "NEVER"])
def test_duration_absent_or_never_is_none(text: str | None) -> None:
    assert v.parse_duration(text) is None


@pytest.mark.parametrize("text", ["5x", "1s2m", "m", "-", "1 h", "abc", "12:5:00"])
def test_duration_malformed_raises(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        v.parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("false", False),
        ("yes", True),
        ("no", False),
        ("TRUE", True),
        ("", None),
        (None, None),
    ],
)
def test_bool(text: str | None, expected: bool | None) -> None:
    assert v.parse_bool(text) is expected


def test_bool_malformed_raises() -> None:
    with pytest.raises(ValueError, match="not a boolean"):
        v.parse_bool("maybe")


@pytest.mark.parametrize(
    "text", ["3C:22:FB:00:11:22", "3c:22:fb:00:11:22", "3C-22-FB-00-11-22", "3C22FB001122", "3c22fb001122"]
)
def test_mac_normalised(text: str) -> None:
    assert v.parse_mac(text) == "3c:22:fb:00:11:22"


@pytest.mark.parametrize("text", ["1:3c:22:fb:0:11:22", "3C:22:FB:00:11", "3C:22-FB:00:11:22", "zz:22:fb:00:11:22"])
def test_mac_malformed_raises(text: str) -> None:
    with pytest.raises(ValueError, match="not a MAC"):
        v.parse_mac(text)


def test_ints_are_exact_beyond_32_bits() -> None:
    assert v.parse_int("9876543210123") == 9876543210123
    assert v.parse_int("") is None
    with pytest.raises(ValueError, match="not an integer"):
        v.parse_int("12.5")
    with pytest.raises(ValueError, match="not an integer"):
        v.parse_int("lots")


def test_float_refuses_nan() -> None:
    assert v.parse_float("3") == 3.0
    with pytest.raises(ValueError, match="not a number"):
        v.parse_float("nan")


def test_mtu_auto_is_none() -> None:
    assert v.parse_mtu("auto") is None
    assert v.parse_mtu("1500") == 1500


@pytest.mark.parametrize(
    ("text", "expected"),
    [("192.168.88.23", "192.168.88.23"), ("fd00::0001", "fd00::1"), ("dhcp_pool0", None), ("", None)],
)
def test_ip_keeps_only_addresses(text: str, expected: str | None) -> None:
    assert v.parse_ip(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Winter (CET, +01:00) and summer (CEST, +02:00) in the router's zone.
        ("2024-12-05 09:03:19", datetime(2024, 12, 5, 8, 3, 19, tzinfo=UTC)),
        ("2024-07-01 12:00:00", datetime(2024, 7, 1, 10, 0, 0, tzinfo=UTC)),
        ("Jun/15/2023 05:17:29", datetime(2023, 6, 15, 3, 17, 29, tzinfo=UTC)),
        ("jan/02/2024 00:30:00", datetime(2024, 1, 1, 23, 30, 0, tzinfo=UTC)),
        # 02:30 happens twice on 2024-10-27 in Berlin: the first (summer-time) occurrence is taken.
        ("2024-10-27 02:30:00", datetime(2024, 10, 27, 0, 30, 0, tzinfo=UTC)),
        ("2024-10-27 03:30:00", datetime(2024, 10, 27, 2, 30, 0, tzinfo=UTC)),
    ],
)
def test_local_time_to_utc(text: str, expected: datetime) -> None:
    parsed = v.parse_local_time(text, BERLIN)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None and parsed.tzinfo == UTC


@pytest.mark.parametrize("text", ["Foo/15/2023 05:17:29", "2023-13-01 00:00:00", "05:17:29", "jun/15 05:17:29"])
def test_local_time_malformed_raises(text: str) -> None:
    with pytest.raises(ValueError, match="not a RouterOS date-time"):
        v.parse_local_time(text, BERLIN)


@pytest.mark.parametrize(
    ("text", "bps"),
    [
        ("72.2Mbps-20MHz/1S/SGI", 72_200_000.0),
        ("866.6Mbps-80MHz/2S/SGI", 866_600_000.0),
        ("130Mbps-20MHz/2S", 130_000_000.0),
        ("6Mbps", 6_000_000.0),
        ("1.2Gbps", 1_200_000_000.0),
        ("54000000", 54_000_000.0),
        ("", None),
    ],
)
def test_rate(text: str, bps: float | None) -> None:
    assert v.parse_rate(text) == bps


@pytest.mark.parametrize(("text", "dbm"), [("-62@1Mbps", -62.0), ("-71@HT20-7", -71.0), ("-55", -55.0)])
def test_signal(text: str, dbm: float) -> None:
    assert v.parse_signal(text) == dbm


def test_pair_is_tx_then_rx() -> None:
    assert v.parse_pair("5368709120,12345678") == (5368709120, 12345678)
    assert v.parse_pair(None) == (None, None)
    with pytest.raises(ValueError, match="pair"):
        v.parse_pair("12345")
