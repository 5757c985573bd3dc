"""Build the warehouse with dbt into a fresh DuckDB file, then publish it with one atomic rename."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from homelake.warehouse import seeds

log = logging.getLogger(__name__)

DEFAULT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "transform"
METADATA_SEED = seeds.METADATA.file_name
METADATA_COLUMNS = seeds.METADATA.columns

# The environment is process-wide and dbt keeps global state: one in-process build at a time.
_BUILD_LOCK = threading.Lock()

_OK = {"success", "pass", "no-op", "partial success"}
_WARN = {"warn"}
_ERROR = {"error", "fail", "runtime error"}


class TransformError(Exception):
    """The warehouse could not be built; the published one is untouched. The message is one line."""


@dataclass(frozen=True)
class NodeCounts:
    """Outcome of the nodes of one kind (models, seeds, data tests, unit tests) in one build."""

    ok: int = 0
    warn: int = 0
    error: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.ok + self.warn + self.error + self.skipped


@dataclass(frozen=True)
class BuildReport:
    """What a successful build published and how its nodes fared."""

    path: Path
    duration_s: float
    models: NodeCounts = NodeCounts()
    seeds: NodeCounts = NodeCounts()
    tests: NodeCounts = NodeCounts()
    unit_tests: NodeCounts = NodeCounts()
    warnings: tuple[str, ...] = field(default=())  # names of nodes that ended in `warn`


def build_warehouse(
    *,
    lake_root: Path,
    warehouse_path: Path,
    metadata_csv: Path | None,
    site_timezone: str,
    project_dir: Path | None = None,
    select: str | None = None,
    seeds_dir: Path | None = None,
    dbt_vars: dict[str, Any] | None = None,
) -> BuildReport:
    """Run `dbt build` in-process into `<warehouse dir>/.build-<random>.duckdb` and swap it in.

    Readers never see a half-built warehouse: the old file stays in place until `os.replace` puts the
    checkpointed new one over it. On any failure the temporary file is removed, the published warehouse
    is left as it was and `TransformError` says which nodes failed. With `select`, the build starts from
    a copy of the published warehouse so that the models left out keep their previous tables.

    `dbt_vars` are more of the project's vars (the site file's tariff, say).

    The site's seed files (device_metadata.csv, circuits.csv, sensor_rooms.csv) replace the project's
    examples: those in `seeds_dir`, else those lying beside `metadata_csv`; `metadata_csv` always wins.
    """
    started = time.monotonic()
    project_dir = (project_dir or DEFAULT_PROJECT_DIR).resolve()
    lake_root = Path(lake_root).resolve()
    warehouse_path = Path(warehouse_path).resolve()
    _check_inputs(lake_root, site_timezone, project_dir)
    try:
        site_files = seeds.site_seed_files(
            Path(metadata_csv) if metadata_csv is not None else None,
            Path(seeds_dir) if seeds_dir is not None else None,
        )
    except seeds.SeedError as exc:
        raise TransformError(str(exc)) from None

    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    build_path = warehouse_path.parent / f".build-{secrets.token_hex(6)}.duckdb"
    with _BUILD_LOCK, tempfile.TemporaryDirectory(prefix="homelake-dbt-") as work_dir:
        work = Path(work_dir)
        try:
            staged_seeds = seeds.stage_seeds(project_dir / "seeds", site_files, work / "seeds")
            if select and warehouse_path.exists():
                shutil.copyfile(warehouse_path, build_path)
            env = {
                "HOMELAKE_LAKE_ROOT": str(lake_root),
                "HOMELAKE_WAREHOUSE_BUILD": str(build_path),
                "HOMELAKE_SEEDS_DIR": str(staged_seeds),
            }
            args = [
                "build",
                "--project-dir", str(project_dir),
                "--profiles-dir", str(project_dir),
                "--target-path", str(work / "target"),
                "--log-path", str(work / "logs"),
                "--vars", json.dumps({**(dbt_vars or {}), "site_timezone": site_timezone}),
                "--no-send-anonymous-usage-stats",
                "--no-use-colors",
                "--log-level", "none",
            ]  # fmt: skip
            if select:
                # only the tests whose every parent is built (a relationship test to a model left out would
                # read a table this build does not have)
                args += ["--select", select, "--indirect-selection", "buildable"]
            with _environ(env):
                outcome = _invoke_dbt(args)
            counts = _count(outcome.results)
            if not outcome.success:
                raise TransformError(_failure_summary(outcome))
            _finalize(build_path)
            _publish(build_path, warehouse_path)
        except BaseException:
            _remove_database(build_path)
            raise

    report = BuildReport(path=warehouse_path, duration_s=round(time.monotonic() - started, 3), **counts)
    log.info(
        "warehouse published path=%s duration_s=%.1f models_ok=%d tests_ok=%d tests_warn=%d unit_tests_ok=%d",
        report.path,
        report.duration_s,
        report.models.ok,
        report.tests.ok,
        report.tests.warn,
        report.unit_tests.ok,
    )
    return report


def _check_inputs(lake_root: Path, site_timezone: str, project_dir: Path) -> None:
    if not (project_dir / "dbt_project.yml").is_file():
        raise TransformError(f"no dbt project at {project_dir} (dbt_project.yml missing)")
    if not lake_root.is_dir():
        raise TransformError(f"lake root {lake_root} does not exist; collect data or check lake.root")
    # The path is spliced into read_parquet('...') and a str.format template by dbt-duckdb.
    if any(char in str(lake_root) for char in "'{}"):
        raise TransformError(f"lake root {lake_root} must not contain quotes or braces")
    try:
        ZoneInfo(site_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TransformError(f"unknown site timezone {site_timezone!r}; use an IANA name like Europe/Berlin") from None


@contextlib.contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class _Outcome:
    success: bool
    results: list[Any]
    exception: BaseException | None


def _invoke_dbt(args: list[str]) -> _Outcome:
    from dbt.cli.main import dbtRunner  # imported late: dbt takes ~1 s to import

    try:
        result = dbtRunner().invoke(args)
    except Exception as exc:  # dbtRunner returns most errors; anything raised is a crash of dbt itself
        raise TransformError(f"dbt build crashed: {_one_line(str(exc)) or type(exc).__name__}") from None
    finally:
        _close_dbt_connection()
    run_results = getattr(result.result, "results", None) or []
    return _Outcome(success=bool(result.success), results=list(run_results), exception=result.exception)


def _close_dbt_connection() -> None:
    """dbt-duckdb keeps its DuckDB instance in a class attribute; release the file before the swap."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            with contextlib.suppress(Exception):
                env.close()
            DuckDBConnectionManager._ENV = None


def _kind(result: Any) -> str:
    resource_type = getattr(result.node, "resource_type", "")
    return str(getattr(resource_type, "value", resource_type))


def _status(result: Any) -> str:
    return str(getattr(result.status, "value", result.status))


def _count(results: list[Any]) -> dict[str, Any]:
    kinds = ("model", "seed", "test", "unit_test")
    buckets = {kind: {"ok": 0, "warn": 0, "error": 0, "skipped": 0} for kind in kinds}
    warnings: list[str] = []
    for result in results:
        bucket = buckets.get(_kind(result))
        if bucket is None:
            continue
        status = _status(result)
        if status in _OK:
            bucket["ok"] += 1
        elif status in _WARN:
            bucket["warn"] += 1
            warnings.append(result.node.name)
        elif status in _ERROR:
            bucket["error"] += 1
        else:
            bucket["skipped"] += 1
    return {
        "models": NodeCounts(**buckets["model"]),
        "seeds": NodeCounts(**buckets["seed"]),
        "tests": NodeCounts(**buckets["test"]),
        "unit_tests": NodeCounts(**buckets["unit_test"]),
        "warnings": tuple(warnings),
    }


def _one_line(text: str, limit: int = 240) -> str:
    """A dbt message on one line (its header and detail joined), without colour codes, cut to `limit`."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text or "")
    line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _failure_summary(outcome: _Outcome, shown: int = 3) -> str:
    failed = [r for r in outcome.results if _status(r) in _ERROR]
    if not failed:
        reason = _one_line(str(outcome.exception)) if outcome.exception else "no nodes ran"
        return f"dbt build failed: {reason}"
    parts = [f"{_kind(r)} {r.node.name}: {_one_line(r.message or _status(r), 160)}" for r in failed[:shown]]
    more = f"; and {len(failed) - shown} more" if len(failed) > shown else ""
    nodes = "node" if len(failed) == 1 else "nodes"
    return f"dbt build failed ({len(failed)} failing {nodes}): " + "; ".join(parts) + more


def _finalize(build_path: Path) -> None:
    """Fold the WAL into the file and flush it, so the file alone is the complete warehouse."""
    if not build_path.exists():
        raise TransformError(f"dbt reported success but wrote no warehouse at {build_path}")
    with duckdb.connect(str(build_path)) as con:
        con.execute("CHECKPOINT")
    with open(build_path, "rb") as handle:
        os.fsync(handle.fileno())


def _publish(build_path: Path, warehouse_path: Path) -> None:
    # Nothing ever writes the published file, so a WAL beside it is debris that DuckDB would replay
    # into the new file: remove it before the swap.
    Path(f"{warehouse_path}.wal").unlink(missing_ok=True)
    os.replace(build_path, warehouse_path)
    directory = os.open(warehouse_path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _remove_database(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
