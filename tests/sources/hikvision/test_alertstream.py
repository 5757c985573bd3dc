"""The incremental alertStream parser: every oddity devices send, fed in any chunking, to alerts rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from homelake.sources.base import ParseContext
from homelake.sources.hikvision import SPEC
from homelake.sources.hikvision.alerts import is_alert, parse_part
from homelake.sources.hikvision.multipart import MultipartStream, Part, boundary_of
from tests.sources.hikvision.conftest import OBSERVED_AT, fixture

EXPECTED = [  # (event_type, state, channel, post count, target, heartbeat, content type) per alert part, in order
    ("videoloss", "inactive", 1, 0, None, True, "application/xml"),
    ("vmd", "active", 1, 1, "human", False, "application/xml"),
    ("vmd", "active", 1, 2, "vehicle", False, "application/json"),
    ("videoloss", "inactive", 1, None, None, True, "application/xml"),
    ("firedetection", "active", 1, 1, None, False, "application/xml"),
    ("videoloss", "active", 1, 1, None, False, "application/xml"),
    ("vmd", "inactive", 1, 3, None, False, "application/xml"),
]

KINDS = {kind.name: kind for kind in SPEC.parse_kinds}


def _parts(data: bytes, chunk: int) -> list[Part]:
    stream = MultipartStream("boundary")
    parts: list[Part] = []
    for i in range(0, len(data), chunk):
        parts += stream.feed(data[i : i + chunk])
    return parts + stream.flush()


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 20])
def test_every_oddity_in_any_chunking(ctx: ParseContext, chunk: int) -> None:
    parts = _parts(fixture("alertstream_oddities.txt"), chunk)
    assert [p.content_type for p in parts if not is_alert(p)] == ["image/jpeg"]
    assert parts[3].body == b"\xff\xd8\xff\xe0fakejpeg\xff\xd9"
    results = [parse_part(p, ctx) for p in parts if is_alert(p)]
    rows = [r for res in results for r in res.rows]
    got = [
        (r["event_type"], r["event_state"], r["channel"], r["active_post_count"], r["target_type"],
         r["is_heartbeat"], r["content_type"])
        for r in rows
    ]  # fmt: skip
    assert got == EXPECTED
    rejects = [j for res in results for j in res.rejects]
    assert len(rejects) == 1
    assert rejects[0].payload.startswith(b"<EventNotificationAlert><eventType>VMD")
    assert "not well-formed XML" in rejects[0].reason


def test_times_are_utc_and_naive_device_times_are_local(ctx: ParseContext) -> None:
    (result,) = KINDS["hikvision-alertstream"].run(fixture("alertstream_oddities.txt"), ctx)
    times = [r["observed_at"] for r in result.rows]
    assert times[1] == datetime(2026, 12, 7, 14, 0, 1, tzinfo=UTC)
    assert times[2] == datetime(2026, 12, 7, 14, 0, 2, tzinfo=UTC)
    assert times[4] == datetime(2026, 12, 7, 14, 0, 3, tzinfo=UTC)  # "15:00:03" without offset, Europe/Berlin
    assert all(r["received_at"] == OBSERVED_AT for r in result.rows)
    assert (result.rows[1]["ip"], result.rows[1]["mac"]) == ("192.0.2.64", "c0:56:e3:a1:b2:c3")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('multipart/mixed; boundary="boundary"', "boundary"),
        ("multipart/mixed;boundary=MIME_boundary", "MIME_boundary"),
        ("multipart/mixed; boundary=--xyz", "xyz"),
        ("application/xml", None),
        (None, None),
    ],
)
def test_boundary_from_the_header(header: str | None, expected: str | None) -> None:
    assert boundary_of(header) == expected


def test_a_part_is_emitted_as_soon_as_it_is_complete() -> None:
    stream = MultipartStream("b")
    body = b"<EventNotificationAlert><eventType>VMD</eventType></EventNotificationAlert>"
    assert stream.feed(b"--b\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n" % len(body)) == []
    assert [p.body for p in stream.feed(body)] == [body]  # no need to wait for the next boundary
    assert [p.body for p in MultipartStream("b").feed(b"--b\r\nContent-Type: application/xml\r\n\r\n" + body)] == [
        body
    ]  # no Content-Length: the closing tag ends it


def test_oversized_part_is_cut_off_reported_and_the_stream_goes_on(ctx: ParseContext) -> None:
    stream = MultipartStream("b", max_part_bytes=100)
    big = b"<EventNotificationAlert>" + b"x" * 500 + b"</EventNotificationAlert>"
    good = b"<EventNotificationAlert><eventType>VMD</eventType></EventNotificationAlert>"
    data = b"--b\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s\r\n" % (len(big), big)
    data += b"--b\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s\r\n" % (len(good), good)
    parts = [p for i in range(0, len(data), 37) for p in stream.feed(data[i : i + 37])]
    assert [(p.truncated, len(p.body)) for p in parts] == [(True, 100), (False, len(good))]
    cut = parse_part(parts[0], ctx)
    assert not cut.rows
    assert cut.rejects[0].reason == "part cut off at 100 bytes"
    assert parse_part(parts[1], ctx).rows[0]["event_type"] == "vmd"


def test_junk_and_a_headerless_part_do_not_stop_the_stream(ctx: ParseContext) -> None:
    good = b"<EventNotificationAlert><eventType>PIR</eventType></EventNotificationAlert>"
    data = b"garbage line\r\n\r\n--b\r\n" + good + b"\r\n--b\r\nContent-Length: nope\r\n\r\n" + good + b"\r\n"
    parts = MultipartStream("b").feed(data)
    assert [parse_part(p, ctx).rows[0]["event_type"] for p in parts] == ["pir", "pir"]
