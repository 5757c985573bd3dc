"""MQTT 3.1.1 / 5.0 packets for a QoS 1 subscriber: pure encoders and an incremental decoder (no I/O).

Only what the ingester's side of the protocol needs: CONNECT, SUBSCRIBE, PUBACK, PINGREQ and DISCONNECT
out; CONNACK, SUBACK, PUBLISH, PINGRESP and DISCONNECT in. The decoder works on whole socket reads and
slices many PUBLISH packets out of one buffer, which is what makes it several times cheaper per message
than a general-purpose client (ADR 0006).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

Protocol = Literal["3.1.1", "5"]

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 12, 13, 14
MAX_REMAINING = 268_435_455  # the largest remaining length a 4-byte varint holds

# MQTT 5 property identifiers used here
PROP_SESSION_EXPIRY = 0x11
PROP_RECEIVE_MAXIMUM = 0x21
PROP_SERVER_KEEP_ALIVE = 0x13
PROP_REASON_STRING = 0x1F

SUBACK_FAILURE = 0x80  # SUBACK return/reason codes from here on refuse the subscription
SESSION_TAKEN_OVER = 0x8E  # reason code of an MQTT 5 DISCONNECT: another connection took over the client id

# CONNACK return codes of MQTT 3.1.1 and the common MQTT 5 reason codes, for log lines
CONNACK_REASONS = {
    0: "accepted",
    1: "unacceptable protocol version",
    2: "client identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorized",
    0x80: "unspecified error",
    0x84: "unsupported protocol version",
    0x85: "client identifier not valid",
    0x86: "bad user name or password",
    0x87: "not authorized",
    0x88: "server unavailable",
    0x89: "server busy",
    0x8A: "banned",
    0x8C: "bad authentication method",
    0x95: "packet too large",
    0x97: "quota exceeded",
    0x9F: "connection rate exceeded",
}


class ProtocolError(Exception):
    """The peer sent bytes that are not a valid MQTT packet for this session."""


# -- encoding -----------------------------------------------------------------------------------------
def varint(n: int) -> bytes:
    if not 0 <= n <= MAX_REMAINING:
        raise ValueError(f"remaining length {n} out of range")
    out = bytearray()
    while True:
        digit, n = n % 128, n // 128
        out.append(digit | 0x80 if n else digit)
        if not n:
            return bytes(out)


def _str(value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    if len(raw) > 0xFFFF:
        raise ValueError("MQTT strings are at most 65535 bytes")
    return struct.pack("!H", len(raw)) + raw


def _packet(first_byte: int, body: bytes) -> bytes:
    return bytes((first_byte,)) + varint(len(body)) + body


def encode_connect(  # noqa: PLR0913 - one argument per CONNECT field
    client_id: str,
    *,
    protocol: Protocol,
    keepalive_s: int,
    session_expiry_s: int,
    receive_maximum: int = 65535,
    username: str | None = None,
    password: str | None = None,
) -> bytes:
    """A CONNECT for a persistent session: v5 clean start off with a session expiry, v3.1.1 clean session off."""
    flags = 0  # bit 1 (clean start / clean session) off
    if username is not None:
        flags |= 0x80
        if password is not None:
            flags |= 0x40
    body = _str("MQTT") + bytes((5 if protocol == "5" else 4, flags)) + struct.pack("!H", keepalive_s)
    if protocol == "5":
        props = struct.pack("!BI", PROP_SESSION_EXPIRY, session_expiry_s) + struct.pack(
            "!BH", PROP_RECEIVE_MAXIMUM, receive_maximum
        )
        body += varint(len(props)) + props
    body += _str(client_id)
    if username is not None:
        body += _str(username)
        if password is not None:
            body += _str(password)
    return _packet(CONNECT << 4, body)


def encode_subscribe(packet_id: int, filters: list[str], *, protocol: Protocol, qos: int = 1) -> bytes:
    body = struct.pack("!H", packet_id)
    if protocol == "5":
        body += b"\x00"  # no properties
    for topic_filter in filters:
        body += _str(topic_filter) + bytes((qos,))
    return _packet((SUBSCRIBE << 4) | 0x02, body)


_PUBACK = struct.Struct("!BBH")


def encode_pubacks(packet_ids: list[int]) -> bytes:
    """One buffer holding a PUBACK (reason: success) for each packet id, to send in one write."""
    pack = _PUBACK.pack
    return b"".join([pack(0x40, 2, mid) for mid in packet_ids])


PINGREQ_PACKET = bytes((PINGREQ << 4, 0))
DISCONNECT_PACKET = bytes((DISCONNECT << 4, 0))  # v3.1.1 and v5 (reason 0, no properties)


# -- decoding -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConnAck:
    session_present: bool
    reason_code: int
    server_keepalive_s: int | None = None

    @property
    def accepted(self) -> bool:
        return self.reason_code == 0

    @property
    def reason(self) -> str:
        return CONNACK_REASONS.get(self.reason_code, f"reason code {self.reason_code:#x}")


@dataclass(frozen=True, slots=True)
class Publish:
    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool
    packet_id: int  # 0 for QoS 0


def _read_varint(buf: bytes | bytearray | memoryview, pos: int, end: int) -> tuple[int, int]:
    """(value, next position) or (-1, pos) when the buffer ends inside the varint."""
    value, shift = 0, 0
    while pos < end:
        digit = buf[pos]
        pos += 1
        value |= (digit & 0x7F) << shift
        if digit < 0x80:
            return value, pos
        shift += 7
        if shift > 21:
            raise ProtocolError("malformed remaining length")
    return -1, pos


def _properties(body: bytes, pos: int) -> tuple[dict[int, int | bytes], int]:
    """MQTT 5 properties at pos: the few we read as values, the rest skipped correctly by type."""
    length, start = _read_varint(body, pos, len(body))
    if length < 0 or start + length > len(body):
        raise ProtocolError("properties run past the packet")
    end, i = start + length, start
    props: dict[int, int | bytes] = {}
    try:
        i = _read_properties(body, i, end, props)
    except (IndexError, struct.error):
        raise ProtocolError("a property runs past the packet") from None
    if i != end:
        raise ProtocolError("properties do not end where their length says")
    return props, end


def _read_properties(body: bytes, i: int, end: int, props: dict[int, int | bytes]) -> int:
    while i < end:
        ident = body[i]
        i += 1
        if ident in (0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A):  # byte
            props[ident] = body[i]
            i += 1
        elif ident in (0x13, 0x21, 0x22, 0x23):  # two-byte integer
            props[ident] = (body[i] << 8) | body[i + 1]
            i += 2
        elif ident in (0x02, 0x11, 0x18, 0x27):  # four-byte integer
            props[ident] = struct.unpack_from("!I", body, i)[0]
            i += 4
        elif ident == 0x0B:  # subscription identifier: varint
            value, i = _read_varint(body, i, end)
            props[ident] = value
        elif ident in (0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F):  # string or binary data
            n = (body[i] << 8) | body[i + 1]
            props[ident] = bytes(body[i + 2 : i + 2 + n])
            i += 2 + n
        elif ident == 0x26:  # user property: string pair
            n = (body[i] << 8) | body[i + 1]
            i += 2 + n
            n = (body[i] << 8) | body[i + 1]
            i += 2 + n
        else:
            raise ProtocolError(f"unknown property {ident:#x}")
    return i


def decode_connack(body: bytes, protocol: Protocol) -> ConnAck:
    if len(body) < 2:
        raise ProtocolError("CONNACK too short")
    keepalive = None
    if protocol == "5" and len(body) > 2:
        props, _ = _properties(body, 2)
        value = props.get(PROP_SERVER_KEEP_ALIVE)
        keepalive = value if isinstance(value, int) else None
    return ConnAck(bool(body[0] & 0x01), body[1], keepalive)


def decode_suback(body: bytes, protocol: Protocol) -> tuple[int, list[int]]:
    """(packet id, granted QoS or reason code per filter)."""
    if len(body) < 3:
        raise ProtocolError("SUBACK too short")
    packet_id = (body[0] << 8) | body[1]
    pos = 2
    if protocol == "5":
        _, pos = _properties(body, pos)
    return packet_id, list(body[pos:])


def decode_disconnect(body: bytes) -> int:
    """The reason code of a broker's MQTT 5 DISCONNECT (0 when absent)."""
    return body[0] if body else 0


class PacketReader:
    """Incremental decoder: feed() whole socket reads, get (PUBLISH list, other packets) back.

    PUBLISH packets are decoded inline (the hot path); other packets come back as (type, flags, body) for
    the session to handle. Partial packets stay buffered until the rest arrives.
    """

    def __init__(self, protocol: Protocol) -> None:
        self.v5 = protocol == "5"
        self._buf = bytearray()

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> tuple[list[Publish], list[tuple[int, int, bytes]]]:
        buf = self._buf
        buf += data
        publishes: list[Publish] = []
        others: list[tuple[int, int, bytes]] = []
        pos, size, v5 = 0, len(buf), self.v5
        while size - pos >= 2:
            header = buf[pos]
            length, start = _read_varint(buf, pos + 1, size)
            if length < 0 or start + length > size:
                break  # the rest of this packet has not arrived yet
            end = start + length
            kind = header >> 4
            if kind == PUBLISH:
                publishes.append(self._publish(buf, header, start, end, v5))
            elif kind == 0:
                raise ProtocolError("packet type 0 is reserved")
            else:
                others.append((kind, header & 0x0F, bytes(buf[start:end])))
            pos = end
        if pos:
            del buf[:pos]
        return publishes, others

    @staticmethod
    def _publish(buf: bytearray, header: int, start: int, end: int, v5: bool) -> Publish:
        qos = (header >> 1) & 0x03
        if qos == 3:
            raise ProtocolError("PUBLISH with QoS 3")
        if end - start < 2:
            raise ProtocolError("PUBLISH too short")
        topic_len = (buf[start] << 8) | buf[start + 1]
        pos = start + 2 + topic_len
        if pos > end:
            raise ProtocolError("PUBLISH topic runs past the packet")
        try:
            topic = buf[start + 2 : pos].decode()
        except UnicodeDecodeError as exc:
            raise ProtocolError("PUBLISH topic is not UTF-8") from exc
        packet_id = 0
        if qos:
            if pos + 2 > end:
                raise ProtocolError("PUBLISH packet id runs past the packet")
            packet_id = (buf[pos] << 8) | buf[pos + 1]
            pos += 2
        if v5:
            prop_len, pos = _read_varint(buf, pos, end)
            if prop_len < 0:
                raise ProtocolError("PUBLISH properties run past the packet")
            pos += prop_len
            if pos > end:
                raise ProtocolError("PUBLISH properties run past the packet")
            if not topic:
                raise ProtocolError("PUBLISH with a topic alias, which this client never allows")
        return Publish(topic, bytes(buf[pos:end]), qos, bool(header & 0x01), bool(header & 0x08), packet_id)
