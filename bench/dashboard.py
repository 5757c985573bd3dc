"""Dashboard latency on a year of the demo site: every page and chart endpoint, server-side (TestClient).

    .venv/bin/python bench/dashboard.py [--workdir DIR] [--reuse DIR] [--days 365] [--runs 5] [--json FILE]

Builds the warehouse once (simulated history through the real parsers, then dbt), or reuses one built
earlier with --reuse, then times each URL: one warm-up request, then the median of --runs requests.
Prints a table and a JSON document; the target is < 300 ms per URL.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

TARGET_MS = 300.0


def build(workdir: Path, days: float) -> Path:
    from homelake.cli.transform import run_transform
    from homelake.sim.demo.pipeline import DemoRun

    run = DemoRun(workdir, days=days)
    run.start()
    try:
        t0 = time.monotonic()
        # routers and Shelly HTTP polls every 15 min for the whole period (MQTT history would be ~18M
        # messages for a year; the marts the pages read are the same either way)
        rows = run.lay_history(step=timedelta(minutes=15), mqtt=False)
        print(f"history: {rows:,} rows in {time.monotonic() - t0:.0f}s", file=sys.stderr)
        t0 = time.monotonic()
        run_transform(run.settings)
        print(f"transform: {time.monotonic() - t0:.0f}s", file=sys.stderr)
    finally:
        run.stop()
    return run.site_file


def busiest_device(warehouse: Path) -> str:
    """The MAC with the most wifi signal history, so the device page charts a full year."""
    from homelake.warehouse.query import connect_readonly

    with connect_readonly(warehouse) as con:
        rows = con.execute(
            "select mac from rpt_wifi_signal_hourly_by_device group by mac order by count(*) desc, mac limit 1"
        ).fetchall()
    return rows[0][0] if rows else "00:00:00:00:00:00"


def urls(mac: str, ranges: dict[str, str]) -> list[str]:
    from homelake.web.charts import CHARTS

    out = ["/", "/inventory", "/inventory?q=a&sort=last_seen&dir=desc", f"/devices/{mac}"]
    for label, query in ranges.items():
        out += [f"/{page}?{query}" for page in ("energy", "climate", "network", "people", "health")]
        for name, chart in CHARTS.items():
            extra = f"&mac={mac}" if chart.needs_mac else ""
            out.append(f"/api/charts/{name}?{query}{extra}")
            if label == "year":
                out.append(f"/api/charts/{name}.csv?{query}{extra}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("var/bench-dashboard"))
    parser.add_argument("--reuse", type=Path, help="A workdir built earlier (its site.yaml and warehouse).")
    parser.add_argument("--days", type=float, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Also write the JSON result here.")
    args = parser.parse_args()

    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    from homelake.settings import load_settings
    from homelake.web.app import create_app

    site_file = (args.reuse / "site.yaml") if args.reuse else build(args.workdir, args.days)
    settings = load_settings(site_file)
    client = TestClient(create_app(settings))
    ranges = {"7d": "range=7d", "30d": "range=30d", "year": "from=" + _year_ago(settings)}
    results = []
    for url in urls(busiest_device(settings.warehouse.path), ranges):
        status = client.get(url).status_code  # warm-up
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        results.append({"url": url, "status": status, "median_ms": round(statistics.median(times), 1)})
    width = max(len(r["url"]) for r in results)
    for r in results:
        flag = "" if r["median_ms"] < TARGET_MS else "  <-- over target"
        flag += "" if r["status"] == 200 else f"  <-- HTTP {r['status']}"
        print(f"{r['url']:<{width}}  {r['median_ms']:8.1f} ms{flag}")
    worst = max(results, key=lambda r: r["median_ms"])
    summary = {
        "warehouse": str(settings.warehouse.path),
        "warehouse_bytes": settings.warehouse.path.stat().st_size,
        "runs": args.runs,
        "target_ms": TARGET_MS,
        "over_target": sum(r["median_ms"] >= TARGET_MS for r in results),
        "worst": worst,
        "results": results,
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0 if summary["over_target"] == 0 else 1


def _year_ago(settings: object) -> str:
    from datetime import UTC, datetime

    tz = settings.tz  # type: ignore[attr-defined]
    return (datetime.now(UTC).astimezone(tz).date() - timedelta(days=364)).isoformat()


if __name__ == "__main__":
    raise SystemExit(main())
