"""Every SQL statement the dashboard runs, by name; values are always bound parameters (`$name`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class Query:
    name: str
    sql: str

    @property
    def param_names(self) -> set[str]:
        """The `$name` parameters the statement binds (DuckDB refuses any extra ones)."""
        return set(_PARAM.findall(self.sql))


def q(name: str, sql: str) -> Query:
    return Query(name, sql.strip())


# Weighted mean of hourly means, so an hour with few samples counts for little when binned by day.
_SIGNAL = "sum(avg_signal_dbm * sample_count) / sum(sample_count)"

# fmt: off
# (the statements keep their hand layout)

# --- overview -------------------------------------------------------------------------------------

DEVICE_COUNTS = q("device_counts", """
select count(*) as device_count,
       count(*) filter (where is_online) as online_count,
       count(*) filter (where not is_known) as unknown_count,
       max(as_of_at) as as_of_at
from inventory
""")

ENERGY_TWO_DAYS = q("energy_two_days", """
select local_date, sum(energy_wh) as energy_wh
from power_daily_by_room
where local_date between $yesterday and $today
group by local_date
""")

UNKNOWN_DEVICES = q("unknown_devices", """
select mac, display_name, current_ip, current_hostname, first_seen_at, last_seen_at, is_online
from inventory
where not is_known and last_seen_at >= as_of_at - interval 7 day
order by last_seen_at desc, mac
""")

OFFLINE_DEVICES = q("offline_devices", """
select mac, display_name, room, current_ip, last_seen_at
from inventory
where is_known and not is_online and last_seen_at < as_of_at - interval 1 day
order by last_seen_at desc, mac
""")

# --- health and freshness (marts built by `homelake transform`: as fresh as the last build) ---------

# Health lists the targets polled in the last HEALTH_WINDOW_DAYS: a target taken out of the site file
# drops off the page a week after its last poll.
HEALTH_WINDOW_DAYS = 7

WAREHOUSE_BUILD = q("warehouse_build", "select built_at from warehouse_build")

COLLECTOR_TARGETS = q("collector_targets", """
select source_family, target, is_failing, status_since_at, last_poll_at, last_success_at,
       last_error_class, last_error_message, poll_count_24h, failure_count_24h, as_of_at
from collector_targets
where last_poll_at >= $window_start_at
order by source_family, target
""")

# Every expected device that is silent or whose collector fails (device_expectations): the Overview's
# "Collectors failing" and the Health page's list. A polled target keeps its collector's error class and
# message; a device that only publishes says what is missing.
FAILING_DEVICES = q("failing_devices", """
select expected.device, expected.family as source_family, expected.device_id as target, expected.kind,
       expected.failing_since, expected.last_seen_at, expected.expected_every_s, expected.last_error,
       case when expected.is_poll_failing then targets.last_error_class else 'Silent' end as last_error_class,
       case when expected.is_poll_failing then targets.last_error_message else expected.last_error end
           as last_error_message,
       coalesce(targets.last_success_at, expected.last_seen_at) as last_success_at
from device_expectations as expected
left join collector_targets as targets
    on expected.family = targets.source_family and expected.device_id = targets.target
where expected.is_failing
order by expected.failing_since, expected.device
""")

DATASET_FRESHNESS = q("dataset_freshness", """
select dataset, last_observed_at, day_count
from dataset_freshness
where row_count > 0
order by dataset
""")

DEAD_LETTERS = q("dead_letters", """
select source_family, coalesce(dataset, '-') as dataset, reject_count as row_count,
       last_rejected_at as last_at, last_reason
from rpt_dead_letters_by_dataset
order by row_count desc, source_family, dataset
""")

HEALTH_POLLS = q("health_polls", """
select date_trunc($bucket, hour_start_local) as period_start, target,
       sum(ok_poll_count) as ok_polls, sum(failed_poll_count) as failed_polls
from rpt_collector_polls_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all
order by period_start, target
""")

# --- inventory and devices ------------------------------------------------------------------------

# Sort keys a request may choose, mapped to fixed SQL; anything else falls back to DEFAULT_SORT.
INVENTORY_SORTS = {
    "name": "display_name",
    "owner": "owner",
    "room": "room",
    "type": "device_type",
    "ip": "list_transform(string_split(current_ip, '.'), lambda part: try_cast(part as integer))",
    "mac": "mac",
    "first_seen": "first_seen_at",
    "last_seen": "last_seen_at",
    "online": "is_online",
    "known": "is_known",
}
DEFAULT_SORT = "name"
DIRECTIONS = {"asc": "asc", "desc": "desc"}


def inventory_list(sort: str, direction: str) -> Query:
    """The inventory, filtered by `$q`; the order comes only from the allow-lists above."""
    column = INVENTORY_SORTS.get(sort, INVENTORY_SORTS[DEFAULT_SORT])
    way = DIRECTIONS.get(direction, "asc")
    return q("inventory_list", f"""
select mac, display_name, name, owner, room, device_type, current_ip, current_hostname,
       first_seen_at, last_seen_at, is_online, is_known, current_ap
from inventory
where $q = ''
   or contains(lower(concat_ws(' ', display_name, owner, room, device_type, current_ip, mac,
                               current_hostname, vendor, model)), lower($q))
order by {column} {way} nulls last, mac
""")


DEVICE = q("device", "select * exclude (as_of_at), as_of_at from inventory where mac = $mac")

DEVICE_IPS = q("device_ips", """
select ip, hostname, valid_from, valid_to, last_observed_at, observation_count
from device_ip_history where mac = $mac order by valid_from desc limit 500
""")

DEVICE_SIGNAL = q("device_signal", f"""
select date_trunc($bucket, hour_start_local) as period_start, device_id as access_point,
       round({_SIGNAL}, 1) as signal_dbm, min(min_signal_dbm) as min_signal_dbm, max(max_signal_dbm) as max_signal_dbm
from rpt_wifi_signal_hourly_by_device
where mac = $mac and hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, access_point
""")

# A Shelly id ends in the MAC's last 6 (Gen1) or all 12 (Gen2+) hex digits: that ties circuits to a device.
_DEVICE_CIRCUITS = """
select * from energy_hourly_by_circuit
where regexp_extract(device_id, '-([0-9A-Fa-f]{6}|[0-9A-Fa-f]{12})$', 1) <> ''
  and suffix($mac_hex, lower(regexp_extract(device_id, '-([0-9A-Fa-f]{6}|[0-9A-Fa-f]{12})$', 1)))
"""

DEVICE_POWER = q("device_power", f"""
select date_trunc($bucket, hour_start_local) as period_start, circuit,
       round(avg(avg_power_w), 1) as avg_power_w, round(sum(energy_wh), 1) as energy_wh
from ({_DEVICE_CIRCUITS})
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, circuit
""")

DEVICE_HAS_CIRCUITS = q("device_has_circuits", f"select count(*) as n from ({_DEVICE_CIRCUITS})")

# --- energy ---------------------------------------------------------------------------------------

ENERGY_DAILY = q("energy_daily", """
select local_date, room, round(sum(energy_kwh), 3) as energy_kwh
from power_daily_by_room
where local_date between $first_day and $last_day
group by all order by local_date, room
""")

ENERGY_PROFILE = q("energy_profile", """
select hour(hour_start_local) as hour_of_day, room,
       round(sum(energy_wh) / count(distinct local_date), 1) as avg_energy_wh
from energy_hourly_by_circuit
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by hour_of_day, room
""")

ENERGY_CIRCUITS = q("energy_circuits", """
select circuit, room, device_id, channel, round(sum(energy_wh) / 1000, 3) as energy_kwh,
       round(avg(avg_power_w), 1) as avg_power_w, round(max(avg_power_w), 1) as peak_hour_power_w
from energy_hourly_by_circuit
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by energy_kwh desc, circuit
""")

ENERGY_LIVE = q("energy_live", """
select circuit, room, device_id, channel, round(arg_max(avg_power_w, hour_start_at), 1) as power_w,
       max(hour_start_local) as hour_start_local
from energy_hourly_by_circuit
group by all order by power_w desc, circuit
""")

# --- climate --------------------------------------------------------------------------------------

CLIMATE_SERIES = q("climate_series", """
select date_trunc($bucket, hour_start_local) as period_start, room,
       round(sum(avg_temperature_c * sample_count) / sum(sample_count), 2) as temperature_c,
       round(sum(avg_humidity_pct * sample_count) / sum(sample_count), 1) as humidity_pct
from climate_hourly_by_room
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, room
""")

CLIMATE_ROOMS = q("climate_rooms", """
select room, arg_max(avg_temperature_c, hour_start_at) as latest_temperature_c,
       arg_max(avg_humidity_pct, hour_start_at) as latest_humidity_pct,
       min(min_temperature_c) as min_temperature_c, max(max_temperature_c) as max_temperature_c,
       max(hour_start_local) as latest_hour_local
from climate_hourly_by_room
where hour_start_at >= $start_at and hour_start_at < $end_at
group by room order by room
""")

# --- network --------------------------------------------------------------------------------------

WIFI_CLIENTS = q("wifi_clients", """
select date_trunc($bucket, hour_start_local) as period_start, device_id as access_point,
       round(avg(distinct_client_count), 1) as clients
from wifi_clients_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, access_point
""")

SIGNAL_HISTOGRAM = q("signal_histogram", """
select signal_bucket_dbm, device_id as access_point, sum(sample_count) as samples
from rpt_wifi_signal_daily_histogram
where local_date between $first_day and $last_day
group by all order by signal_bucket_dbm, access_point
""")

INTERFACE_TOTALS = q("interface_totals", """
select device_id as router, interface_name, sum(rx_bytes) as rx_bytes, sum(tx_bytes) as tx_bytes,
       round(sum(rx_bytes) * 8 / nullif(sum(covered_s), 0) / 1e6, 3) as avg_rx_mbps,
       round(sum(tx_bytes) * 8 / nullif(sum(covered_s), 0) / 1e6, 3) as avg_tx_mbps
from rpt_interface_traffic_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by coalesce(sum(rx_bytes), 0) + coalesce(sum(tx_bytes), 0) desc, router, interface_name
""")

INTERFACE_TRAFFIC = q("interface_traffic", """
with busiest as (
    select device_id, interface_name
    from rpt_interface_traffic_hourly
    where hour_start_at >= $start_at and hour_start_at < $end_at
    group by all order by coalesce(sum(rx_bytes), 0) + coalesce(sum(tx_bytes), 0) desc limit $top
)
select date_trunc($bucket, t.hour_start_local) as period_start, t.device_id || '/' || t.interface_name as interface,
       round(sum(t.rx_bytes + t.tx_bytes) * 8 / nullif(sum(t.covered_s), 0) / 1e6, 3) as mbps
from rpt_interface_traffic_hourly t
join busiest using (device_id, interface_name)
where t.hour_start_at >= $start_at and t.hour_start_at < $end_at
group by all order by period_start, interface
""")
# fmt: on
