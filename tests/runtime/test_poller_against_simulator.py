"""The polling runtime against RouterOS simulators over real HTTP(S): every injected fault, wrong
password, TLS mismatch, a failing target beside a healthy one, and what lands in the lake."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import duckdb
import pytest

from homelake.lake import layout
from homelake.lake.schemas import COLLECTOR_HEALTH, DEAD_LETTER
from homelake.lake.writer import BufferedLakeWriter, LakeWriter
from homelake.runtime.poller import Poller
from homelake.runtime.supervisor import run_pollers
from homelake.sim.model.site import DEFAULT_START, Site, build_site
from homelake.sources.mikrotik.config import MikrotikRouter
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES
from homelake.sources.mikrotik.simulator import RouterSimServer
from homelake.sources.mikrotik.target import MikrotikTarget
from homelake.testing.clock import ManualClock

pytestmark = pytest.mark.integration
PASSWORD = "s3cret-Pa55"
AT = DEFAULT_START + timedelta(days=1, hours=19, minutes=7)  # a Tuesday evening: the simulators' clock


@pytest.fixture(scope="module")
def site() -> Site:
    return build_site(7)


@pytest.fixture
def fw(site: Site) -> Iterator[RouterSimServer]:
    with RouterSimServer(site, "fw", password=PASSWORD, fault_delay_s=3.0, clock=ManualClock(AT)) as server:
        yield server


def target_for(server: RouterSimServer, password: str = PASSWORD, **router: object) -> MikrotikTarget:
    config = MikrotikRouter(
        name=server.router_name if hasattr(server, "router_name") else "fw",
        url=server.url,
        password=None,
        allow_http=server.url.startswith("http://"),
        **router,
    )
    return MikrotikTarget(config, password, local_tz=UTC, interval_s=1.0, timeout_s=1.0)


def lake_rows(root: Path, dataset: object, columns: str) -> list[tuple]:
    glob = layout.glob_pattern(root, dataset)  # type: ignore[arg-type]
    return duckdb.connect().execute(f"select {columns} from read_parquet('{glob}')").fetchall()


def poll_once(root: Path, target: MikrotikTarget, retries: int = 0) -> bool:
    writer = BufferedLakeWriter(LakeWriter(root))

    async def go() -> bool:
        try:
            return await Poller(target, writer, retries=retries, backoff_s=0.05).poll_once()
        finally:
            await target.aclose()

    ok = asyncio.run(go())
    writer.flush()
    return ok


def test_healthy_poll_lands_every_dataset_and_a_health_row(tmp_path: Path, fw: RouterSimServer) -> None:
    assert poll_once(tmp_path, target_for(fw))
    leases = lake_rows(tmp_path, MIKROTIK_DHCP_LEASES, "count(*), count(distinct mac)")[0]
    assert leases[0] > 20 and leases[0] == leases[1]
    health = lake_rows(tmp_path, COLLECTOR_HEALTH, "source, target, ok, error_class, row_count")
    assert health[0][:4] == ("mikrotik", "fw", True, None) and health[0][4] > leases[0]


@pytest.mark.parametrize(
    ("fault", "error_class", "dead_letter"),
    [
        ("timeout", "MikrotikTimeout", False),
        ("unauthorized", "MikrotikAuthError", False),
        ("server_error", "MikrotikHTTPError", False),
        ("malformed_json", "MikrotikBadPayload", True),
        ("truncated", "MikrotikBadPayload", True),
    ],
)
def test_each_fault_is_a_health_row_and_nothing_crashes(
    tmp_path: Path, fw: RouterSimServer, fault: str, error_class: str, dead_letter: bool
) -> None:
    fw.faults.inject(fault, count=1, path="/ip/dhcp-server/lease")
    assert not poll_once(tmp_path, target_for(fw))
    ok, err_class, message = lake_rows(tmp_path, COLLECTOR_HEALTH, "ok, error_class, error_message")[0]
    assert (ok, err_class) == (False, error_class)
    assert "fw" in message and PASSWORD not in message
    dead = lake_rows(tmp_path, DEAD_LETTER, "dataset, reason, payload") if dead_letter else []
    assert bool(dead) == dead_letter
    if dead_letter:
        assert dead[0][0] == "mikrotik/dhcp_leases" and dead[0][2]  # the raw bytes are kept


def test_empty_lease_table_is_fine(tmp_path: Path, fw: RouterSimServer) -> None:
    fw.faults.inject("empty_leases", count=1)
    assert poll_once(tmp_path, target_for(fw))
    assert not (layout.dataset_dir(tmp_path, MIKROTIK_DHCP_LEASES)).exists()


def test_transient_failure_is_retried_with_backoff(tmp_path: Path, fw: RouterSimServer) -> None:
    fw.faults.inject("server_error", count=4)  # every endpoint of the first attempt fails
    assert poll_once(tmp_path, target_for(fw), retries=2)
    assert lake_rows(tmp_path, COLLECTOR_HEALTH, "ok") == [(True,)]


def test_wrong_password_is_not_retried_and_never_logged(
    tmp_path: Path, fw: RouterSimServer, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-Pa55word"
    assert not poll_once(tmp_path, target_for(fw, password=wrong), retries=3)
    rows = lake_rows(tmp_path, COLLECTOR_HEALTH, "error_class, error_message, duration_s")
    assert rows[0][0] == "MikrotikAuthError" and rows[0][2] < 1.0  # no backoff for a wrong password
    assert wrong not in caplog.text and PASSWORD not in caplog.text and wrong not in rows[0][1]


def test_tls_mismatch_and_configured_ca(tmp_path: Path, site: Site) -> None:
    with RouterSimServer(site, "fw", password=PASSWORD, tls=True, clock=ManualClock(AT)) as server:
        assert server.url.startswith("https://")
        assert not poll_once(tmp_path / "a", target_for(server))  # self-signed: not trusted by default
        assert lake_rows(tmp_path / "a", COLLECTOR_HEALTH, "error_class")[0][0] == "MikrotikTLSError"
        assert poll_once(tmp_path / "b", target_for(server, verify_tls=server.cert_path))
        assert poll_once(tmp_path / "c", target_for(server, verify_tls=False))


def test_unreachable_router_does_not_stop_the_others(tmp_path: Path, fw: RouterSimServer, site: Site) -> None:
    dead_router = MikrotikRouter(name="ap-gone", url="http://127.0.0.1:9", allow_http=True)
    targets = [target_for(fw), MikrotikTarget(dead_router, None, local_tz=UTC, interval_s=0.5, timeout_s=0.5)]
    writer = BufferedLakeWriter(LakeWriter(tmp_path), max_age_s=0.5)
    pollers = [Poller(t, writer, retries=0) for t in targets]
    asyncio.run(run_pollers(pollers, writer, duration_s=2.5, install_signals=False))
    health = lake_rows(tmp_path, COLLECTOR_HEALTH, "target, ok, error_class")
    fw_polls = [ok for t, ok, _ in health if t == "fw"]
    gone = [cls for t, ok, cls in health if t == "ap-gone"]
    assert len(fw_polls) >= 2 and all(fw_polls)
    assert gone and set(gone) == {"MikrotikConnectError"}
