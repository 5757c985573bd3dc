"""Configuration of PowMR hybrid inverters: how each is reached (bridge or serial), its protocol and register map."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from homelake.sources.config import unique_names


class PowmrInverter(BaseModel):
    """One inverter. `register_map` names a map in sources/powmr/maps/ (`inv8851`, `hvm_hm`, `srne`) or a path.

    `transport`: `tcp` = a serial-to-TCP bridge passing the raw serial bytes (8851 frames or Modbus RTU frames),
    `modbus_tcp` = a gateway speaking Modbus TCP (MBAP), `serial` = a local device (`port`, e.g. /dev/ttyUSB0)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    register_map: str = "inv8851"
    transport: Literal["tcp", "modbus_tcp", "serial"] = "tcp"
    host: str | None = None
    port: int | str = 8899  # TCP port of the bridge, or the serial device path
    baudrate: int = 9600
    slave: int | None = None  # Modbus unit id; defaults to the map's (HVM 5, SRNE 1)
    ac_input: Literal["grid", "generator"] = "grid"  # what feeds the AC input
    interval_s: float | None = Field(None, ge=1)
    timeout_s: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _reachable(self) -> PowmrInverter:
        if self.transport != "serial" and not self.host:
            raise ValueError(f"inverter {self.name}: transport {self.transport} needs host (the bridge's address)")
        if self.register_map == "inv8851" and self.transport != "tcp":
            raise ValueError(f"inverter {self.name}: 8851 frames are read through a raw TCP bridge (transport: tcp)")
        if self.transport == "serial" and not isinstance(self.port, str):
            raise ValueError(f"inverter {self.name}: transport serial needs port: the device path, e.g. /dev/ttyUSB0")
        return self


class PowmrFamily(BaseModel):
    """`powmr:` in the site file. `max_gap_s`: energy is never integrated across a longer gap between polls."""

    model_config = ConfigDict(extra="forbid")

    interval_s: float = Field(5.0, ge=1)
    timeout_s: float | None = Field(None, gt=0)
    max_gap_s: float = Field(60.0, gt=0)
    inverters: list[PowmrInverter] = []

    @model_validator(mode="after")
    def _unique_names(self) -> PowmrFamily:
        unique_names((i.name for i in self.inverters), "inverter names")
        return self
