"""Media beside the lake: stats, retention by age and by a size cap (rows kept, deletions marked), the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import yaml

from homelake.lake.media import apply_media_retention, media_files, media_stats

TODAY = date(2026, 12, 7)


def _put(root: Path, day: str, name: str, size: int, device: str = "cam-front") -> Path:
    path = root / "hikvision" / device / f"date={day}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff" * size)
    return path


def test_stats_count_media_files_and_bytes_only(tmp_path: Path) -> None:
    _put(tmp_path, "2026-12-01", "a" * 64 + ".jpg", 100)
    _put(tmp_path, "2026-12-03", "b" * 64 + ".jpg", 50, device="nvr")
    _put(tmp_path, "2026-12-03", ".tmpfile.tmp", 999)  # a write in progress is no media
    (tmp_path / "README.txt").write_text("not media")
    stats = media_stats(tmp_path)
    assert (stats.files, stats.bytes, stats.first_day, stats.last_day) == (2, 150, "2026-12-01", "2026-12-03")
    assert media_stats(tmp_path / "absent").files == 0


def test_retention_by_age_then_by_size_cap_oldest_first(tmp_path: Path) -> None:
    old = _put(tmp_path, "2026-11-01", "1" * 64 + ".jpg", 100)
    mid = _put(tmp_path, "2026-12-01", "2" * 64 + ".jpg", 100)
    new = _put(tmp_path, "2026-12-06", "3" * 64 + ".jpg", 100)
    newest = _put(tmp_path, "2026-12-07", "4" * 64 + ".jpg", 100, device="nvr")
    deleted = apply_media_retention(tmp_path, keep_days=30, max_bytes=250, today=TODAY)
    assert [(f.path, why) for f, why in deleted] == [
        (old.relative_to(tmp_path).as_posix(), "age"),  # older than 30 days
        (mid.relative_to(tmp_path).as_posix(), "size_cap"),  # the oldest of what is left, until <= 250 bytes
    ]
    assert deleted[0][0].sha256 == "1" * 64 and deleted[0][0].device_id == "cam-front"
    assert not old.exists() and not mid.exists() and new.exists() and newest.exists()
    assert apply_media_retention(tmp_path, keep_days=30, max_bytes=250, today=TODAY) == []  # idempotent
    assert [f.day for f in media_files(tmp_path)] == [date(2026, 12, 6), date(2026, 12, 7)]
    assert apply_media_retention(tmp_path, keep_days=None, max_bytes=None, today=TODAY) == []  # off: nothing goes


def _homelake(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "homelake.cli.app", *args], capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def test_lake_stats_and_retention_commands_handle_media(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({
        "lake": {"root": "lake"}, "warehouse": {"path": "wh.duckdb"}, "site": {"timezone": "UTC"},
        "hikvision": {"media_dir": "media", "media_retention_days": 30,
                      "cameras": [{"name": "cam-front", "url": "https://192.0.2.1"}]},
    }))  # fmt: skip
    gone = _put(tmp_path / "media", "2001-01-01", "a" * 64 + ".jpg", 1234)  # older than 30 days, whenever this runs
    kept = _put(tmp_path / "media", "2999-01-01", "b" * 64 + ".jpg", 10)
    stats = _homelake("lake", "stats", "-c", str(site))
    assert stats.returncode == 0, stats.stderr
    assert "media" in stats.stdout and "1,244" in stats.stdout  # files and bytes of the media tree
    ran = _homelake("lake", "retention", "-c", str(site))
    assert ran.returncode == 0, ran.stderr
    assert "hikvision: deleted 1 media files (1,234 bytes)" in ran.stdout
    assert not gone.exists() and kept.exists()
    glob = tmp_path / "lake" / "raw" / "hikvision" / "media_deletions" / "*" / "*.parquet"
    rows = duckdb.sql(f"select device_id, path, sha256, bytes, reason from read_parquet('{glob}')").fetchall()
    assert rows == [("cam-front", "hikvision/cam-front/date=2001-01-01/" + "a" * 64 + ".jpg", "a" * 64, 1234, "age")]
