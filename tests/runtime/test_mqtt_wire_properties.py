"""Property-based tests of the MQTT decoder (hypothesis): any bytes end in packets or a ProtocolError, packets
built field by field from the spec decode to those fields, and a stream decodes the same however it is cut.

The packets here are built by a small encoder written from the spec's layouts (the codec has no PUBLISH,
CONNACK or SUBACK encoder: the subscriber never sends them), so the decoder is checked against the spec,
not against itself. Deterministic (derandomized, no example database) and bounded to a few seconds.
"""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from homelake.runtime.mqtt import wire

BOUNDED = settings(derandomize=True, database=None, deadline=None, max_examples=100)
PROTOCOLS = st.sampled_from(["5", "3.1.1"])

# -- a spec-side encoder ------------------------------------------------------------------------------
BYTE_PROPS = [0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A]
TWO_BYTE_PROPS = [0x13, 0x21, 0x22, 0x23]
FOUR_BYTE_PROPS = [0x02, 0x11, 0x18, 0x27]
DATA_PROPS = [0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F]


def _string(raw: bytes) -> bytes:
    return struct.pack("!H", len(raw)) + raw


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


small_bytes = st.binary(max_size=40)
one_property = st.one_of(
    st.tuples(st.sampled_from(BYTE_PROPS), st.integers(0, 0xFF)).map(lambda p: bytes(p)),
    st.tuples(st.sampled_from(TWO_BYTE_PROPS), st.integers(0, 0xFFFF)).map(lambda p: struct.pack("!BH", *p)),
    st.tuples(st.sampled_from(FOUR_BYTE_PROPS), st.integers(0, 0xFFFFFFFF)).map(lambda p: struct.pack("!BI", *p)),
    st.integers(1, 268_435_455).map(lambda n: b"\x0b" + _varint(n)),  # subscription identifier
    st.tuples(st.sampled_from(DATA_PROPS), small_bytes).map(lambda p: bytes((p[0],)) + _string(p[1])),
    st.tuples(small_bytes, small_bytes).map(lambda kv: b"\x26" + _string(kv[0]) + _string(kv[1])),
)
properties = st.lists(one_property, max_size=6).map(b"".join)
# valid properties cut short, behind a length that matches the cut: a property that runs past the packet
cut_properties = properties.flatmap(lambda p: st.integers(0, len(p)).map(lambda k: p[:k]))


def _with_properties(props: bytes) -> bytes:
    return _varint(len(props)) + props


@st.composite
def publishes(draw: st.DrawFn, protocol: str) -> tuple[bytes, wire.Publish]:
    topic = draw(st.text(min_size=1, max_size=30))
    payload = draw(st.binary(max_size=300))
    qos = draw(st.integers(0, 2))
    retain, dup = draw(st.booleans()), draw(st.booleans()) and qos > 0
    packet_id = draw(st.integers(1, 0xFFFF)) if qos else 0
    body = _string(topic.encode()) + (struct.pack("!H", packet_id) if qos else b"")
    if protocol == "5":
        body += _with_properties(draw(properties))
    body += payload
    first = (wire.PUBLISH << 4) | (dup << 3) | (qos << 1) | retain
    return bytes((first,)) + _varint(len(body)) + body, wire.Publish(topic, payload, qos, retain, dup, packet_id)


@st.composite
def connacks(draw: st.DrawFn, protocol: str) -> tuple[bytes, wire.ConnAck]:
    session_present, code = draw(st.booleans()), draw(st.sampled_from(sorted(wire.CONNACK_REASONS)))
    body = bytes((session_present, code))
    keepalive = None
    if protocol == "5":
        props = draw(properties.filter(lambda p: b"\x13" not in p))  # keep the server keepalive ours to set
        if draw(st.booleans()):
            keepalive = draw(st.integers(0, 0xFFFF))
            props = struct.pack("!BH", wire.PROP_SERVER_KEEP_ALIVE, keepalive) + props
        body += _with_properties(props)
    return body, wire.ConnAck(session_present, code, keepalive)


@st.composite
def subacks(draw: st.DrawFn, protocol: str) -> tuple[bytes, tuple[int, list[int]]]:
    packet_id = draw(st.integers(1, 0xFFFF))
    codes = draw(st.lists(st.sampled_from([0, 1, 2, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]), min_size=1))
    body = struct.pack("!H", packet_id)
    if protocol == "5":
        body += _with_properties(draw(properties))
    return body + bytes(codes), (packet_id, codes)


def _frame(kind: int, flags: int, body: bytes) -> bytes:
    return bytes(((kind << 4) | flags,)) + _varint(len(body)) + body


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, bytes]:
    """A protocol and a stream of valid packets the broker may send: PUBLISH, PUBACK, SUBACK, PINGRESP..."""
    protocol = draw(PROTOCOLS)
    parts = draw(
        st.lists(
            st.one_of(
                publishes(protocol).map(lambda p: p[0]),
                subacks(protocol).map(lambda s: _frame(wire.SUBACK, 0, s[0])),
                st.integers(1, 0xFFFF).map(lambda mid: wire.encode_pubacks([mid])),
                st.just(bytes((wire.PINGRESP << 4, 0))),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return protocol, b"".join(parts)


def _feed_all(
    reader: wire.PacketReader, chunks: list[bytes]
) -> tuple[list[wire.Publish], list[tuple[int, int, bytes]]]:
    pubs: list[wire.Publish] = []
    others: list[tuple[int, int, bytes]] = []
    for chunk in chunks:
        p, o = reader.feed(chunk)
        pubs += p
        others += o
    return pubs, others


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


# -- properties ---------------------------------------------------------------------------------------
@settings(BOUNDED, max_examples=500)
@given(PROTOCOLS, st.lists(st.binary(max_size=64), max_size=6))
def test_any_bytes_give_packets_or_a_protocol_error_and_nothing_else(protocol: str, chunks: list[bytes]) -> None:
    reader = wire.PacketReader(protocol)  # type: ignore[arg-type]
    try:
        for chunk in chunks:
            reader.feed(chunk)
    except wire.ProtocolError:
        pass


control_bodies = st.one_of(
    st.binary(max_size=64),
    st.tuples(st.binary(min_size=2, max_size=2), cut_properties).map(lambda b: b[0] + _varint(len(b[1])) + b[1]),
)


@settings(BOUNDED, max_examples=300)
@given(PROTOCOLS, control_bodies)
def test_any_control_packet_body_decodes_or_is_a_protocol_error(protocol: str, body: bytes) -> None:
    for decode in (wire.decode_connack, wire.decode_suback):
        try:
            decode(body, protocol)  # type: ignore[operator]
        except wire.ProtocolError:
            pass
    assert wire.decode_disconnect(body) == (body[0] if body else 0)


@BOUNDED
@given(streams(), st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=4))
def test_a_valid_stream_with_bytes_changed_gives_packets_or_a_protocol_error(
    stream: tuple[str, bytes], changes: list[tuple[int, int]]
) -> None:
    protocol, data = stream
    damaged = bytearray(data)
    for index, value in changes:
        damaged[index % len(damaged)] = value
    try:
        wire.PacketReader(protocol).feed(bytes(damaged))  # type: ignore[arg-type]
    except wire.ProtocolError:
        pass


@BOUNDED
@given(st.data())
def test_a_publish_built_from_the_spec_decodes_to_its_fields(data: st.DataObject) -> None:
    protocol = data.draw(PROTOCOLS)
    packet, expected = data.draw(publishes(protocol))
    assert wire.PacketReader(protocol).feed(packet) == ([expected], [])  # type: ignore[arg-type]


@BOUNDED
@given(st.data())
def test_connack_and_suback_built_from_the_spec_decode_to_their_fields(data: st.DataObject) -> None:
    protocol = data.draw(PROTOCOLS)
    body, expected = data.draw(connacks(protocol))
    assert wire.decode_connack(body, protocol) == expected  # type: ignore[arg-type]
    sub_body, (packet_id, codes) = data.draw(subacks(protocol))
    assert wire.decode_suback(sub_body, protocol) == (packet_id, codes)  # type: ignore[arg-type]


@BOUNDED
@given(st.lists(st.integers(0, 0xFFFF), max_size=20))
def test_encoded_pubacks_frame_back_to_their_packet_ids(packet_ids: list[int]) -> None:
    publishes_, others = wire.PacketReader("5").feed(wire.encode_pubacks(packet_ids))
    assert publishes_ == []
    assert others == [(wire.PUBACK, 0, struct.pack("!H", mid)) for mid in packet_ids]


@BOUNDED
@given(PROTOCOLS, st.text(max_size=40), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF))
def test_an_encoded_connect_frames_back_with_its_fields(
    protocol: str, client_id: str, keepalive: int, expiry: int
) -> None:
    packet = wire.encode_connect(client_id, protocol=protocol, keepalive_s=keepalive, session_expiry_s=expiry)  # type: ignore[arg-type]
    _, ((kind, flags, body),) = wire.PacketReader("5").feed(packet)
    assert (kind, flags, body[:7]) == (wire.CONNECT, 0, b"\x00\x04MQTT" + bytes((5 if protocol == "5" else 4,)))
    assert struct.unpack_from("!H", body, 8)[0] == keepalive
    pos = 10
    if protocol == "5":
        props, pos = wire._properties(body, pos)
        assert props[wire.PROP_SESSION_EXPIRY] == expiry
    assert body[pos:] == _string(client_id.encode())


@BOUNDED
@given(streams(), st.lists(st.integers(min_value=0), max_size=12))
def test_a_stream_cut_anywhere_decodes_to_the_same_packets(stream: tuple[str, bytes], cuts: list[int]) -> None:
    protocol, data = stream
    whole = wire.PacketReader(protocol).feed(data)  # type: ignore[arg-type]
    reader = wire.PacketReader(protocol)  # type: ignore[arg-type]
    assert _feed_all(reader, _cut(data, cuts)) == whole
    assert reader.buffered == 0
