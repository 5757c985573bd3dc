"""The PowMR "8851" frame codec: header, little-endian words and the CRC-16/Modbus trailer (pure, no I/O)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"\x88\x51"
READ, WRITE = 0x0003, 0x0010
STATE_ADDR, CONFIG_ADDR = 0x0000, 0x0200
HEADER_LEN, CRC_LEN = 8, 2
STATE_WORDS = 72
STATE_REPLY_LEN = HEADER_LEN + 2 * STATE_WORDS + CRC_LEN  # 154 bytes
MAX_PAYLOAD = 512  # a length beyond this is a garbled header, not a frame worth waiting for


class FrameError(ValueError):
    """Bytes that are not a valid 8851 frame (bad magic, truncated, bad CRC); the message says which."""


def _table_entry(byte: int) -> int:
    crc = byte
    for _ in range(8):
        crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


_CRC_TABLE = tuple(_table_entry(byte) for byte in range(256))


def crc16_modbus(data: bytes) -> int:
    """CRC-16/Modbus (poly 0xA001 reflected, init 0xFFFF), as the inverter appends it (low byte first)."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc


@dataclass(frozen=True)
class Frame:
    """One decoded frame: command, address and the payload as little-endian signed 16-bit words."""

    command: int
    address: int
    words: tuple[int, ...]

    @property
    def is_state_reply(self) -> bool:
        return self.command == READ and self.address == STATE_ADDR and len(self.words) == STATE_WORDS


def _header(command: int, address: int, length: int) -> bytes:
    # magic, command and address are sent high byte first; the payload length low byte first
    return MAGIC + struct.pack(">HH", command, address) + struct.pack("<H", length)


def with_crc(body: bytes) -> bytes:
    return body + struct.pack("<H", crc16_modbus(body))


def request(address: int = STATE_ADDR) -> bytes:
    """A read request: `88 51 00 03 00 00 00 00 4D 08` for the state block."""
    return with_crc(_header(READ, address, 0))


def encode(words: list[int] | tuple[int, ...], *, command: int = READ, address: int = STATE_ADDR) -> bytes:
    """A reply frame carrying `words` (each clipped to a signed 16-bit value by the caller)."""
    payload = struct.pack(f"<{len(words)}h", *words)
    return with_crc(_header(command, address, len(payload)) + payload)


def frame_length(head: bytes) -> int:
    """Total frame length announced by an 8-byte header; FrameError when the header is not one."""
    if len(head) < HEADER_LEN:
        raise FrameError(f"truncated frame: {len(head)} bytes, a header needs {HEADER_LEN}")
    if head[:2] != MAGIC:
        raise FrameError(f"not an 8851 frame: starts with {head[:2].hex()} instead of 8851")
    length = int.from_bytes(head[6:8], "little")
    if length > MAX_PAYLOAD or length % 2:
        raise FrameError(f"implausible payload length {length} in the header")
    return HEADER_LEN + length + CRC_LEN


def decode(raw: bytes) -> Frame:
    """One whole frame -> Frame; FrameError names what is wrong (magic, length, CRC)."""
    total = frame_length(raw)
    if len(raw) < total:
        raise FrameError(f"truncated frame: {len(raw)} of {total} bytes")
    if len(raw) > total:
        raise FrameError(f"{len(raw) - total} unexpected bytes after a {total}-byte frame")
    (sent,) = struct.unpack_from("<H", raw, total - CRC_LEN)
    computed = crc16_modbus(raw[: total - CRC_LEN])
    if sent != computed:
        raise FrameError(f"CRC error: frame says {sent:04x}, bytes give {computed:04x}")
    command, address = struct.unpack_from(">HH", raw, 2)
    count = (total - HEADER_LEN - CRC_LEN) // 2
    return Frame(command, address, struct.unpack_from(f"<{count}h", raw, HEADER_LEN))
