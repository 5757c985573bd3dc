#!/usr/bin/env python3
"""Lake cost of the cluster families: bytes per Prometheus sample and per journal entry after compaction.

Lays a simulated week of the k3s cluster (3 nodes, default allow-list, one scrape per node every 30 minutes in
history) through the real parsers and lake writer, compacts the closed days, and prints bytes per row.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from homelake.lake.compaction import compact
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import backfill
from homelake.sim.model.site import build_site
from homelake.sources import journald, prometheus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=7)
    args = parser.parse_args()
    site = build_site()
    start = site.start.astimezone(UTC)
    with tempfile.TemporaryDirectory(prefix="homelake-bench-cluster-") as tmp:
        root = Path(tmp)
        writer = BufferedLakeWriter(LakeWriter(root, collector="backfill"))
        backfill(site, writer, start=start, end=start + timedelta(days=args.days), local_tz=site.tz,
                 families=[prometheus.SPEC, journald.SPEC], mqtt=False)  # fmt: skip
        report = compact(root, [*prometheus.SPEC.datasets, *journald.SPEC.datasets], today=date(2100, 1, 1))
        print(f"compacted {report.files_before} files into {report.files_after} ({report.rows} rows)")
        for dataset in (*prometheus.SPEC.datasets, *journald.SPEC.datasets):
            files = [p for p in (root / "raw" / dataset.key).glob("date=*/*.parquet") if "1970" not in str(p)]
            rows = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
            size = sum(p.stat().st_size for p in files)
            print(f"{dataset.key}: {rows} rows, {size} bytes, {size / max(rows, 1):.1f} bytes/row")


if __name__ == "__main__":
    main()
