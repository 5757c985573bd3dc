"""Configuration of the journal gateways to follow (systemd-journal-gatewayd on each node)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homelake.sources.config import DeviceConfig, unique_names
from homelake.sources.journald.parser import EntryFilter


class JournaldNode(DeviceConfig):
    """One node's gateway, e.g. `http://pi1.cluster:19531`. `units` add to the family's kept units."""

    url_error: ClassVar[str] = "must start with http:// or https:// (the gateway's base URL, port 19531 by default)"

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")  # a node's host name may have dots
    units: list[str] = []
    max_priority: int | None = Field(None, ge=0, le=7)
    verify_tls: bool | Path = True
    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)


class JournaldFamily(BaseModel):
    """`journald:` in the site file. Kept: priority <= max_priority (default 5, notice) plus the named units."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    max_priority: int = Field(5, ge=0, le=7)
    units: list[str] = []
    quiet_s: float = Field(2.0, gt=0)  # a follow ends when the gateway sends nothing for this long
    max_entries: int = Field(20_000, gt=0)  # ... or after this many entries (the rest comes next poll)
    cursor_dir: Path | None = None  # where durable cursors live; default: the collector's state folder
    nodes: list[JournaldNode] = []

    def entry_filter(self, node: JournaldNode) -> EntryFilter:
        priority = self.max_priority if node.max_priority is None else node.max_priority
        return EntryFilter(priority, (*self.units, *node.units))

    @model_validator(mode="after")
    def _unique_names(self) -> JournaldFamily:
        unique_names((n.name for n in self.nodes), "node names")
        return self
