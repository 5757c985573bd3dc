"""`mikrotik.traffic` in the site file: LAN networks and the destination allow-list, as the dbt vars they become."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from homelake.sources.mikrotik.config import MikrotikFamily
from homelake.sources.mikrotik.traffic import DEFAULT_LAN_NETWORKS, TrafficConfig


def test_default_lan_networks_are_the_private_ranges() -> None:
    traffic = MikrotikFamily().traffic
    assert traffic.dbt_vars() == {"traffic_lan_networks": list(DEFAULT_LAN_NETWORKS),
                                  "traffic_allowed_destinations": [], "traffic_checked_device_types": []}  # fmt: skip


def test_allow_list_becomes_rows_per_device_type() -> None:
    traffic = TrafficConfig.model_validate({
        "lan_networks": ["192.168.88.7/24", "2001:db8:88::/64"],
        "allowed_destinations": [{"device_types": ["camera", "vacuum"], "countries": ["de"], "asns": [64500]},
                                 {"device_types": ["vacuum"], "countries": ["NL"]}],
    })  # fmt: skip
    out = traffic.dbt_vars()
    assert out["traffic_lan_networks"] == ["192.168.88.0/24", "2001:db8:88::/64"]  # host bits dropped
    assert out["traffic_checked_device_types"] == ["camera", "vacuum"]
    assert sorted(out["traffic_allowed_destinations"]) == [
        ["camera", "asn", "64500"], ["camera", "country", "DE"],
        ["vacuum", "asn", "64500"], ["vacuum", "country", "DE"], ["vacuum", "country", "NL"],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"lan_networks": ["192.168.88"]}, "is not a network; write it as a CIDR"),
        ({"allowed_destinations": [{"device_types": ["camera"], "countries": ["Germany"]}]}, "two-letter ISO"),
        ({"allowed_destinations": [{"device_types": [], "countries": ["DE"]}]}, "at least 1"),
    ],
)
def test_bad_entries_say_what_to_write(section: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TrafficConfig.model_validate(section)
