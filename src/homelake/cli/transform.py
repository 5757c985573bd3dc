"""`homelake transform`: dbt build into a fresh DuckDB file, then publish it atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from homelake.cli.common import UserError, console, load
from homelake.lake.schemas import ALERT_EVENTS
from homelake.lake.writer import LakeWriter
from homelake.settings import Settings
from homelake.sources import DATASETS, FAMILIES

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def family_dbt_vars(settings: Settings) -> dict[str, Any]:
    """The dbt vars each family's section of the site file gives (a config with a `dbt_vars()` method)."""
    found: dict[str, Any] = {}
    for spec in FAMILIES:
        dbt_vars = getattr(settings.family_config(spec.name), "dbt_vars", None)
        if callable(dbt_vars):
            found |= dbt_vars()
    return found


def run_transform(settings: Settings, select: str | None = None):  # noqa: ANN201 - BuildReport
    """Build and publish the warehouse, then evaluate the alert rules over it (see `homelake.alerts`)."""
    from homelake.alerts.engine import evaluate_after_build
    from homelake.warehouse.publish import TransformError, build_warehouse

    LakeWriter(settings.lake.root).ensure_anchors(DATASETS.values())
    try:
        report = build_warehouse(
            lake_root=settings.lake.root,
            warehouse_path=settings.warehouse.path,
            metadata_csv=settings.metadata_csv,
            site_timezone=settings.site.timezone,
            select=select,
            dbt_vars=settings.warehouse.dbt_vars() | family_dbt_vars(settings),
        )
    except TransformError as exc:
        raise UserError(str(exc)) from None
    alerts = evaluate_after_build(settings)
    if alerts is not None and alerts.events and alerts.evaluated_at is not None:
        # the alerts' history as data: the next build's `alerts` mart folds these rows
        at = alerts.evaluated_at
        origin = {"observed_at": at, "received_at": at, "family": "homelake", "device_id": "alerts",
                  "collector": "transform"}  # fmt: skip
        LakeWriter(settings.lake.root, collector="transform").write_rows(
            ALERT_EVENTS, [origin | event for event in alerts.events]
        )
    return report


def transform(
    config: ConfigOpt = None,
    select: Annotated[str | None, typer.Option(help="dbt selector, e.g. 'marts.network'.")] = None,
) -> None:
    """Build the warehouse from the lake with dbt (models and tests) and swap it in atomically."""
    settings = load(config)
    report = run_transform(settings, select)
    console.print(f"warehouse published: {report.path}  ({report.duration_s:.1f}s)")
