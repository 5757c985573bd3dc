"""The prometheus target scraping Debian's real node_exporter, started on a loopback port of its own."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from homelake.sources.base import PollOutcome
from homelake.sources.prometheus.allow import AllowList
from homelake.sources.prometheus.config import PrometheusEndpoint
from homelake.sources.prometheus.target import PrometheusTarget

pytestmark = pytest.mark.integration
EXPORTER = shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def exporter_url() -> Iterator[str]:
    if not Path(EXPORTER).exists():
        pytest.fail("prometheus-node-exporter is not installed: run ./scripts/ensure-tools")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603  # a fixed binary and our own arguments
        [EXPORTER, f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/metrics"
    process.terminate()
    process.wait(timeout=10)


def _scrape(url: str, allow: AllowList) -> PollOutcome:
    endpoint = PrometheusEndpoint(name="here", url=url)
    target = PrometheusTarget(endpoint, allow, local_tz=UTC, interval_s=15, timeout_s=10)

    async def run() -> PollOutcome:
        try:
            return await target.poll()
        finally:
            await target.aclose()

    return asyncio.run(run())


def test_the_real_exporter_is_scraped_and_agrees_with_the_kernel(exporter_url: str) -> None:
    outcome = _scrape(exporter_url, AllowList())
    assert outcome.errors == [] and outcome.dead_letters == []
    rows = outcome.results[0].rows
    boot = [r["value"] for r in rows if r["name"] == "node_boot_time_seconds"]
    stat = Path("/proc/stat").read_text().splitlines()
    btime = next(int(line.split()[1]) for line in stat if line.startswith("btime"))
    assert boot == [float(btime)]
    cpus = {json.loads(str(r["labels"]))["cpu"] for r in rows if r["name"] == "node_cpu_seconds_total"}
    assert len(cpus) == len(Path("/proc/stat").read_text().split("\ncpu")) - 1  # one per cpuN line
    assert all(r["metric_type"] == "counter" for r in rows if r["name"] == "node_cpu_seconds_total")
    assert {"node_load1", "node_memory_MemAvailable_bytes", "node_filesystem_avail_bytes"} <= {r["name"] for r in rows}


def test_the_allow_list_keeps_a_small_part_of_the_real_exposition(exporter_url: str) -> None:
    everything = _scrape(exporter_url, AllowList(everything=True)).results[0].rows
    kept = _scrape(exporter_url, AllowList()).results[0].rows
    assert len(everything) > 300  # noqa: PLR2004  # node_exporter 1.5 exposes ~460 node_* samples here
    assert 0 < len(kept) < len(everything) / 3
    assert {r["metric_type"] for r in everything} >= {"counter", "gauge", "summary"}  # go_gc_duration_seconds
