"""The site file's tariff: validated with errors naming the key, and handed to dbt as the cost marts' vars (the
SQL itself is covered by the dbt unit tests in transform/models/marts/energy/_energy__unit_tests.yml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from homelake.cli.transform import run_transform
from homelake.settings import ConfigError, parse_settings
from homelake.warehouse import publish


def _settings(tmp_path: Path, tariff: dict[str, Any]) -> Any:
    cfg = {
        "site": {"timezone": "Europe/Berlin"},
        "lake": {"root": str(tmp_path / "lake")},
        "warehouse": {"path": str(tmp_path / "warehouse.duckdb"), "tariff": tariff},
    }
    return parse_settings(cfg, source="site.yaml", base=tmp_path)


def test_time_of_use_periods_become_minutes_of_the_day(tmp_path: Path) -> None:
    settings = _settings(tmp_path, {
        "currency": "CHF", "import_price_per_kwh": 0.3,
        "import_periods": [{"start": "22:00", "end": "07:00", "price_per_kwh": 0.12},
                           {"start": "07:00", "end": "24:00", "price_per_kwh": 0.34}],
        "feed_in_price_per_kwh": 0.08, "generator_fuel_price_per_l": 1.9,
    })  # fmt: skip
    assert settings.warehouse.tariff.dbt_vars() == {
        "tariff_currency": "CHF",
        "tariff_import_price": 0.3,
        "tariff_import_periods": [[1320, 420, 0.12], [420, 1440, 0.34]],
        "tariff_feed_in_price": 0.08,
        "tariff_fuel_price_per_l": 1.9,
    }


@pytest.mark.parametrize(
    ("tariff", "key"),
    [
        ({"import_periods": [{"start": "25:00", "end": "07:00", "price_per_kwh": 0.1}]}, "start"),
        ({"import_price_per_kwh": -0.1}, "import_price_per_kwh"),
        ({"fuel_price": 2.0}, "fuel_price"),
    ],
)
def test_a_bad_tariff_names_its_key(tmp_path: Path, tariff: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, tariff)
    assert "warehouse.tariff" in str(caught.value) and key in str(caught.value)


def test_transform_hands_the_tariff_to_dbt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, {"import_price_per_kwh": 0.25, "currency": "CHF"})
    seen: list[dict[str, Any]] = []
    real = publish._invoke_dbt

    def spy(args: list[str]) -> Any:
        seen.append(json.loads(args[args.index("--vars") + 1]))
        return real(args)

    monkeypatch.setattr(publish, "_invoke_dbt", spy)
    run_transform(settings, select="warehouse_build")  # any model: the vars are the point
    assert seen[0]["tariff_import_price"] == 0.25 and seen[0]["tariff_currency"] == "CHF"
    assert seen[0]["site_timezone"] == "Europe/Berlin"
