"""Shelly value parsing edge cases."""

from __future__ import annotations

import pytest

from homelake.sources.shelly import ids
from homelake.sources.shelly import values as v


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff"),
        ("a8:03:2a:be:54:dc", "a8:03:2a:be:54:dc"),
        (None, None),
        ("", None),
    ],
)
def test_mac(raw: str | None, expected: str | None) -> None:
    assert v.mac(raw) == expected


@pytest.mark.parametrize("raw", [True, "nan", "inf", "1,5", {"v": 1}])
def test_number_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        v.number(raw)


def test_boolean_string_forms() -> None:
    assert [v.boolean(x) for x in ("true", "false", "on", "off", "1", "0", None, True)] == [
        True,
        False,
        True,
        False,
        True,
        False,
        None,
        True,
    ]
    with pytest.raises(ValueError):
        v.boolean("maybe")


@pytest.mark.parametrize(
    ("device_id", "model"),
    [
        ("shellyplug-s-C18B12", "SHPLG-S"),
        ("shellyswitch25-485519032A7E", "SHSW-25"),
        ("shellyht-7890ED", "SHHT-1"),
        ("shellyplus1pm-a8032abe54dc", None),
        ("collector", None),
    ],
)
def test_gen1_model_from_id(device_id: str, model: str | None) -> None:
    assert ids.gen1_model_from_id(device_id) == model


@pytest.mark.parametrize(
    ("device_id", "generation"),
    [
        ("shellyplus1pm-a8032abe54dc", 2),
        ("shellypro4pm-aabbccddeeff", 2),
        ("shellyhtg3-84fce63ad204", 3),
        ("shellyplug-s-C18B12", None),
        ("kitchen", None),
    ],
)
def test_gen2_generation_from_id(device_id: str, generation: int | None) -> None:
    assert ids.gen2_generation_from_id(device_id) == generation
