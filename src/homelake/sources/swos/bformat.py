"""SwOS's `.b` object syntax (`{i01:0x1f,i0a:['506f727431']}`): a strict reader and the writer the simulator uses."""

from __future__ import annotations

import re

from homelake.sources.base import PayloadError

BValue = int | str | list["BValue"] | dict[str, "BValue"]

_TOKEN = re.compile(
    r"\s*(?:(?P<punct>[{}\[\],:])|(?P<hex>-?0x[0-9a-fA-F]+)|(?P<int>-?\d+)"
    r"|'(?P<str>[^'\\]*)'|(?P<name>[A-Za-z_!][A-Za-z0-9_]*))"
)
_MAX_DEPTH = 16


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def fail(self, what: str) -> PayloadError:
        return PayloadError(f"not SwOS .b syntax at character {self.pos}: {what}")

    def token(self) -> tuple[str, str]:
        match = _TOKEN.match(self.text, self.pos)
        if match is None or match.lastgroup is None:
            raise self.fail(f"unexpected {self.text[self.pos : self.pos + 12]!r}")
        self.pos = match.end()
        return match.lastgroup, match.group(match.lastgroup)

    def peek(self) -> str:
        rest = self.text[self.pos :].lstrip()
        return rest[:1]

    def value(self, depth: int = 0) -> BValue:
        if depth > _MAX_DEPTH:
            raise self.fail("nested too deep")
        kind, text = self.token()
        if kind == "hex":
            return int(text, 16)
        if kind == "int":
            return int(text)
        if kind == "str":
            return text
        if text == "{":
            return self.obj(depth)
        if text == "[":
            return self.array(depth)
        raise self.fail(f"unexpected {text!r}")

    def obj(self, depth: int) -> dict[str, BValue]:
        result: dict[str, BValue] = {}
        if self.peek() == "}":
            self.token()
            return result
        while True:
            kind, key = self.token()
            if kind not in ("name", "str"):
                raise self.fail(f"expected a field name, got {key!r}")
            if self.token() != ("punct", ":"):
                raise self.fail("expected ':'")
            result[key] = self.value(depth + 1)
            _, sep = self.token()
            if sep == "}":
                return result
            if sep != ",":
                raise self.fail(f"expected ',' or '}}', got {sep!r}")

    def array(self, depth: int) -> list[BValue]:
        items: list[BValue] = []
        if self.peek() == "]":
            self.token()
            return items
        while True:
            items.append(self.value(depth + 1))
            _, sep = self.token()
            if sep == "]":
                return items
            if sep != ",":
                raise self.fail(f"expected ',' or ']', got {sep!r}")


def loads(raw: bytes | str) -> BValue:
    """A `.b` answer as Python values (hex numbers as ints, strings still hex-encoded); PayloadError if it is not."""
    try:
        text = raw.decode("ascii") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise PayloadError("not SwOS .b syntax: not ASCII") from None
    reader = _Reader(text)
    value = reader.value()
    if text[reader.pos :].strip():
        raise reader.fail("trailing data")
    return value


def dumps(value: BValue) -> str:
    """The switch's wire form: numbers as even-length hex, strings as written (callers hex-encode text)."""
    if isinstance(value, bool):
        raise TypeError("SwOS has no booleans: use a bitmask")
    if isinstance(value, int):
        digits = f"{value:x}"
        return "0x" + ("0" * (len(digits) % 2)) + digits
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    return "{" + ",".join(f"{key}:{dumps(item)}" for key, item in value.items()) + "}"


def hex_text(value: str) -> str:
    """Text as SwOS sends it: its ASCII bytes in hex (`'Port1'` -> `'506f727431'`)."""
    return value.encode("ascii", errors="replace").hex()


def text_of(value: object) -> str | None:
    """A hex-encoded SwOS string as text; None when empty, ValueError when it is not hex."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a hex string, got {type(value).__name__}")
    try:
        return bytes.fromhex(value).decode("utf-8", errors="replace")
    except ValueError:
        raise ValueError(f"not a hex-encoded string: {value!r}") from None
