"""The device families, as one literal list: everything else (settings, parse kinds, lake schemas, MQTT routing,
collect, simulate, demo) reads it. Adding a family is one folder and one line here."""

from __future__ import annotations

from homelake.lake.schemas import CORE_DATASETS, MQTT_MESSAGES, Dataset
from homelake.sources import hikvision, journald, mikrotik, openmeteo, powmr, prometheus, shelly, swos, vision, zigbee
from homelake.sources.base import FamilySpec, ParseKind

FAMILIES: tuple[FamilySpec, ...] = (
    mikrotik.SPEC,
    shelly.SPEC,
    swos.SPEC,
    zigbee.SPEC,
    prometheus.SPEC,
    journald.SPEC,
    powmr.SPEC,
    openmeteo.SPEC,
    hikvision.SPEC,
    vision.SPEC,
)

# The catalog: homelake's own datasets and every family's, by key ("<family>/<name>").
DATASETS: dict[str, Dataset] = {d.key: d for d in (*CORE_DATASETS, *(d for f in FAMILIES for d in f.datasets))}
PARSE_KINDS: dict[str, ParseKind] = {k.name: k for f in FAMILIES for k in f.parse_kinds}
# `homelake parse` also takes a kind's aliases (they are not listed apart, and never shadow a kind's own name)
PARSE_KIND_ALIASES: dict[str, ParseKind] = {
    alias: k for k in PARSE_KINDS.values() for alias in k.aliases if alias not in PARSE_KINDS
}


def family(name: str) -> FamilySpec:
    """The family called `name`; KeyError naming the known ones."""
    for spec in FAMILIES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown family {name!r}; known: {', '.join(f.name for f in FAMILIES)}")


def dataset(key: str) -> Dataset:
    """The declared dataset `key`; KeyError naming the known ones."""
    try:
        return DATASETS[key]
    except KeyError:
        raise KeyError(f"unknown lake dataset {key!r}; known: {', '.join(sorted(DATASETS))}") from None


__all__ = [
    "DATASETS", "FAMILIES", "MQTT_MESSAGES", "PARSE_KINDS", "PARSE_KIND_ALIASES", "FamilySpec", "dataset", "family",
]  # fmt: skip
