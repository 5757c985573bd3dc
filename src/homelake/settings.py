"""The site file (YAML): validated once, with one clear line per mistake naming the key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from homelake.alerts.config import AlertsConfig
from homelake.runtime.mqtt.config import MqttConfig
from homelake.secrets import SecretRef
from homelake.sources import FAMILIES
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


class TariffPeriod(_Strict):
    """An import price for part of the day (site-local wall-clock time; `end` before `start` runs past midnight)."""

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
    price_per_kwh: float = Field(ge=0)

    def minutes(self) -> tuple[int, int]:
        (sh, sm), (eh, em) = (map(int, t.split(":")) for t in (self.start, self.end))
        return sh * 60 + sm, eh * 60 + em


class TariffConfig(_Strict):
    """What energy costs: grid import (flat, and time-of-use periods that override it), feed-in, generator fuel.
    Prices in `currency` per kWh (fuel per litre); a price left out is unknown and its costs stay null."""

    currency: str = "EUR"
    import_price_per_kwh: float | None = Field(None, ge=0)
    import_periods: list[TariffPeriod] = []
    feed_in_price_per_kwh: float | None = Field(None, ge=0)
    generator_fuel_price_per_l: float | None = Field(None, ge=0)

    def dbt_vars(self) -> dict[str, Any]:
        """The tariff as the dbt project's vars (energy_cost_* marts)."""
        return {
            "tariff_currency": self.currency,
            "tariff_import_price": self.import_price_per_kwh,
            "tariff_import_periods": [[*p.minutes(), p.price_per_kwh] for p in self.import_periods],
            "tariff_feed_in_price": self.feed_in_price_per_kwh,
            "tariff_fuel_price_per_l": self.generator_fuel_price_per_l,
        }


class WarehouseConfig(_Strict):
    path: Path = Path("var/warehouse/homelake.duckdb")
    tariff: TariffConfig = TariffConfig()
    # A device's clock within this many seconds of the collector's is trusted to place late-delivered
    # readings (docs/adr/0013-device-time.md); wider than the worst clock drift plus delivery delay.
    device_clock_skew_s: float = Field(120.0, gt=0, le=3600)

    def dbt_vars(self) -> dict[str, Any]:
        """The site file's transform settings as the dbt project's vars."""
        return self.tariff.dbt_vars() | {"device_clock_skew_s": self.device_clock_skew_s}


class PollDefaults(_Strict):
    """Defaults for every poller; a family or target may override interval and timeout."""

    interval_s: float = Field(60.0, gt=0)
    jitter: float = Field(0.1, ge=0, le=0.5)  # fraction of the interval
    timeout_s: float = Field(10.0, gt=0)
    retries: int = Field(2, ge=0, le=10)
    backoff_s: float = Field(1.0, ge=0)


class LoggingConfig(_Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "text", "json"] = "auto"


class PlatformSettings(_Strict):
    """The site file's platform keys; `Settings` below adds one section per family from
    `homelake.sources.FAMILIES`, under the family's name."""

    site: SiteInfo = SiteInfo()
    lake: LakeConfig = LakeConfig()
    warehouse: WarehouseConfig = WarehouseConfig()
    metadata_csv: Path | None = None
    collect: PollDefaults = PollDefaults()
    mqtt: MqttConfig | None = None
    dashboard: DashboardConfig = DashboardConfig()
    logging: LoggingConfig = LoggingConfig()
    alerts: AlertsConfig = AlertsConfig()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    def family_config(self, name: str) -> Any:
        """The validated section of family `name` (its defaults when the file leaves it out); None when
        the family takes no configuration."""
        return getattr(self, name, None)

    def media_dirs(self) -> dict[str, Path]:
        """{family: its `media_dir`} for each family whose section keeps media files (camera snapshots)."""
        found = {spec.name: getattr(self.family_config(spec.name), "media_dir", None) for spec in FAMILIES}
        return {name: root for name, root in found.items() if isinstance(root, Path)}

    def resolve_paths(self, base: Path) -> Self:
        """Relative paths in the file are relative to the file's folder, not the working directory."""

        def fix(p: Path) -> Path:
            p = p.expanduser()
            return p if p.is_absolute() else (base / p).resolve()

        self.lake.root = fix(self.lake.root)
        self.warehouse.path = fix(self.warehouse.path)
        if self.metadata_csv is not None:
            self.metadata_csv = fix(self.metadata_csv)
        if self.alerts.state_path is not None:
            self.alerts.state_path = fix(self.alerts.state_path)
        for key in ("mqtt", "dashboard", "alerts"):  # their secrets; their paths are checked where they are read
            _fix_paths(getattr(self, key), fix, paths=False, key=key)
        for spec in FAMILIES:
            _fix_paths(self.family_config(spec.name), fix, paths=True, key=spec.name)
        return self


def _fix_paths(value: Any, fix: Callable[[Path], Path], *, paths: bool, key: str) -> None:
    """Every secret file (and with `paths`, every path) inside a config model, made relative to the site
    file's folder; every secret reference learns its key (`key` is where `value` sits in the file)."""
    if isinstance(value, SecretRef):
        value.at(key)
        if value.file is not None:
            object.__setattr__(value, "file", fix(value.file))
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _fix_paths(item, fix, paths=paths, key=f"{key}[{index}]")
        return
    if not isinstance(value, BaseModel):
        return
    for name in type(value).model_fields:
        item = getattr(value, name)
        if isinstance(item, Path):
            if paths:
                object.__setattr__(value, name, fix(item))
        else:
            _fix_paths(item, fix, paths=paths, key=f"{key}.{name}")


# The site file's model: the platform keys plus one key per family that takes configuration. Type checkers see
# the platform model; a family's section is read with `settings.family_config(name)`.
if TYPE_CHECKING:
    Settings = PlatformSettings
else:
    Settings = create_model(
        "Settings",
        __base__=PlatformSettings,
        __doc__="The validated site file: the platform keys and one section per device family.",
        **{spec.name: (spec.config, spec.config()) for spec in FAMILIES if spec.config is not None},
    )


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
        families = " ".join(f"{spec.name}:" for spec in FAMILIES if spec.config is not None)
        raise ConfigError(f"{source}: the top level must be a mapping of keys (site:, lake:, {families} ...)")
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
