"""Incremental multipart/mixed parser for the alertStream: no closing boundary, optional Content-Length, keep-alives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_PART_BYTES = 4 * 1024 * 1024  # an image part of a smart event is ~100-500 kB; anything past this is cut off
MAX_HEADER_BYTES = 8 * 1024
_BOUNDARY = re.compile(r"""boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))""", re.IGNORECASE)
_XML_END = re.compile(rb"</(?:\w+:)?EventNotificationAlert\s*>")


def boundary_of(content_type: str | None) -> str | None:
    """The boundary named in a response Content-Type (quoted or not); None when there is none."""
    match = _BOUNDARY.search(content_type or "")
    if match is None:
        return None
    value = match.group(1) or match.group(2)
    return value[2:] if value.startswith("--") else value  # some firmware repeats the dashes in the header


def boundary_in(body: bytes) -> str | None:
    """The boundary of a saved stream body: its first `--xxx` line."""
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(b"--") and stripped != b"--":
            return stripped[2:].decode("latin-1").removesuffix("--")
    return None


@dataclass
class Part:
    """One part of the stream: its headers (lower-cased names), its body, and whether it was cut off."""

    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    truncated: bool = False
    declared_length: int | None = None

    @property
    def content_type(self) -> str:
        declared = self.headers.get("content-type", "").split(";")[0].strip().lower()
        if declared:
            return declared
        head = self.body.lstrip()[:1]
        return "application/json" if head == b"{" else "application/xml"


class MultipartStream:
    """Feed bytes as they arrive; get back every part completed so far. Never raises on odd input."""

    def __init__(self, boundary: str, *, max_part_bytes: int = MAX_PART_BYTES) -> None:
        self._delims = {b"--" + boundary.encode("latin-1"), boundary.encode("latin-1")}
        self._close = {d + b"--" for d in self._delims}
        self._next = re.compile(
            rb"\r?\n(?:"
            + b"|".join(re.escape(d) for d in sorted(self._delims, key=len, reverse=True))
            + rb")(?:--)?[ \t]*\r?\n"
        )
        self.max_part_bytes = max_part_bytes
        self._buf = bytearray()
        self._state = "seek"  # seek -> headers -> body -> seek
        self._part = Part()
        self._skip = 0  # bytes of an oversized part still to throw away
        self.bytes_seen = 0

    def feed(self, data: bytes) -> list[Part]:
        self.bytes_seen += len(data)
        self._buf += data
        parts: list[Part] = []
        while self._step(parts):
            pass
        return parts

    def flush(self) -> list[Part]:
        """At end of stream: the part in progress, if it has a body (the device never sends a closing boundary)."""
        parts: list[Part] = []
        if self._state == "body" and self._buf.strip():
            self._part.body = bytes(self._buf).rstrip(b"\r\n")
            self._part.truncated = self._part.truncated or (
                self._part.declared_length is not None and len(self._part.body) < self._part.declared_length
            )
            parts.append(self._part)
        self._buf.clear()
        self._state, self._part = "seek", Part()
        return parts

    # --- states ---------------------------------------------------------------------------------
    def _step(self, out: list[Part]) -> bool:
        if self._skip:
            dropped = min(self._skip, len(self._buf))
            del self._buf[:dropped]
            self._skip -= dropped
            return bool(self._buf) and not self._skip
        if self._state == "seek":
            return self._seek()
        if self._state == "headers":
            return self._headers()
        return self._body(out)

    def _line(self) -> bytes | None:
        end = self._buf.find(b"\n")
        if end < 0:
            return None
        line = bytes(self._buf[:end]).rstrip(b"\r")
        del self._buf[: end + 1]
        return line

    def _seek(self) -> bool:
        line = self._line()
        if line is None:
            if len(self._buf) > MAX_HEADER_BYTES:  # junk without a newline: drop it, keep listening
                self._buf.clear()
            return False
        if line.strip() in self._delims:
            self._state, self._part = "headers", Part()
        return True  # blank keep-alive lines, closing boundaries and junk between parts are skipped

    def _headers(self) -> bool:
        start = self._buf[:64]
        head = start.lstrip(b"\r\n")[:1]
        if bytes(head) in (b"<", b"{") and not self._part.headers:  # a part without a header block
            del self._buf[: len(start) - len(start.lstrip(b"\r\n"))]
            self._state = "body"
            return True
        line = self._line()
        if line is None:
            if len(self._buf) > MAX_HEADER_BYTES:
                self._buf.clear()
                self._state = "seek"
            return False
        if not line.strip():
            self._state = "body" if self._part.headers else "headers"
            return True
        if line.strip() in self._delims:  # an empty part: start again
            self._part = Part()
            return True
        name, _, value = line.decode("latin-1").partition(":")
        self._part.headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "content-length":
            try:
                self._part.declared_length = max(0, int(value.strip()))
            except ValueError:
                self._part.declared_length = None  # an odd header is data, not a reason to stop
        return True

    def _emit(self, out: list[Part], size: int, consumed: int) -> bool:
        part = self._part
        part.truncated = size > self.max_part_bytes
        part.body = bytes(self._buf[: min(size, self.max_part_bytes)])
        del self._buf[: min(consumed, len(self._buf))]
        out.append(part)
        self._state, self._part = "seek", Part()
        return True

    def _sized_body(self, out: list[Part], length: int) -> bool:
        if length > self.max_part_bytes:
            if len(self._buf) < self.max_part_bytes:
                return False
            taken = min(len(self._buf), length)
            self._emit(out, length, taken)
            self._skip = length - taken  # the rest of the oversized part is thrown away as it arrives
            return True
        if len(self._buf) < length:
            return False
        return self._emit(out, length, length)

    def _body(self, out: list[Part]) -> bool:
        length = self._part.declared_length
        if length is not None:
            return self._sized_body(out, length)
        match = self._next.search(self._buf)
        if match is not None:  # the delimiter belongs to the next part: leave it in the buffer
            body_end = match.start()
            self._emit(out, body_end, body_end)
            return True
        if self._part.content_type == "application/xml":
            end = _XML_END.search(self._buf)
            if end is not None:
                return self._emit(out, end.end(), end.end())
        if len(self._buf) > self.max_part_bytes:
            return self._emit(out, len(self._buf) + 1, len(self._buf))
        return False
