"""The prometheus target against the simulated node_exporters over real sockets, and its failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from homelake.lake import layout
from homelake.lake.schemas import COLLECTOR_HEALTH, DEAD_LETTER, Dataset
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.sim.model.cluster import cluster_for
from homelake.sim.model.site import Site, build_site
from homelake.sources import dataset
from homelake.sources.base import PollOutcome, SimContext
from homelake.sources.prometheus import SPEC
from homelake.sources.prometheus.allow import AllowList
from homelake.sources.prometheus.config import PrometheusEndpoint, PrometheusFamily
from homelake.sources.prometheus.simulator import PrometheusSimulator
from homelake.sources.prometheus.target import PrometheusTarget

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture(scope="module")
def site() -> Site:
    return build_site()


@pytest.fixture
def clock(site: Site) -> Clock:
    return Clock(site.start.astimezone(UTC) + timedelta(hours=9, minutes=30))  # pi1 crash-loops, hot


@pytest.fixture
def sim(site: Site, clock: Clock) -> Iterator[PrometheusSimulator]:
    simulator = PrometheusSimulator(SimContext(site=site, clock=clock))
    simulator.start()
    yield simulator
    simulator.stop()


def _targets(sim: PrometheusSimulator) -> list[PrometheusTarget]:
    family = PrometheusFamily.model_validate(sim.site_config(Path("."), interval_s=30))
    return [
        PrometheusTarget(e, family.allow_list(e), local_tz=UTC, interval_s=30, timeout_s=5) for e in family.endpoints
    ]


def _values(rows: list[dict[str, object]], name: str) -> dict[str, float]:
    return {str(r["labels"]): float(str(r["value"])) for r in rows if r["name"] == name}


def test_every_node_is_scraped_and_matches_the_model(sim: PrometheusSimulator, clock: Clock, site: Site) -> None:
    cluster = cluster_for(site.start, site.seed)

    async def run() -> dict[str, list[dict[str, object]]]:
        found = {}
        for target in _targets(sim):
            outcome = await target.poll()
            await target.aclose()
            assert outcome.errors == []
            found[target.name] = outcome.results[0].rows
        return found

    rows = asyncio.run(run())
    assert set(rows) == {"k3s-master", "pi1", "pi2"}
    for node, node_rows in rows.items():
        state = cluster.state(node, clock.t)
        assert state is not None
        assert _values(node_rows, "node_boot_time_seconds") == {"{}": state.boot_at.timestamp()}
        assert _values(node_rows, "node_filesystem_avail_bytes") == {
            json.dumps({"device": f"/dev/{state.node.disk_device}", "fstype": "ext4", "mountpoint": "/"},
                       sort_keys=True, separators=(",", ":")): state.disk_avail_bytes
        }  # fmt: skip
        assert not any(str(r["name"]).startswith(("go_", "process_")) for r in node_rows)  # not allow-listed
    throttled = _values(rows["pi1"], "rpi_throttled")
    assert throttled['{"bit":"2"}'] == 1.0 and _values(rows["pi2"], "rpi_throttled")['{"bit":"2"}'] == 0.0


def test_a_rebooting_node_is_a_transient_failed_scrape(sim: PrometheusSimulator, clock: Clock, site: Site) -> None:
    reboot = cluster_for(site.start, site.seed).of("reboot", "pi1")[0]
    clock.t = reboot.at + timedelta(seconds=30)
    target = PrometheusTarget(
        PrometheusEndpoint(name="pi1", url=sim.servers["pi1"].url),
        AllowList(),
        local_tz=UTC,
        interval_s=30,
        timeout_s=5,
    )

    async def run() -> PollOutcome:
        try:
            return await target.poll()
        finally:
            await target.aclose()

    outcome = asyncio.run(run())
    assert outcome.row_count == 0 and len(outcome.errors) == 1 and "HTTP 503" in str(outcome.errors[0])
    assert target.is_transient(outcome.errors[0])


def test_an_html_answer_is_a_dead_letter_with_its_bytes() -> None:
    page = b"<html><body>Please log in</body></html>"
    target = PrometheusTarget(
        PrometheusEndpoint(name="proxy", url="http://192.0.2.1:9100/metrics"), AllowList(), local_tz=UTC,
        interval_s=30, timeout_s=1, transport=httpx.MockTransport(lambda _r: httpx.Response(200, content=page)),
    )  # fmt: skip
    outcome = asyncio.run(target.poll())
    assert outcome.dead_letters == [
        ("prometheus/samples", "not Prometheus text (the body looks like HTML or JSON)", page)
    ]
    assert outcome.errors and not target.is_transient(outcome.errors[0])


def test_a_timeout_is_transient_and_names_the_endpoint() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    target = PrometheusTarget(
        PrometheusEndpoint(name="slow", url="http://192.0.2.1:9100/metrics"), AllowList(),
        local_tz=UTC, interval_s=30, timeout_s=1, transport=httpx.MockTransport(hang),
    )  # fmt: skip
    outcome = asyncio.run(target.poll())
    assert len(outcome.errors) == 1 and target.is_transient(outcome.errors[0]) and "slow" in str(outcome.errors[0])
    assert SPEC.name == "prometheus"


def test_a_malformed_line_lands_as_a_dead_letter_and_the_rest_of_the_scrape_in_the_lake(tmp_path: Path) -> None:
    scrape = Path(__file__).resolve().parents[2] / "fixtures" / "prometheus" / "composed_0.0.4_malformed_line.txt"
    target = PrometheusTarget(
        PrometheusEndpoint(name="pi1", url="http://192.0.2.1:9100/metrics"), AllowList(everything=True),
        local_tz=UTC, interval_s=30, timeout_s=1,
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, content=scrape.read_bytes())),
    )  # fmt: skip
    writer = BufferedLakeWriter(LakeWriter(tmp_path / "lake", collector="test"))
    assert asyncio.run(Poller(target, writer, retries=0).poll_once()) is True  # a bad line fails no scrape
    writer.flush()
    con = duckdb.connect()

    def read(columns: str, ds: Dataset) -> list[tuple]:
        return con.execute(
            f"select {columns} from read_parquet('{layout.glob_pattern(tmp_path / 'lake', ds)}')"
        ).fetchall()

    samples = read("name", dataset("prometheus/samples"))
    good_lines = [line for line in scrape.read_text().splitlines() if line and not line.startswith("#")]
    assert len(samples) == len(good_lines) - 1
    ((payload, reason),) = read("payload, reason", DEAD_LETTER)
    assert payload == b'temperature_celsius{sensor="gpu" +Inf' and "malformed" in reason
    assert read("ok, row_count", COLLECTOR_HEALTH) == [(True, len(samples))]
