"""The site's seed CSVs (metadata, circuits, sensor rooms, node circuits): header checks and a private seeds dir."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path


class SeedError(Exception):
    """A site seed file is missing or its header lacks columns; the message is one line."""


@dataclass(frozen=True)
class SeedSpec:
    """One seed the site may supply: its file name, required columns and what it is, for messages."""

    file_name: str
    columns: tuple[str, ...]
    what: str


METADATA = SeedSpec(
    "device_metadata.csv",
    ("mac", "name", "owner", "room", "location", "device_type", "vendor", "model", "notes"),
    "device metadata",
)
CIRCUITS = SeedSpec("circuits.csv", ("mac", "device_id", "channel", "circuit", "room", "load"), "circuits")
SENSOR_ROOMS = SeedSpec("sensor_rooms.csv", ("device_id", "room"), "sensor rooms")
NODE_CIRCUITS = SeedSpec("node_circuits.csv", ("node", "circuit"), "node circuits")
SITE_SEEDS: tuple[SeedSpec, ...] = (METADATA, CIRCUITS, SENSOR_ROOMS, NODE_CIRCUITS)


def check_header(spec: SeedSpec, path: Path) -> None:
    """Raise SeedError unless `path` exists and its header names every required column."""
    if not path.is_file():
        raise SeedError(f"{spec.what} file {path} does not exist")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = [column for column in spec.columns if column not in {name.strip() for name in header}]
    if missing:
        raise SeedError(
            f"{spec.what} file {path} lacks the column(s) {', '.join(missing)}; "
            f"the header must be {','.join(spec.columns)}"
        )


def site_seed_files(metadata_csv: Path | None, seeds_dir: Path | None) -> dict[SeedSpec, Path]:
    """Which site files replace the project's example seeds.

    Every seed file found in `seeds_dir`; without one, the circuits and sensor-room files lying beside
    `metadata_csv` (a site keeps its seed files together). An explicit `metadata_csv` always wins.
    """
    found: dict[SeedSpec, Path] = {}
    folder = seeds_dir if seeds_dir is not None else (metadata_csv.parent if metadata_csv else None)
    if seeds_dir is not None and not seeds_dir.is_dir():
        raise SeedError(f"seeds directory {seeds_dir} does not exist")
    if folder is not None:
        found = {spec: folder / spec.file_name for spec in SITE_SEEDS if (folder / spec.file_name).is_file()}
    if metadata_csv is not None:
        found[METADATA] = metadata_csv
    for spec, path in found.items():
        check_header(spec, path)
    return found


def stage_seeds(project_seeds: Path, site_files: dict[SeedSpec, Path], seeds_dir: Path) -> Path:
    """A private seeds directory: the project's own seeds, with the site's files on top."""
    if project_seeds.is_dir():
        shutil.copytree(project_seeds, seeds_dir)
    else:
        seeds_dir.mkdir(parents=True)
    for spec, path in site_files.items():
        # re-encoded without a byte-order mark (spreadsheet exports add one; it would stick to a column)
        text = Path(path).read_text(encoding="utf-8-sig")
        (seeds_dir / spec.file_name).write_text(text, encoding="utf-8")
    return seeds_dir
