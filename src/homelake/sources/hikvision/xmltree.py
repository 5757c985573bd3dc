"""Namespace-agnostic ISAPI XML: parse once, then find children by local name (ver10, ver20, isapi.org, none)."""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import fromstring as _fromstring

from homelake.sources.base import PayloadError

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_xml(raw: bytes) -> Element:
    """The root element; PayloadError for anything that is not one well-formed XML document without a DTD."""
    if _DTD.search(raw):  # devices never send one; refusing it rules out entity expansion attacks
        raise PayloadError("XML with a DTD or entity declaration is refused")
    try:
        return _fromstring(raw)  # noqa: S314 - no DTD (checked above), so no entities can be expanded
    except ParseError as exc:
        raise PayloadError(f"not well-formed XML: {exc}") from None


@lru_cache(maxsize=4096)
def local(tag: str) -> str:
    """A tag without its namespace: `{http://www.hikvision.com/ver20/XMLSchema}deviceName` -> `deviceName`."""
    return tag.rpartition("}")[2] if tag.startswith("{") else tag


def child(element: Element, name: str) -> Element | None:
    """The first direct child called `name` in any namespace."""
    return next((c for c in element if local(c.tag) == name), None)


def children(element: Element, name: str) -> list[Element]:
    """Direct children called `name` in any namespace."""
    return [c for c in element if local(c.tag) == name]


def descendants(element: Element, name: str) -> list[Element]:
    """Every element below `element` called `name` in any namespace, in document order."""
    return [e for e in element.iter() if e is not element and local(e.tag) == name]


def text(element: Element | None, name: str) -> str | None:
    """Stripped text of the direct child `name`; None when absent or empty (`<activePostCount/>`)."""
    found = None if element is None else child(element, name)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def fields(element: Element) -> dict[str, str | None]:
    """Direct leaf children as {local name: stripped text or None} (the first of repeated names wins)."""
    out: dict[str, str | None] = {}
    for c in element:
        if len(c) == 0:
            out.setdefault(local(c.tag), (c.text or "").strip() or None)
    return out
