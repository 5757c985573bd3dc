"""The site file (YAML): validated once, with one clear line per mistake naming the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from homelake.runtime.mqtt.config import MqttConfig
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.shelly.config import ShellyFamily
from homelake.web.config import DashboardConfig


class ConfigError(ValueError):
    """The site file is unusable; the message says which key, what is wrong and how to fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Location(_Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class SiteInfo(_Strict):
    name: str = "home"
    timezone: str = "UTC"
    location: Location | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like 'Europe/Berlin'") from None
        return value


class LakeConfig(_Strict):
    root: Path = Path("var/lake")
    flush_rows: int = Field(10_000, ge=1)
    flush_age_s: float = Field(5.0, gt=0)
    retention_days: int | None = Field(None, ge=1)  # None: keep raw data forever (the default)


class WarehouseConfig(_Strict):
    path: Path = Path("var/warehouse/homelake.duckdb")


class PollDefaults(_Strict):
    """Defaults for every poller; a family or target may override interval and timeout."""

    interval_s: float = Field(60.0, gt=0)
    jitter: float = Field(0.1, ge=0, le=0.5)  # fraction of the interval
    timeout_s: float = Field(10.0, gt=0)
    retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(1.0, ge=0)


class MikrotikFamily(_Strict):
    interval_s: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    routers: list[MikrotikRouter] = []

    @model_validator(mode="after")
    def _unique_names(self) -> MikrotikFamily:
        names = [r.name for r in self.routers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"router names must be unique; repeated: {', '.join(dupes)}")
        return self


class LoggingConfig(_Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "text", "json"] = "auto"


class Settings(_Strict):
    site: SiteInfo = SiteInfo()
    lake: LakeConfig = LakeConfig()
    warehouse: WarehouseConfig = WarehouseConfig()
    metadata_csv: Path | None = None
    collect: PollDefaults = PollDefaults()
    mikrotik: MikrotikFamily = MikrotikFamily()
    shelly: ShellyFamily = ShellyFamily()
    mqtt: MqttConfig | None = None
    dashboard: DashboardConfig = DashboardConfig()
    logging: LoggingConfig = LoggingConfig()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    def resolve_paths(self, base: Path) -> Settings:
        """Relative paths in the file are relative to the file's folder, not the working directory."""

        def fix(p: Path) -> Path:
            p = p.expanduser()
            return p if p.is_absolute() else (base / p).resolve()

        self.lake.root = fix(self.lake.root)
        self.warehouse.path = fix(self.warehouse.path)
        if self.metadata_csv is not None:
            self.metadata_csv = fix(self.metadata_csv)
        secrets = [self.mqtt.password if self.mqtt else None, self.dashboard.auth.token, self.dashboard.auth.password]
        for ref in secrets:
            if ref is not None and ref.file is not None:
                object.__setattr__(ref, "file", fix(ref.file))
        for router in self.mikrotik.routers:
            if router.password is not None and router.password.file is not None:
                object.__setattr__(router.password, "file", fix(router.password.file))
            if isinstance(router.verify_tls, Path):
                router.verify_tls = fix(router.verify_tls)
        for device in self.shelly.devices:
            if device.password is not None and device.password.file is not None:
                object.__setattr__(device.password, "file", fix(device.password.file))
        return self


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _explain(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        # pydantic appends the failing validator's name for union members; drop those noise parts.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in {"function-after", "bool", "path"}))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see the example site file in the README)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{source}: {_loc(loc)}: {msg}")
    return "\n".join(dict.fromkeys(lines))


def parse_settings(data: Any, *, source: str = "site file", base: Path | None = None) -> Settings:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys (site:, lake:, mikrotik: ...)")
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, source)) from None
    return settings.resolve_paths(base or Path.cwd())


def load_settings(path: Path) -> Settings:
    """Read and validate the site file; every problem becomes a ConfigError naming the key."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"site file {path} not found; pass --config PATH or set HOMELAKE_CONFIG") from None
    except OSError as exc:
        raise ConfigError(f"cannot read site file {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    return parse_settings(data, source=str(path), base=path.parent.resolve())
