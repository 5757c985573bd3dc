"""The 8851 frame codec: the published request bytes, recorded replies, and every way a frame can be bad."""

from __future__ import annotations

from pathlib import Path

import pytest

from homelake.sources.powmr import codec

FIXTURES = Path(__file__).parent / "fixtures"
GRID = (FIXTURES / "POW-HVM4500-24V_grid_state.bin").read_bytes()


def test_requests_match_the_bytes_owners_send() -> None:
    assert codec.request() == bytes.fromhex("88510003000000004d08")
    assert codec.request(codec.CONFIG_ADDR) == bytes.fromhex("88510003020000004cb0")


def test_a_recorded_reply_decodes_to_72_words() -> None:
    frame = codec.decode(GRID)
    assert frame.is_state_reply and len(frame.words) == codec.STATE_WORDS == 72
    assert len(GRID) == codec.STATE_REPLY_LEN
    assert (frame.words[21], frame.words[33], frame.words[39], frame.words[40]) == (2225, 2220, 2180, 149)


def test_encode_round_trips_signed_words() -> None:
    words = tuple(range(-36, 36))
    raw = codec.encode(words)
    assert codec.decode(raw).words == words
    assert raw[-2:] == codec.crc16_modbus(raw[:-2]).to_bytes(2, "little")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (GRID[:-1], "truncated frame: 153 of 154 bytes"),
        (GRID[:5], "truncated frame: 5 bytes"),
        (GRID[:100] + bytes([GRID[100] ^ 0x01]) + GRID[101:], "CRC error"),
        (b"\x88\x52" + GRID[2:], "not an 8851 frame"),
        (GRID + b"\x00", "1 unexpected bytes"),
        (GRID[:6] + b"\xff\xff" + GRID[8:], "implausible payload length"),
    ],
    ids=["cut-crc", "cut-header", "bit-flip", "magic", "trailing", "length"],
)
def test_bad_frames_are_clear_errors(raw: bytes, message: str) -> None:
    with pytest.raises(codec.FrameError, match=message):
        codec.decode(raw)


def test_every_single_bit_flip_is_caught() -> None:
    for index in range(len(GRID)):
        flipped = GRID[:index] + bytes([GRID[index] ^ 0x10]) + GRID[index + 1 :]
        with pytest.raises(codec.FrameError):
            codec.decode(flipped)
