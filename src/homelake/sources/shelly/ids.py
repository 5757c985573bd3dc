"""Shelly device ids and model codes: which model and generation an id or `/shelly` answer means."""

from __future__ import annotations

import re

FIRST_RPC_GEN = 2  # Gen2 and later speak JSON-RPC (`/rpc`, `gen` in `/shelly`); Gen1 has no `gen`

# Gen1 model codes (the `type` of `/shelly`) -> product name (devices.md 2.1).
GEN1_MODELS: dict[str, str] = {
    "SHPLG-S": "Shelly Plug S",
    "SHPLG-1": "Shelly Plug",
    "SHSW-1": "Shelly 1",
    "SHSW-PM": "Shelly 1PM",
    "SHSW-21": "Shelly 2",
    "SHSW-25": "Shelly 2.5",
    "SHBLB-1": "Shelly Bulb",
    "SHVIN-1": "Shelly Vintage",
    "SHUNI-1": "Shelly Uni",
    "SHHT-1": "Shelly H&T",
    "SHMOS-01": "Shelly Motion",
    "SHMOS-02": "Shelly Motion 2",
    "SHWT-1": "Shelly Flood",
    "SHEM": "Shelly EM",
    "SHEM-3": "Shelly 3EM",
    "SHDM-1": "Shelly Dimmer",
    "SHDM-2": "Shelly Dimmer 2",
    "SHRGBW2": "Shelly RGBW2",
}

# Gen1 MQTT id prefix (`<prefix>-<MAC>`) -> model code. Where one prefix covers two models the
# older one is named; the `announce` message carries the exact model.
GEN1_ID_PREFIXES: dict[str, str] = {
    "shellyplug-s": "SHPLG-S",
    "shellyplug": "SHPLG-1",
    "shelly1": "SHSW-1",
    "shelly1pm": "SHSW-PM",
    "shellyswitch": "SHSW-21",
    "shellyswitch25": "SHSW-25",
    "shellybulb": "SHBLB-1",
    "shellyvintage": "SHVIN-1",
    "shellyuni": "SHUNI-1",
    "shellyht": "SHHT-1",
    "shellymotionsensor": "SHMOS-01",
    "shellymotion2": "SHMOS-02",
    "shellyflood": "SHWT-1",
    "shellyem": "SHEM",
    "shellyem3": "SHEM-3",
    "shellydimmer": "SHDM-1",
    "shellydimmer2": "SHDM-2",
    "shellyrgbw2": "SHRGBW2",
}

# Gen2+ ids are `<app>-<12 hex mac>`; Gen3/Gen4 apps end in g3/g4 (shellyhtg3, shelly1pmminig3).
_GEN2_ID_RE = re.compile(r"(shelly[a-z0-9]*)-[0-9a-f]{12}")
_GEN2_PREFIXES = ("shellyplus", "shellypro", "shellywalldisplay")


def gen1_model_from_id(device_id: str) -> str | None:
    """`shellyplug-s-C18B12` -> `SHPLG-S`; None when the prefix is not a known Gen1 one."""
    prefix, sep, _mac = device_id.rpartition("-")
    return GEN1_ID_PREFIXES.get(prefix.lower()) if sep else None


def gen2_generation_from_id(device_id: str) -> int | None:
    """`shellyplus1pm-a8032abe54dc` -> 2, `shellyhtg3-84fce63ad204` -> 3; None when unknown."""
    match = _GEN2_ID_RE.fullmatch(device_id)
    if match is None:
        return None
    app = match.group(1)
    for suffix, generation in (("g4", 4), ("g3", 3)):
        if app.endswith(suffix):
            return generation
    return 2 if app.startswith(_GEN2_PREFIXES) else None


# MAC prefixes seen on Shelly devices (Allterco, and the Espressif blocks Shellies ship with). Espressif
# blocks are shared with other ESP32/ESP8266 products, so a match only makes a candidate that `/shelly`
# must confirm.
SHELLY_OUIS: frozenset[str] = frozenset(
    {"a8:03:2a", "c8:f0:9e", "fc:b4:67", "34:94:54", "c4:5b:be", "e8:68:e7", "98:cd:ac", "3c:61:05", "c0:49:ef"}
)


def is_shelly_oui(mac: str) -> bool:
    """True when the MAC (any case, `:` or `-` separated) starts with a known Shelly OUI."""
    return mac.lower().replace("-", ":")[:8] in SHELLY_OUIS
