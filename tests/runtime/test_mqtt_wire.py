"""The MQTT packet codec: encoders against the spec's byte layouts, the incremental decoder on any split."""

from __future__ import annotations

import struct

import pytest

from homelake.runtime.mqtt import wire


def _publish(
    topic: str, payload: bytes, *, qos: int = 1, mid: int = 7, props: bytes | None = None, flags: int = 0
) -> bytes:
    body = struct.pack("!H", len(topic.encode())) + topic.encode()
    if qos:
        body += struct.pack("!H", mid)
    if props is not None:
        body += wire.varint(len(props)) + props
    body += payload
    return bytes(((wire.PUBLISH << 4) | (qos << 1) | flags,)) + wire.varint(len(body)) + body


@pytest.mark.parametrize(
    ("n", "encoded"),
    [
        (0, b"\x00"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (16_383, b"\xff\x7f"),
        (16_384, b"\x80\x80\x01"),
        (268_435_455, b"\xff\xff\xff\x7f"),
    ],
)
def test_remaining_length_varint_matches_the_spec_table(n: int, encoded: bytes) -> None:
    assert wire.varint(n) == encoded
    assert wire._read_varint(encoded, 0, len(encoded)) == (n, len(encoded))


def test_varint_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        wire.varint(268_435_456)
    with pytest.raises(wire.ProtocolError):
        wire._read_varint(b"\xff\xff\xff\xff\x01", 0, 5)


def test_v311_connect_is_a_persistent_session_with_credentials() -> None:
    pkt = wire.encode_connect(
        "ing-1", protocol="3.1.1", keepalive_s=60, session_expiry_s=3600, username="u", password="p"
    )
    assert pkt[0] == 0x10
    body = pkt[2:]
    assert pkt[1] == len(body)
    assert body[:6] == b"\x00\x04MQTT" and body[6] == 4
    flags = body[7]
    assert flags & 0x02 == 0, "clean session must be off"
    assert flags & 0xC0 == 0xC0, "user name and password flags"
    assert body[8:10] == b"\x00\x3c"
    assert body[10:] == b"\x00\x05ing-1\x00\x01u\x00\x01p"


def test_v5_connect_carries_session_expiry_and_receive_maximum() -> None:
    pkt = wire.encode_connect("ing-1", protocol="5", keepalive_s=30, session_expiry_s=604800)
    body = pkt[2:]
    assert body[6] == 5 and body[7] == 0  # clean start off, no credentials
    props, end = wire._properties(body, 10)
    assert props == {wire.PROP_SESSION_EXPIRY: 604800, wire.PROP_RECEIVE_MAXIMUM: 65535}
    assert body[end:] == b"\x00\x05ing-1"


def test_subscribe_and_pubacks() -> None:
    sub = wire.encode_subscribe(1, ["a/#", "$share/g/b/+"], protocol="5")
    assert sub[0] == 0x82  # SUBSCRIBE has the reserved flags 0010
    assert sub[2:] == b"\x00\x01\x00" + b"\x00\x03a/#\x01" + b"\x00\x0c$share/g/b/+\x01"
    assert wire.encode_subscribe(9, ["t"], protocol="3.1.1")[2:] == b"\x00\x09\x00\x01t\x01"
    assert wire.encode_pubacks([1, 258]) == b"\x40\x02\x00\x01\x40\x02\x01\x02"
    assert wire.encode_pubacks([]) == b""


def test_decoder_returns_the_same_packets_however_the_stream_is_split() -> None:
    user_prop = b"\x26" + struct.pack("!H", 1) + b"k" + struct.pack("!H", 2) + b"vv"
    props = b"\x01\x01" + b"\x02\x00\x00\x00\x3c" + b"\x03\x00\x10application/json" + user_prop + b"\x0b\x05"
    stream = (
        _publish("shellies/plug-1/relay/0/power", b"12.5", qos=0, props=b"")
        + bytes((wire.PINGRESP << 4, 0))
        + _publish("a/b", b'{"x":1}', mid=65535, props=props, flags=0x01 | 0x08)
        + _publish("big", b"\x00\xff" * 100_000, mid=2, props=b"")
    )
    whole = wire.PacketReader("5").feed(stream)
    for chunk in (1, 2, 3, 7, 1000):
        reader = wire.PacketReader("5")
        pubs: list[wire.Publish] = []
        others: list[tuple[int, int, bytes]] = []
        for i in range(0, len(stream), chunk):
            p, o = reader.feed(stream[i : i + chunk])
            pubs += p
            others += o
        assert (pubs, others) == whole
        assert reader.buffered == 0
    pubs, others = whole
    assert pubs[0] == wire.Publish("shellies/plug-1/relay/0/power", b"12.5", 0, False, False, 0)
    assert pubs[1] == wire.Publish("a/b", b'{"x":1}', 1, True, True, 65535)
    assert pubs[2].payload == b"\x00\xff" * 100_000
    assert others == [(wire.PINGRESP, 0, b"")]


def test_v311_publish_has_no_properties() -> None:
    (pub,), _ = wire.PacketReader("3.1.1").feed(_publish("t/1", b"\x00\x01payload", mid=3))
    assert (pub.topic, pub.payload, pub.packet_id) == ("t/1", b"\x00\x01payload", 3)


@pytest.mark.parametrize(
    ("packet", "message"),
    [
        (bytes((0x36, 4)) + b"\x00\x01t\x00", "QoS 3"),
        (_publish("", b"x", props=b"\x23\x00\x01"), "topic alias"),
        (bytes((0x32, 3)) + b"\x00\x09t", "runs past"),
        (bytes((0x32, 5)) + b"\x00\x01\xff\x00\x01", "not UTF-8"),
        (b"\x00\x00", "reserved"),
        (bytes((0x32, 3)) + b"\x00\x01t", "packet id"),
    ],
)
def test_malformed_packets_are_protocol_errors(packet: bytes, message: str) -> None:
    with pytest.raises(wire.ProtocolError, match=message):
        wire.PacketReader("5").feed(packet)


def test_truncated_properties_are_protocol_errors() -> None:
    with pytest.raises(wire.ProtocolError, match="runs past"):
        wire.decode_connack(b"\x00\x00\x03\x11\x00\x00", "5")  # session expiry needs four bytes


def test_connack_and_suback() -> None:
    assert wire.decode_connack(b"\x01\x00", "3.1.1") == wire.ConnAck(True, 0)
    refused = wire.decode_connack(b"\x00\x86\x00", "5")
    assert not refused.accepted and refused.reason == "bad user name or password"
    ack = wire.decode_connack(b"\x00\x00\x06\x13\x00\x1e\x21\x00\x14", "5")
    assert ack.server_keepalive_s == 30 and ack.accepted and not ack.session_present
    assert wire.decode_suback(b"\x00\x01\x00\x01\x80", "5") == (1, [1, 0x80])
    assert wire.decode_suback(b"\x00\x02\x01", "3.1.1") == (2, [1])


def test_garbage_never_escapes_as_anything_but_a_protocol_error() -> None:
    """A broker (or a man in the middle) sending junk must end the connection cleanly, never crash the
    reader with an IndexError or the like: every outcome is packets or a ProtocolError."""
    import random

    rng = random.Random(1)
    valid = _publish("a/b", b"payload", props=b"\x26\x00\x01k\x00\x01v")
    outcomes = {"ok": 0, "protocol": 0}
    for _ in range(3000):
        data = bytearray(valid)
        for _ in range(rng.randint(1, 4)):  # flip a few bytes of a valid packet, or cut it
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(1, len(data))]
        try:
            wire.PacketReader("5").feed(bytes(data))
            outcomes["ok"] += 1
        except wire.ProtocolError:
            outcomes["protocol"] += 1
    assert outcomes["ok"] and outcomes["protocol"]
