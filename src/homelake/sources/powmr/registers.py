"""Register maps as data: load a map file (maps/*.yaml) and decode raw 16-bit words into named values (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

MAPS_DIR = Path(__file__).parent / "maps"
TYPES = ("s16", "u16", "u16le", "lo8", "hi8", "nib0", "nib1", "nib2", "nib3")


class RegisterMapError(ValueError):
    """A map file that cannot be used: missing, not YAML, or a field of an unknown type."""


@dataclass(frozen=True)
class Field:
    """One value in a map: where it is (`at`), how its bits are read, and its scale."""

    name: str
    at: int
    type: str = "u16"
    scale: float = 1.0
    enum: str | None = None  # a table turning the code into a name (`<name minus _code>` column)
    flags: str | None = None  # a table of bit number -> name (set bits listed by name)

    def raw(self, word: int) -> int:
        """The field's integer from the unsigned 16-bit word it lives in."""
        word &= 0xFFFF
        if self.type == "s16":
            return word - 0x10000 if word & 0x8000 else word
        if self.type == "u16le":
            return ((word & 0xFF) << 8) | (word >> 8)
        if self.type in ("lo8", "hi8"):
            return (word >> (8 if self.type == "hi8" else 0)) & 0xFF
        if self.type.startswith("nib"):
            return (word >> (4 * int(self.type[3]))) & 0xF
        return word


@dataclass(frozen=True)
class RegisterMap:
    """A named map: its fields, the code->name tables, and for Modbus the slave id and the blocks to read."""

    name: str
    protocol: str  # "8851" | "modbus"
    fields: tuple[Field, ...]
    tables: Mapping[str, Mapping[int, str]]
    slave: int = 1
    blocks: tuple[tuple[int, int], ...] = ()  # (first register, count) read with function 3


def _field(spec: object, path: Path, enums: Mapping[str, str]) -> Field:
    if not isinstance(spec, dict) or "name" not in spec or "at" not in spec:
        raise RegisterMapError(f"{path.name}: each field needs a name and an address (at): {spec!r}")
    field = Field(
        name=str(spec["name"]), at=int(spec["at"]), type=str(spec.get("type", "u16")),
        scale=float(spec.get("scale", 1.0)), enum=spec.get("enum") or enums.get(str(spec["name"])),
        flags=spec.get("flags"),
    )  # fmt: skip
    if field.type not in TYPES:
        raise RegisterMapError(f"{path.name}: field {field.name}: unknown type {field.type!r} (one of {TYPES})")
    return field


def load_map(name_or_path: str | Path) -> RegisterMap:
    """A map by name (a file in maps/) or by path (an owner's own map file)."""
    text = str(name_or_path)
    path = Path(text) if text.endswith((".yaml", ".yml")) else MAPS_DIR / f"{text}.yaml"
    return _load(path.resolve())


@cache
def _load(path: Path) -> RegisterMap:
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        known = ", ".join(sorted(p.stem for p in MAPS_DIR.glob("*.yaml")))
        raise RegisterMapError(f"cannot read register map {path}: {exc.strerror} (built-in maps: {known})") from None
    except yaml.YAMLError as exc:
        raise RegisterMapError(f"register map {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise RegisterMapError(f"register map {path} needs a `fields:` list")
    tables = {
        str(k): {int(code): str(label) for code, label in v.items()} for k, v in (data.get("tables") or {}).items()
    }
    enums = {str(k): str(v) for k, v in (data.get("enums") or {}).items()}
    fields = tuple(_field(spec, path, enums) for spec in data["fields"])
    for field in fields:
        for table in (field.enum, field.flags):
            if table is not None and table not in tables:
                raise RegisterMapError(f"{path.name}: field {field.name} names table {table!r}, which is not defined")
    blocks = tuple((int(first), int(count)) for first, count in data.get("blocks") or ())
    return RegisterMap(
        name=str(data.get("name", path.stem)), protocol=str(data.get("protocol", "modbus")), fields=fields,
        tables=tables, slave=int(data.get("slave", 1)), blocks=blocks,
    )  # fmt: skip


def label(table: Mapping[int, str], code: int, prefix: str) -> str:
    return table.get(code, f"{prefix}_{code}")


def decode(register_map: RegisterMap, words: Mapping[int, int]) -> dict[str, Any]:
    """Named values of every field whose word is present; enums add `<name>` beside `<name>_code`,
    flag tables add `<name>_names` (comma-separated set bits)."""
    values: dict[str, Any] = {}
    for field in register_map.fields:
        if field.at not in words:
            continue
        raw = field.raw(words[field.at])
        values[field.name] = raw if field.scale == 1.0 else round(raw * field.scale, 6)
        if field.enum is not None:
            values[field.name.removesuffix("_code")] = label(register_map.tables[field.enum], raw, field.name)
        if field.flags is not None:
            table = register_map.tables[field.flags]
            values[f"{field.name}_names"] = ",".join(label(table, bit, "bit") for bit in range(16) if raw >> bit & 1)
    return values


def encode_value(field: Field, value: float) -> int:
    """The unsigned 16-bit word a simulator puts in place for `value` (whole-word fields only)."""
    raw = round(value / field.scale)
    if field.type == "u16le":
        raw &= 0xFFFF
        return ((raw & 0xFF) << 8) | (raw >> 8)
    return raw & 0xFFFF
