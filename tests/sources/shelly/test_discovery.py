"""Shelly discovery: pure candidate selection from leases and metadata, reading leases from the lake, the
config's address map, and confirmation with `/shelly` against the simulated fleet."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from homelake.lake.writer import LakeWriter
from homelake.runtime.families import context, read_metadata, read_neighbours
from homelake.settings import ConfigError, Settings, parse_settings
from homelake.sim.model.site import build_site
from homelake.sources import DATASETS
from homelake.sources.mikrotik.datasets import MIKROTIK_DHCP_LEASES
from homelake.sources.shelly import SPEC
from homelake.sources.shelly.client import ShellyIdentity
from homelake.sources.shelly.config import ShellyDiscoveryConfig
from homelake.sources.shelly.discovery import (
    Candidate,
    ShellyDiscovery,
    candidates,
    device_id_of,
)
from homelake.sources.shelly.simulator.fleet import ShellyFleet

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
CFG = ShellyDiscoveryConfig(address_map={"192.168.88.0/24": "127.88.0.0/24"}, port=8080)


def lease(
    mac: str, ip: str, hostname: str | None = None, *, at: datetime = T0, status: str = "bound"
) -> dict[str, Any]:
    return {"mac": mac, "ip": ip, "active_ip": ip, "hostname": hostname, "status": status, "observed_at": at}


def test_candidates_by_metadata_hostname_and_oui_with_the_address_map() -> None:
    leases = [
        lease("00:11:22:33:44:01", "192.168.88.23", "kitchen-plug"),  # metadata says Shelly
        lease("00:11:22:33:44:02", "192.168.88.24", "ShellyPlus1PM-AABBCC"),  # host name prefix, any case
        lease("E8:68:E7:00:00:03", "192.168.88.25", None),  # Shelly OUI, upper case
        lease("00:11:22:33:44:04", "192.168.88.26", "macbook"),  # nothing Shelly about it
        lease("00:11:22:33:44:05", "10.1.2.3", "shellyuni-0FAD4C"),  # outside the map: unchanged
        lease("00:11:22:33:44:06", "192.168.88.27", "garage"),  # metadata: model names a Shelly
    ]
    metadata = [
        {"mac": "00:11:22:33:44:01", "vendor": "Shelly", "model": "Plug S", "device_type": "smart_plug"},
        {"mac": "00:11:22:33:44:04", "vendor": "Apple", "model": "MacBook Air", "device_type": "laptop"},
        {"mac": "00:11:22:33:44:06", "vendor": "", "model": "SHSW-25", "device_type": "relay"},
    ]
    found = candidates(leases, metadata, CFG)
    assert found == [
        Candidate("00:11:22:33:44:01", "127.88.0.23", "kitchen-plug", "metadata"),
        Candidate("00:11:22:33:44:02", "127.88.0.24", "ShellyPlus1PM-AABBCC", "hostname"),
        Candidate("00:11:22:33:44:05", "10.1.2.3", "shellyuni-0FAD4C", "hostname"),
        Candidate("00:11:22:33:44:06", "127.88.0.27", "garage", "metadata"),
        Candidate("e8:68:e7:00:00:03", "127.88.0.25", None, "oui"),
    ]
    assert CFG.url_for(found[0].ip) == "http://127.88.0.23:8080"


def test_only_the_latest_bound_lease_within_the_window_counts() -> None:
    window = timedelta(seconds=CFG.lease_window_s)
    leases = [
        lease("e8:68:e7:00:00:01", "192.168.88.30", at=T0 - window - timedelta(seconds=1)),  # stale: gone
        lease("e8:68:e7:00:00:02", "192.168.88.31", at=T0 - window + timedelta(seconds=1)),  # just fresh
        lease("e8:68:e7:00:00:03", "192.168.88.32", at=T0 - timedelta(minutes=1)),
        lease("e8:68:e7:00:00:03", "192.168.88.33", at=T0, status="waiting"),  # latest row says released
        lease("e8:68:e7:00:00:04", "192.168.88.34", at=T0 - timedelta(minutes=2)),
        lease("e8:68:e7:00:00:04", "192.168.88.35", at=T0),  # moved: the latest address wins
    ]
    found = {c.mac: c.ip for c in candidates(leases, [], CFG)}
    assert found == {"e8:68:e7:00:00:02": "127.88.0.31", "e8:68:e7:00:00:04": "127.88.0.35"}
    assert candidates([], [], CFG) == []


def test_configured_prefixes_and_vendors_replace_the_defaults() -> None:
    cfg = ShellyDiscoveryConfig(hostname_prefixes=["plug-"], vendors=["Allterco"])
    leases = [
        lease("00:00:00:00:00:01", "192.168.1.5", "shelly1-AABBCC"),
        lease("00:00:00:00:00:02", "192.168.1.6", "Plug-x"),
    ]
    metadata = [{"mac": "00:00:00:00:00:01", "vendor": "allterco"}]
    assert [(c.mac, c.reason, c.ip) for c in candidates(leases, metadata, cfg)] == [
        ("00:00:00:00:00:01", "metadata", "192.168.1.5"),
        ("00:00:00:00:00:02", "hostname", "192.168.1.6"),
    ]


@pytest.mark.parametrize(
    ("address_map", "message"),
    [
        ({"192.168.88.0/33": "127.88.0.0/24"}, "address_map key '192.168.88.0/33' is not a network in CIDR form"),
        ({"192.168.88.0/24": "loopback"}, "address_map value 'loopback' is not a network in CIDR form"),
        ({"192.168.88.5/24": "127.88.0.0/24"}, "has host bits set"),
        ({"192.168.88.0/24": "127.88.0.0/16"}, "both networks must be the same size"),
    ],
)
def test_bad_address_maps_are_clear_errors(address_map: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ShellyDiscoveryConfig(address_map=address_map)
    with pytest.raises(ConfigError, match=r"shelly\.discovery\.address_map: "):
        parse_settings({"shelly": {"discovery": {"address_map": address_map}}})


def test_settings_accept_the_simulated_sites_shelly_section(tmp_path: Path) -> None:
    secret = tmp_path / "plug.password"
    secret.write_text("pw\n")
    settings = parse_settings(
        {
            "shelly": {
                "interval_s": 30,
                "discovery": {"enabled": True, "address_map": {"192.168.88.0/24": "127.88.0.0/24"}, "port": 8080},
                "devices": [{"device_id": "shellyplug-s-8252C1", "url": "http://127.88.0.65:8080/",
                             "username": "admin", "password": {"file": "plug.password"}}],
            }
        },
        base=tmp_path,
    )  # fmt: skip
    device = settings.shelly.devices[0]
    assert device.url == "http://127.88.0.65:8080" and device.password is not None
    assert device.password.file == secret and device.password.resolve() == "pw"
    assert Settings().shelly.discovery.enabled and Settings().shelly.devices == []
    with pytest.raises(ConfigError, match=r"shelly\.devices\[0\]\.url: .*base URL"):
        parse_settings({"shelly": {"devices": [{"url": "127.0.0.1"}]}})
    with pytest.raises(ConfigError, match="repeated: x"):
        parse_settings(
            {"shelly": {"devices": [{"device_id": "x", "url": "http://a"}, {"device_id": "x", "url": "http://b"}]}}
        )


def test_gen1_device_id_from_the_host_name_or_the_mac() -> None:
    gen1 = ShellyIdentity(1, {"type": "SHPLG-S", "mac": "E868E78252C1"})
    assert device_id_of(gen1, "e8:68:e7:82:52:c1", "shellyplug-s-8252C1") == "shellyplug-s-8252C1"
    assert device_id_of(gen1, "e8:68:e7:82:52:c1", "kitchen") == "shellyplug-s-E868E78252C1"
    gen2 = ShellyIdentity(2, {"id": "shellyplus1pm-fcb467394201", "gen": 2})
    assert device_id_of(gen2, "fc:b4:67:39:42:01", "whatever") == "shellyplus1pm-fcb467394201"


def read_leases(root: Path) -> list[dict[str, Any]]:
    return read_neighbours(root, MIKROTIK_DHCP_LEASES)


def discover(settings: Any, lake: Path) -> list[Any]:
    """One discovery round as the runtime runs it: the lake's newest leases, no metadata."""
    finder = ShellyDiscovery(context(settings, SPEC))
    return asyncio.run(finder(read_leases(lake), []))


def write_leases(root: Path, leases: list[dict[str, Any]]) -> None:
    origin = {"received_at": T0, "family": "mikrotik", "device_id": "fw", "collector": "test"}
    LakeWriter(root).write_rows(MIKROTIK_DHCP_LEASES, [origin | row for row in leases])


def test_read_leases_takes_the_latest_row_per_mac_of_the_two_newest_days(tmp_path: Path) -> None:
    assert read_leases(tmp_path) == []
    LakeWriter(tmp_path).ensure_anchors(DATASETS.values())
    write_leases(tmp_path, [lease("aa:00:00:00:00:01", "192.168.88.40", at=T0 - timedelta(days=3))])  # too old
    write_leases(tmp_path, [lease("AA:00:00:00:00:02", "192.168.88.41", at=T0 - timedelta(days=1))])
    write_leases(tmp_path, [lease("aa:00:00:00:00:02", "192.168.88.42", "shellyx", at=T0)])
    got = read_leases(tmp_path)
    assert [(r["mac"], r["ip"], r["hostname"], r["observed_at"]) for r in got] == [
        ("aa:00:00:00:00:02", "192.168.88.42", "shellyx", T0)
    ]


def test_read_metadata(tmp_path: Path) -> None:
    csv_file = tmp_path / "device_metadata.csv"
    csv_file.write_text("mac,name,vendor,model,device_type\nc8:f0:9e:a0:63:4c,Garage,Shelly,Pro 2PM,relay\n")
    assert read_metadata(csv_file)[0]["vendor"] == "Shelly"
    assert read_metadata(None) == [] and read_metadata(tmp_path / "missing.csv") == []


SITE = build_site(7)
NOW = SITE.start + timedelta(days=1, hours=3)


@pytest.fixture(scope="module")
def fleet() -> Iterator[ShellyFleet]:
    with ShellyFleet(SITE, clock=lambda: NOW, port=0, passwords={"shelly-plugs-kitchen": "Gen1-pw"}) as running:
        yield running


@pytest.mark.integration
def test_discovery_confirms_shellies_skips_the_rest_and_merges_static_devices(
    tmp_path: Path, fleet: ShellyFleet
) -> None:
    devices = {d["device_id"]: d for d in fleet.devices()}
    plug, pro2pm, sw25 = (
        devices["shellyplug-s-8252C1"],
        devices["shellypro2pm-c8f09ea0634c"],
        devices["shellyswitch25-FCC4E1"],
    )
    write_leases(
        tmp_path,
        [
            lease(plug["mac"], plug["lan_ip"], "kitchen"),  # hostname unknown: found by OUI
            lease(pro2pm["mac"], pro2pm["lan_ip"], pro2pm["device_id"]),
            lease("e8:68:e7:de:ad:00", "192.168.88.200", "shelly-ghost"),  # nobody answers there
        ],
    )
    (tmp_path / "pw").write_text("Gen1-pw")
    settings = parse_settings(
        {
            "lake": {"root": str(tmp_path)},
            "shelly": {
                "interval_s": 5,
                "discovery": {"address_map": fleet.address_map, "port": fleet.port},
                "devices": [
                    {"device_id": "shellyplug-s-E868E78252C1", "url": "http://192.0.2.1", "password": {"file": "pw"}},
                    {"url": sw25["url"]},  # static, no id: named after its host
                ],
            },
        },
        base=tmp_path,
    )
    targets = {t.name: t for t in discover(settings, tmp_path)}
    plug_id = "shellyplug-s-E868E78252C1"  # the lease's host name is not an id: built from the MAC
    assert set(targets) == {plug_id, pro2pm["device_id"], "127.88.0.64"}
    assert targets[plug_id].url == plug["url"]  # discovered address, static credentials
    assert targets[pro2pm["device_id"]].identity is not None and targets[pro2pm["device_id"]].interval_s == 5

    async def poll_plug() -> Any:
        try:
            return await targets[plug_id].poll()
        finally:
            for t in targets.values():
                await t.aclose()

    outcome = asyncio.run(poll_plug())
    assert outcome.errors == [] and outcome.row_count >= 2


@pytest.mark.integration
def test_discovery_disabled_returns_only_static_devices(tmp_path: Path) -> None:
    settings = parse_settings({"shelly": {"discovery": {"enabled": False}, "devices": [{"url": "http://192.0.2.7"}]}})
    targets = discover(settings, tmp_path)
    assert [t.name for t in targets] == ["192.0.2.7"]
    asyncio.run(targets[0].aclose())


@pytest.mark.integration
def test_a_shelly_that_does_not_answer_is_polled_as_a_failing_target(
    tmp_path: Path, fleet: ShellyFleet, caplog: pytest.LogCaptureFixture
) -> None:
    """A bound lease whose host name is a Shelly id stays a target while the device does not answer, so its
    failed polls reach health (and Health, alerts); a mere OUI or prefix match that does not answer is skipped.
    Either way it is said once at INFO, not per refresh at debug."""
    silent_id = "shellyplus1pm-e868e7dead01"
    write_leases(
        tmp_path,
        [
            lease("e8:68:e7:de:ad:01", "192.168.88.201", silent_id),  # nothing listens there
            lease("e8:68:e7:de:ad:00", "192.168.88.200", "shelly-ghost"),  # not an id: skipped
        ],
    )
    settings = parse_settings(
        {
            "lake": {"root": str(tmp_path)},
            "shelly": {"discovery": {"address_map": fleet.address_map, "port": fleet.port}},
        },
        base=tmp_path,
    )
    finder = ShellyDiscovery(context(settings, SPEC))
    caplog.set_level("INFO", logger="homelake.sources.shelly.discovery")

    async def two_rounds_and_a_poll() -> tuple[list[str], list[str], Any]:
        first = await finder(read_leases(tmp_path), [])
        second = await finder(read_leases(tmp_path), [])
        try:
            return [t.name for t in first], [t.name for t in second], await first[0].poll()
        finally:
            for t in [*first, *second]:
                await t.aclose()

    first, second, outcome = asyncio.run(two_rounds_and_a_poll())
    assert first == second == [silent_id]
    assert outcome.results == [] and len(outcome.errors) == 1
    assert "127.88.0.201" in str(outcome.errors[0])  # the error names where it tried
    said = [r.getMessage() for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(said) == 2 and all(r.levelname == "INFO" for r in caplog.records if "does not answer" in r.getMessage())
    assert any(f"polled as failing target {silent_id}" in m for m in said)
