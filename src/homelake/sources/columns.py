"""Table-driven lake columns: a family's parser lists its columns (name, payload keys, converter) and reads each
item through them. The families differ only in their converters and in which values count as set."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homelake.sources.base import ParseContext

Convert = Callable[[Any, ParseContext], Any]


def plain(parse: Callable[[Any], Any]) -> Convert:
    """A converter that needs only the value, not the parse context."""
    return lambda value, _ctx: parse(value)


def is_given(value: object) -> bool:
    """The default test of a key's value: set unless absent or the empty string."""
    return value not in (None, "")


@dataclass(frozen=True)
class Column:
    """One lake column: read from the first of `keys` that is set, converted, optionally required."""

    name: str
    keys: tuple[str, ...]
    convert: Convert
    required: bool = False
    is_set: Callable[[object], bool] = is_given  # which values of a key count as set (the next key is tried)

    def value(self, item: Mapping[str, Any], ctx: ParseContext) -> Any:  # noqa: ANN401 - a column holds any type
        keys = self.keys
        key = keys[0] if len(keys) == 1 else next((k for k in keys if self.is_set(item.get(k))), keys[0])
        return self.converted(key, item.get(key), ctx)

    def converted(self, key: str, raw: object, ctx: ParseContext) -> Any:  # noqa: ANN401 - a column holds any type
        """`raw` (the value of `key`) converted; ValueError naming the key when it is bad or required but absent."""
        try:
            result = self.convert(raw, ctx)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
        if result is None and self.required:
            raise ValueError(f"{key}: required but absent")
        return result


def col(
    name: str, keys: str, convert: Convert, *, required: bool = False, is_set: Callable[[object], bool] = is_given
) -> Column:
    """A column from `keys` written `first|second|...`."""
    return Column(name, tuple(keys.split("|")), convert, required, is_set)
