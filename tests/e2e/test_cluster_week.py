"""E2E: a simulated week of the k3s cluster → prometheus + journald lake → dbt build → cluster marts == truth."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.sim.demo.backfill import backfill
from homelake.sim.model.cluster import DOWN_S, Cluster, cluster_for
from homelake.sim.model.site import Site, build_site
from homelake.sources import DATASETS, journald, prometheus
from homelake.warehouse.publish import BuildReport, build_warehouse
from homelake.warehouse.query import connect_readonly

pytestmark = pytest.mark.e2e
DAYS = 7


class Week:
    def __init__(self, site: Site, warehouse: Path) -> None:
        self.site, self.warehouse = site, warehouse
        self.cluster: Cluster = cluster_for(site.start, site.seed)
        self.start = site.start.astimezone(UTC)
        self.end = self.start + timedelta(days=DAYS)
        self.report: BuildReport | None = None

    def rows(self, sql: str) -> list[tuple]:
        con = connect_readonly(self.warehouse)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def truth(self, kind: str) -> list[tuple[str, object]]:
        return sorted((i.node, i.at) for i in self.cluster.incidents if i.kind == kind and i.at < self.end)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Week:
    root = tmp_path_factory.mktemp("cluster")
    site = build_site()
    made = Week(site, root / "warehouse" / "homelake.duckdb")
    lake = LakeWriter(root / "lake", collector="backfill")
    lake.ensure_anchors(DATASETS.values())
    writer = BufferedLakeWriter(lake, max_rows=50_000)
    backfill(site, writer, start=made.start, end=made.end, local_tz=site.tz,
             families=[prometheus.SPEC, journald.SPEC], mqtt=False)  # fmt: skip
    made.report = build_warehouse(lake_root=root / "lake", warehouse_path=made.warehouse, metadata_csv=None,
                                  site_timezone=site.timezone, select="+marts.cluster")  # fmt: skip
    return made


def test_reboots_equal_the_truth_and_the_journal_confirms_each_with_its_new_boot_id(week: Week) -> None:
    columns = "node, booted_at, boot_id, previous_boot_id, is_confirmed"
    found = week.rows(f"select {columns} from main.node_reboots order by node, booted_at")
    cluster = week.cluster
    truth = []
    for node, at in week.truth("reboot"):
        booted = at + timedelta(seconds=DOWN_S)
        before = cluster.boot_at(node, at - timedelta(seconds=1))
        truth.append((node, booted, cluster.boot_id(node, booted), cluster.boot_id(node, before), True))
    assert found == truth and truth


def test_oom_kills_equal_the_truth_in_journals_and_in_the_kernel_counter(week: Week) -> None:
    found = week.rows("select node, killed_at, process from main.oom_kills order by killed_at")
    truth = [(i.node, i.at, i.detail) for i in week.cluster.of("oom_kill") if i.at < week.end]
    assert found == truth and truth
    counted = week.rows("select node, sum(oom_kills_counted) from main.node_health_hourly group by all order by 1")
    assert [(n, c) for n, c in counted if c] == sorted(Counter(node for node, _, _ in truth).items())


def test_unit_failures_and_their_error_lines_equal_the_truth(week: Week) -> None:
    found = week.rows("select node, unit, failed_at, last_error_lines from main.unit_failures order by failed_at")
    truth = sorted((i.node, i.detail, i.at) for i in week.cluster.of("unit_failure") if i.at < week.end)
    assert [(n, u, at - timedelta(seconds=1)) for n, u, at, _ in found] == truth and truth
    assert all("rsync error" in lines and "Failed to start" in lines for *_, lines in found)


def test_under_voltage_events_equal_the_truth(week: Week) -> None:
    found = week.rows(
        "select node, sum(under_voltage_events) as events from main.node_health_hourly group by all having events > 0"
    )
    truth = week.truth("under_voltage")
    assert found == [("pi2", len(truth))] and truth


def test_counter_increases_are_never_negative_across_the_reboot(week: Week) -> None:
    resets = week.rows(
        "select node, count(*), min(increase) from intermediate.int_node_counters_increased where is_reset group by all"
    )
    assert [node for node, *_ in resets] == ["pi1"]  # the reboot reset every counter of pi1 and nothing else
    assert week.rows("select count(*) from intermediate.int_node_counters_increased where increase < 0") == [(0,)]
    hot = week.rows("select bool_or(is_throttled) from main.node_health_hourly where node = 'pi1'")
    assert hot == [(True,)]  # the crash loop ran pi1 flat out: throttled


def test_the_disk_forecast_is_within_a_day_of_the_fill_date(week: Week) -> None:
    found = week.rows("select node, full_at from main.disk_full_forecast where full_at is not null")
    truth = week.cluster.disk_full_at("pi1")
    assert [node for node, _ in found] == ["pi1"] and truth is not None
    assert abs(found[0][1] - truth) < timedelta(days=1)


def test_the_cluster_models_data_tests_and_their_unit_tests_ran(week: Week) -> None:
    assert week.report is not None
    assert week.report.unit_tests.ok >= 2 and week.report.tests.ok >= 10  # noqa: PLR2004  # counter reset, reboots
