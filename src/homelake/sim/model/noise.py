"""Deterministic pseudo-randomness: each value is a hash of (seed, keys), so any instant can be recomputed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def unit(seed: int, *keys: object) -> float:
    """A number in [0, 1) fixed by the seed and the keys; no hidden state, so call order never matters."""
    text = "|".join([str(seed), *(str(k) for k in keys)])
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def uniform(low: float, high: float, seed: int, *keys: object) -> float:
    return low + (high - low) * unit(seed, *keys)


def chance(probability: float, seed: int, *keys: object) -> bool:
    return unit(seed, *keys) < probability


def weighted(options: Sequence[tuple[T, float]], seed: int, *keys: object) -> T:
    """Pick one option with probability proportional to its weight."""
    total = sum(weight for _, weight in options)
    point = unit(seed, *keys) * total
    for option, weight in options:
        point -= weight
        if point < 0:
            return option
    return options[-1][0]


def hex_bytes(count: int, seed: int, *keys: object) -> list[int]:
    """`count` deterministic bytes, e.g. the device half of a MAC address."""
    text = "|".join([str(seed), *(str(k) for k in keys)])
    return list(hashlib.blake2b(text.encode(), digest_size=count).digest())
