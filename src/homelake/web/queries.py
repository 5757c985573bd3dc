"""Every SQL statement the dashboard runs, by name; values are always bound parameters (`$name`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from homelake.web.staleness import STALE_AFTER

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


def with_columns(table: str, **defaults: str) -> str:
    """`table` as a subquery that has every column in `defaults` (name=SQL type), null where the table
    lacks it: a query can use a column that a newer build adds and still run on an older warehouse."""
    nulls = ", ".join(f"null::{kind} as {name}" for name, kind in defaults.items())
    return f"(select * from {table} union all by name (select {nulls} limit 0))"


def _stale_s(kind: str) -> int:
    return int(STALE_AFTER[kind].total_seconds())


# The dashboard marks partial days and hours. power_daily_by_room's `coverage`/`is_complete` and
# energy_hourly_by_circuit's `coverage`/`is_bridged` arrive with the completeness work; until a warehouse
# has them the day columns are null (nothing marked) and an hour's coverage comes from covered_s.
_ROOM_DAYS = with_columns("power_daily_by_room", coverage="double", is_complete="boolean")
_CIRCUIT_HOURS = with_columns("energy_hourly_by_circuit", coverage="double", is_bridged="boolean")
_CLIMATE_HOURS = with_columns("climate_hourly_by_room", last_observed_at="timestamptz")
_CLIMATE_OUTDOOR = with_columns("climate_hourly_by_room", outdoor_temperature_c="double", outdoor_humidity_pct="double")
# An hour's readings run from its start for covered_s seconds (the newest hour: up to the last reading).
_READINGS_UNTIL = "hour_start_at + to_microseconds(cast(covered_s * 1e6 as bigint))"
PARTIAL = 0.99  # an hour or day with less of it covered is partial, as in the power marts

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

ENERGY_TWO_DAYS = q("energy_two_days", f"""
select local_date, sum(energy_wh) as energy_wh, not bool_and(is_complete) as is_partial, min(coverage) as coverage
from {_ROOM_DAYS}
where local_date between $yesterday and $today
group by local_date
""")

# The newest meter reading behind "Energy today" and "Power now".
READINGS_UNTIL = q("readings_until", f"""
select max({_READINGS_UNTIL}) as readings_until_at from energy_hourly_by_circuit
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

# Only the targets that failed in the range: a target that never failed is no bar, and none is "none".
HEALTH_POLLS = q("health_polls", """
with polls as (
    select date_trunc($bucket, hour_start_local) as period_start, target,
           sum(ok_poll_count) as ok_polls, sum(failed_poll_count) as failed_polls
    from rpt_collector_polls_hourly
    where hour_start_at >= $start_at and hour_start_at < $end_at
    group by all
)
select * from polls
where target in (select target from polls group by target having sum(failed_polls) > 0)
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
_DEVICE_CIRCUITS = f"""
select * from {_CIRCUIT_HOURS}
where regexp_extract(device_id, '-([0-9A-Fa-f]{{6}}|[0-9A-Fa-f]{{12}})$', 1) <> ''
  and suffix($mac_hex, lower(regexp_extract(device_id, '-([0-9A-Fa-f]{{6}}|[0-9A-Fa-f]{{12}})$', 1)))
"""

DEVICE_POWER = q("device_power", f"""
select date_trunc($bucket, hour_start_local) as period_start, circuit,
       round(avg(avg_power_w), 1) as avg_power_w, round(sum(energy_wh), 1) as energy_wh,
       avg(coalesce(coverage, covered_s / 3600)) as coverage,
       avg(coalesce(coverage, covered_s / 3600)) < {PARTIAL} or bool_or(coalesce(is_bridged, false)) as is_partial
from ({_DEVICE_CIRCUITS})
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, circuit
""")

DEVICE_HAS_CIRCUITS = q("device_has_circuits", f"select count(*) as n from ({_DEVICE_CIRCUITS})")

# --- energy ---------------------------------------------------------------------------------------

ENERGY_DAILY = q("energy_daily", f"""
select local_date, room, round(sum(energy_kwh), 3) as energy_kwh,
       min(coverage) as coverage, not bool_and(coalesce(is_complete, true)) as is_partial
from {_ROOM_DAYS}
where local_date between $first_day and $last_day
group by all order by local_date, room
""")

# Daily energy of every room beside the outdoor weather: mean temperature and heating degree-days.
ENERGY_WEATHER = q("energy_weather", f"""
with energy as (
    select local_date, sum(energy_kwh) as energy_kwh, not bool_and(coalesce(is_complete, true)) as is_partial
    from {_ROOM_DAYS}
    where local_date between $first_day and $last_day
    group by local_date
),
weather as (
    select local_date, outdoor_avg_temperature_c, heating_degree_days
    from heating_vs_degree_days_daily
    where local_date between $first_day and $last_day
)
select local_date, round(energy.energy_kwh, 3) as energy_kwh, energy.is_partial,
       round(weather.outdoor_avg_temperature_c, 1) as outdoor_temperature_c,
       round(weather.heating_degree_days, 2) as heating_degree_days
from energy full join weather using (local_date)
order by local_date
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

ENERGY_LIVE = q("energy_live", f"""
select circuit, room, device_id, channel, round(arg_max(avg_power_w, hour_start_at), 1) as power_w,
       max(hour_start_local) as hour_start_local, max({_READINGS_UNTIL}) as reading_at,
       epoch($now_at) - epoch(max({_READINGS_UNTIL})) as age_s,
       epoch($now_at) - epoch(max({_READINGS_UNTIL})) > {_stale_s("power")} as is_stale
from energy_hourly_by_circuit
group by all order by power_w desc, circuit
""")

# Energy per metering device (all its channels), named from the inventory (the id ends in its MAC's hex).
ENERGY_DEVICES = q("energy_devices", """
with per_device as (
    select device_id, round(sum(energy_wh) / 1000, 3) as energy_kwh,
           lower(regexp_extract(device_id, '-([0-9A-Fa-f]{6}|[0-9A-Fa-f]{12})$', 1)) as id_hex
    from energy_hourly_by_circuit
    where hour_start_at >= $start_at and hour_start_at < $end_at
    group by device_id
)
select coalesce(any_value(i.display_name), p.device_id) as device, p.device_id, p.energy_kwh
from per_device p
left join inventory i on p.id_hex <> '' and suffix(replace(i.mac, ':', ''), p.id_hex)
group by p.device_id, p.energy_kwh
order by energy_kwh desc, device_id
""")

# The inverter's books per day: hatched where the polls cover less than 99 % of the day.
POWER_FLOWS_DAILY = q("power_flows_daily", """
select local_date, 'load' as flow, round(sum(load_kwh), 3) as energy_kwh,
       min(coverage) as coverage, not bool_and(is_complete) as is_partial
from energy_flows_daily
where local_date between $first_day and $last_day
group by all
union all
select local_date, 'pv', round(sum(pv_kwh), 3), min(coverage), not bool_and(is_complete)
from energy_flows_daily
where local_date between $first_day and $last_day
group by all
order by local_date, flow
""")

# --- climate --------------------------------------------------------------------------------------

# The rooms, and beside them the outdoor weather each hour carries (Open-Meteo, via weather_hourly) as `outdoor`.
CLIMATE_SERIES = q("climate_series", f"""
select date_trunc($bucket, hour_start_local) as period_start, room,
       round(sum(avg_temperature_c * sample_count) / sum(sample_count), 2) as temperature_c,
       round(sum(avg_humidity_pct * sample_count) / sum(sample_count), 1) as humidity_pct
from climate_hourly_by_room
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all
union all
select date_trunc($bucket, hour_start_local), 'outdoor', round(avg(outdoor_temperature_c), 2),
       round(avg(outdoor_humidity_pct), 1)
from (select distinct hour_start_at, hour_start_local, outdoor_temperature_c, outdoor_humidity_pct
      from {_CLIMATE_OUTDOOR}
      where hour_start_at >= $start_at and hour_start_at < $end_at and outdoor_temperature_c is not null)
group by all
order by period_start, room
""")

CLIMATE_ROOMS = q("climate_rooms", f"""
select room, arg_max(avg_temperature_c, hour_start_at) as latest_temperature_c,
       arg_max(avg_humidity_pct, hour_start_at) as latest_humidity_pct,
       min(min_temperature_c) as min_temperature_c, max(max_temperature_c) as max_temperature_c,
       max(hour_start_local) as latest_hour_local,
       coalesce(max(last_observed_at), max(hour_start_at)) as latest_reading_at
from {_CLIMATE_HOURS}
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
# --- people and doors ----------------------------------------------------------------------------

# Whose comings and goings the page shows: phones (their owner's) and devices nobody listed (guests).
_PEOPLE = "(device_type = 'phone' or not is_known)"

PEOPLE_NOW = q("people_now", f"""
select device_name, owner, is_known, arrived_at, is_first_stay, as_of_at
from presence_sessions
where {_PEOPLE} and is_ongoing
order by is_known desc, owner, device_name
""")

PRESENCE_CHANGES = q("presence_changes", f"""
select * from (
    select arrived_at as event_at, 'arrived' as change, device_name, owner, is_known, is_first_stay
    from presence_sessions where {_PEOPLE} and arrived_at >= $start_at and arrived_at < $end_at
    union all
    select left_at, 'left', device_name, owner, is_known, false
    from presence_sessions where {_PEOPLE} and not is_ongoing and left_at >= $start_at and left_at < $end_at
)
order by event_at desc, device_name
limit 300
""")

DOOR_EVENTS = q("door_events", """
select event_at, device_id, action, lock_state, source_name, user_id, battery_pct
from door_events
where event_at >= $start_at and event_at < $end_at
order by event_at desc
limit 300
""")

MOTION_BY_ROOM = q("motion_by_room", """
select date_trunc($bucket, timezone($tz, event_at)) as period_start, room, count(*) as motion_count
from motion_events
where event_at >= $start_at and event_at < $end_at
group by all order by period_start, room
""")

# One site-local day ($day_start_at..$day_end_at, the range's last day) on one axis: stays, doors, motion.
DAY_TIMELINE = q("day_timeline", f"""
select 'home' as kind, device_name as lane, null as room,
       timezone($tz, greatest(arrived_at, $day_start_at)) as start_local,
       timezone($tz, least(left_at, $day_end_at)) as end_local,
       strftime(timezone($tz, arrived_at), '%H:%M') || '–'
           || case when is_ongoing then 'now' else strftime(timezone($tz, left_at), '%H:%M') end as detail
from presence_sessions
where {_PEOPLE} and arrived_at < $day_end_at and left_at >= $day_start_at
union all
select 'door', 'Door: ' || device_id, null, timezone($tz, event_at), null,
       action || coalesce(' (' || source_name || ')', '') || coalesce(', user ' || user_id, '')
from door_events
where event_at >= $day_start_at and event_at < $day_end_at
union all
select 'motion', null, room, timezone($tz, event_at), null, 'motion ' || device_id
from motion_events
where event_at >= $day_start_at and event_at < $day_end_at
order by kind, lane, start_local
""")

# --- cluster (k3s nodes: node_exporter metrics and journals) ----------------------------------------

CLUSTER_NODES = q("cluster_nodes", """
with reboots as (
    select node, count(*) as reboot_count
    from node_reboots
    where booted_at >= $start_at and booted_at < $end_at
    group by node
)
select h.node, round(avg(h.cpu_busy_pct), 1) as cpu_busy_pct, round(max(h.cpu_busy_pct), 1) as cpu_busy_pct_max,
       round(max(h.load1_max), 2) as load1_max, min(h.memory_available_min_bytes) as memory_available_min_bytes,
       max(h.memory_total_bytes) as memory_total_bytes,
       arg_max(h.root_disk_free_min_bytes, h.hour_start_at) as root_disk_free_bytes,
       max(h.temperature_max_c) as temperature_max_c, count(*) filter (where h.is_throttled) as throttled_hours,
       sum(h.under_voltage_events) as under_voltage_events, cast(sum(h.oom_kills_counted) as bigint) as oom_kills,
       coalesce(any_value(r.reboot_count), 0) as reboot_count, max(h.hour_start_at) as last_hour_at
from node_health_hourly h
left join reboots r using (node)
where h.hour_start_at >= $start_at and h.hour_start_at < $end_at
group by h.node order by h.node
""")

CLUSTER_REBOOTS = q("cluster_reboots", """
select node, booted_at, boot_id, previous_booted_at, is_seen_in_metrics, is_seen_in_journal, is_confirmed
from node_reboots
where booted_at >= $start_at and booted_at < $end_at
order by booted_at desc, node limit 200
""")

CLUSTER_UNIT_FAILURES = q("cluster_unit_failures", """
select node, unit, count(*) as failure_count, max(failed_at) as last_failed_at,
       arg_max(result_message, failed_at) as last_result, arg_max(last_error_lines, failed_at) as last_error_lines
from unit_failures
where failed_at >= $start_at and failed_at < $end_at
group by node, unit order by last_failed_at desc, node, unit
""")

CLUSTER_OOM_KILLS = q("cluster_oom_kills", """
select node, killed_at, process, pid
from oom_kills
where killed_at >= $start_at and killed_at < $end_at
order by killed_at desc limit 200
""")

# the newest forecast whatever the range: it looks ahead from the last scrape
CLUSTER_DISK_FORECAST = q("cluster_disk_forecast", """
select node, mountpoint, as_of, free_bytes, trend_bytes_per_day, days_until_full, full_at
from disk_full_forecast
order by days_until_full asc nulls last, node, mountpoint
""")

CLUSTER_CPU = q("cluster_cpu", """
select date_trunc($bucket, hour_start_local) as period_start, node, round(avg(cpu_busy_pct), 1) as cpu_busy_pct
from node_health_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, node
""")

CLUSTER_TEMPERATURE = q("cluster_temperature", """
select date_trunc($bucket, hour_start_local) as period_start, node, max(temperature_max_c) as temperature_c
from node_health_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, node
""")

CLUSTER_JOURNAL_ERRORS = q("cluster_journal_errors", """
select date_trunc($bucket, hour_start_local) as period_start, node, sum(entries) as entries
from journal_errors_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, node
""")

CLUSTER_ERROR_SOURCES = q("cluster_error_sources", """
select node, source, min(priority) as worst_priority, sum(entries) as entries,
       round(sum(entries) / greatest(epoch($end_at - $start_at) / 3600, 1), 2) as entries_per_hour,
       arg_max(last_message, hour_start_at) as last_message, max(hour_start_at) as last_hour_at
from journal_errors_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by node, source order by entries desc, node, source limit 50
""")

CLUSTER_NODE_ENERGY = q("cluster_node_energy", """
select node, circuit, round(sum(energy_wh) / 1000, 3) as energy_kwh,
       round(sum(avg_power_w * hour_count) / nullif(sum(hour_count), 0), 1) as avg_power_w,
       round(max(peak_hour_power_w), 1) as peak_hour_power_w, round(avg(cpu_busy_pct), 1) as cpu_busy_pct,
       count(*) as day_count
from node_energy_daily
where local_date between $first_day and $last_day
group by node, circuit order by node
""")

# --- security -------------------------------------------------------------------------------------

SECURITY_TIMELINE = q("security_timeline", """
select event_at, ended_at, kind, device_id, channel, what, ended_by, person,
       snapshot_path, snapshot_has_media
from security_events
where event_at >= $start_at and event_at < $end_at
order by event_at desc, kind, device_id
limit 300
""")

SECURITY_EPISODES = q("security_episodes", """
select camera, channel, detection_class, event_type, started_at, ended_at, ended_by,
       snapshot_path, snapshot_lag_ms
from camera_episodes
where started_at >= $start_at and started_at < $end_at and snapshot_has_media
order by started_at desc, camera, channel
limit 24
""")

SECURITY_LATEST_SNAPSHOTS = q("security_latest_snapshots", """
select camera, channel, trigger, taken_at, path
from camera_snapshots
where has_media
qualify row_number() over (partition by camera order by taken_at desc, channel) = 1
order by camera
""")

CAMERA_HEALTH = q("camera_health", """
select camera, day_local, stream_uptime_pct, uptime_source, connects, reconnects, stalls, heartbeats,
       heartbeat_gaps, longest_heartbeat_gap_s, storage_error_polls, video_loss_alarms
from camera_health_daily
where day_local between $first_day and $last_day
order by day_local desc, camera
""")

DETECTIONS_SERIES = q("detections_series", """
select date_trunc($bucket, hour_local) as period_start, detection_class, sum(episodes) as episodes
from detections_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, detection_class
""")

ACTIVITY_WHILE_AWAY = q("activity_while_away", """
select event_at, kind, device_id, channel, what, snapshot_path, everyone_left_at
from activity_while_away
where event_at >= $start_at and event_at < $end_at
order by event_at desc
limit 100
""")
# --- network edge: the uplink and the switch ------------------------------------------------------

# Per router that probes the internet: up or down now, since when, and its newest hour's round trip (the
# farthest target's median: the public resolver, not the gateway next door) and loss over every target.
UPLINK_STATUS = q("uplink_status", """
with hours as (
    select device_id, max(hour_start) as newest_hour_at, min(hour_start) as first_hour_at
    from uplink_quality_hourly group by device_id
),
newest as (
    select device_id, arg_max(target_address, rtt_p50_ms) as target_address, max(rtt_p50_ms) as rtt_p50_ms,
           round(100.0 * sum(echoes_lost) / nullif(sum(echoes_sent), 0), 1) as loss_pct
    from uplink_quality_hourly join hours using (device_id)
    where hour_start = newest_hour_at
    group by device_id
),
outages as (
    select device_id, max(ended_at) as last_ended_at, bool_or(is_ongoing) as is_down,
           max(started_at) filter (where is_ongoing) as down_since_at, count(*) as outage_count
    from uplink_outages group by device_id
)
select h.device_id, h.newest_hour_at, n.target_address, n.rtt_p50_ms, n.loss_pct,
       coalesce(o.is_down, false) as is_down,
       case when o.is_down then o.down_since_at else coalesce(o.last_ended_at, h.first_hour_at) end as since_at,
       o.last_ended_at is null and not coalesce(o.is_down, false) as is_since_first_probe
from hours h
join newest n using (device_id)
left join outages o using (device_id)
order by h.device_id
""")

UPLINK_OUTAGES = q("uplink_outages", """
select device_id, started_at, ended_at, duration_s, cause, is_ongoing
from uplink_outages
where started_at < $end_at and (ended_at is null or ended_at > $start_at)
order by started_at desc
limit 300
""")

# p50/p95 per target; a day's point is the mean of its hours' quantiles and its loss the share of all its echoes.
UPLINK_LATENCY = q("uplink_latency", """
select date_trunc($bucket, timezone($tz, hour_start)) as period_start, device_id, target_address,
       round(avg(rtt_p50_ms), 2) as rtt_p50_ms, round(avg(rtt_p95_ms), 2) as rtt_p95_ms,
       round(100.0 * sum(echoes_lost) / nullif(sum(echoes_sent), 0), 2) as loss_pct
from uplink_quality_hourly
where hour_start >= $start_at and hour_start < $end_at
group by all order by period_start, device_id, target_address
""")

PUBLIC_IPS = q("public_ips", """
select device_id, interface_name, public_ip, gateway, first_seen_at, last_seen_at, replaced_at, is_current
from public_ip_history
where first_seen_at < $end_at and coalesce(replaced_at, last_seen_at) >= $start_at
order by first_seen_at desc
limit 100
""")

# WAN bytes of the routers that probe the internet: the other routers' `ether1` is a LAN port.
WAN_TRAFFIC = q("wan_traffic", """
select local_date, device_id || ' ' || direction as direction, round(bytes / 1e9, 3) as gigabytes
from (
    select local_date, device_id, 'download' as direction, rx_bytes as bytes from wan_traffic_daily
    union all
    select local_date, device_id, 'upload', tx_bytes from wan_traffic_daily
)
where local_date between $first_day and $last_day
  and device_id in (select device_id from uplink_quality_hourly)
order by local_date, direction
""")

SWITCH_PORTS = q("switch_ports", """
select device_id, port_number, port_name, is_up, speed_mbps, poe_state, is_powered, power_w, voltage_v,
       current_ma, host_count, observed_at
from switch_ports_latest
order by device_id, port_number
""")

# --- the network's edge: external traffic, destinations, inbound attempts, switch ports, PoE energy -----

# The LAN device as the page names it: its inventory name, else its MAC, else the flow had no device.
_FLOW_DEVICE = "coalesce(device_name, mac, '(no device)')"
TOP_DESTINATIONS = 25

# Top device x country x ASN x direction by bytes in the range; `connections` sums each day's distinct
# connections (one open across midnight counts on both days).
EXTERNAL_DESTINATIONS = q("external_destinations", f"""
select {_FLOW_DEVICE} as device, mac, device_type, country_code, asn, as_org, direction,
       sum(bytes_sent) as bytes_sent, sum(bytes_received) as bytes_received,
       coalesce(sum(bytes_sent), 0) + coalesce(sum(bytes_received), 0) as bytes, sum(connections) as connections
from external_traffic_daily
where local_date between $first_day and $last_day
group by all
order by bytes desc, device, country_code nulls last, asn nulls last, direction
limit {TOP_DESTINATIONS}
""")

# MB per country (or "unknown": no GeoIP answer) per device, the busiest $top devices; the chart sorts countries.
EXTERNAL_BY_COUNTRY = q("external_by_country", f"""
with traffic as (
    select {_FLOW_DEVICE} as device, coalesce(country_code, 'unknown') as country,
           coalesce(bytes_sent, 0) + coalesce(bytes_received, 0) as bytes
    from external_traffic_daily
    where local_date between $first_day and $last_day
),
busiest as (select device from traffic group by device order by sum(bytes) desc, device limit $top)
select country, device, round(sum(bytes) / 1e6, 3) as megabytes
from traffic join busiest using (device)
group by all order by country, device
""")

NEW_DESTINATIONS = q("new_destinations", """
select mac, coalesce(device_name, mac) as device, device_type, destination_kind, destination, country_code, asn,
       as_org, first_seen_at, first_external_address
from new_destinations
where first_seen_at >= $start_at and first_seen_at < $end_at
order by first_seen_at desc, device, destination_kind, destination
limit 200
""")

UNEXPECTED_DESTINATIONS = q("unexpected_destinations", """
select mac, coalesce(device_name, mac) as device, device_type, country_code, asn, as_org, first_seen_at,
       last_seen_at, bytes_sent, bytes_received, connections, external_addresses
from device_destinations_unexpected
where first_seen_at < $end_at and last_seen_at >= $start_at
order by last_seen_at desc, device, country_code nulls last, asn nulls last
limit 200
""")

INBOUND_ATTEMPTS = q("inbound_attempts", """
select country_code, asn, as_org, coalesce(device_name, mac, lan_address) as lan_host, lan_address, protocol,
       dst_port, sum(connections) as connections, sum(answered_connections) as answered_connections,
       max(external_addresses) as external_addresses
from inbound_attempts_daily
where local_date between $first_day and $last_day
group by all
order by connections desc, country_code nulls last, asn nulls last, lan_host, dst_port
limit 100
""")

# The busiest $top ports' bytes per hour (or day): received on the port (what the device sent) and sent out of it.
SWITCH_PORT_TRAFFIC = q("switch_port_traffic", """
with busiest as (
    select device_id, port_number
    from switch_port_traffic_hourly
    where hour_start_at >= $start_at and hour_start_at < $end_at
    group by all
    having coalesce(sum(in_bytes), 0) + coalesce(sum(out_bytes), 0) > 0
    order by coalesce(sum(in_bytes), 0) + coalesce(sum(out_bytes), 0) desc, device_id, port_number limit $top
)
select date_trunc($bucket, timezone($tz, t.hour_start_at)) as period_start,
       t.device_id || ' ' || t.port_number || coalesce(' ' || any_value(t.port_name), '') as port,
       round(sum(t.in_bytes) / 1e6, 3) as in_megabytes, round(sum(t.out_bytes) / 1e6, 3) as out_megabytes
from switch_port_traffic_hourly t
join busiest using (device_id, port_number)
where t.hour_start_at >= $start_at and t.hour_start_at < $end_at
group by period_start, t.device_id, t.port_number
order by t.device_id, t.port_number, period_start
""")

POE_ENERGY_DAYS = q("poe_energy_days", """
select local_date, switch, port_number, port_name, powered_device, room, energy_wh, is_complete, coverage
from poe_energy_daily
where local_date between $first_day and $last_day
order by switch, port_number, local_date
""")

# --- power (the inverter, the battery, the generator, PV and the weather) -------------------------

INVERTER_NOW = q("inverter_now", """
select device_id, observed_at, pv_power_w, load_power_w, battery_power_w, battery_soc_pct, ac_input,
       ac_input_power_w, mode, charger_state, faults
from inverter_latest
order by device_id
""")

# The books per day, sources up and sinks down (so they balance at zero); flows that stay 0 are left out.
POWER_BOOKS_DAILY = q("power_books_daily", """
with days as (
    select local_date,
           sum(pv_kwh) as "PV", sum(battery_discharge_kwh) as "Battery discharge",
           sum(generator_kwh) as "Generator", sum(grid_import_kwh) as "Grid import",
           -sum(load_kwh) as "Load", -sum(battery_charge_kwh) as "Battery charge",
           -sum(grid_export_kwh) as "Grid export", -sum(losses_kwh) as "Losses",
           min(coverage) as coverage, not bool_and(is_complete) as is_partial
    from energy_flows_daily
    where local_date between $first_day and $last_day
    group by local_date
),
flows as (
    unpivot days on "PV", "Battery discharge", "Generator", "Grid import", "Load", "Battery charge",
                    "Grid export", "Losses"
    into name flow value energy_kwh
)
select local_date, flow, round(energy_kwh, 3) as energy_kwh, coverage, is_partial
from flows
where flow in (select flow from flows group by flow having sum(abs(energy_kwh)) > 0)
order by local_date, flow
""")

# One day's books (the range's last site-local day): the flow diagram.
POWER_DAY = q("power_day", """
select local_date, sum(pv_kwh) as pv_kwh, sum(battery_discharge_kwh) as battery_discharge_kwh,
       sum(generator_kwh) as generator_kwh, sum(grid_import_kwh) as grid_import_kwh, sum(load_kwh) as load_kwh,
       sum(battery_charge_kwh) as battery_charge_kwh, sum(grid_export_kwh) as grid_export_kwh,
       sum(losses_kwh) as losses_kwh, min(coverage) as coverage, not bool_and(is_complete) as is_partial
from energy_flows_daily
where local_date = $last_day
group by local_date
""")

# Mean power per bucket from the hourly books: energy over the time the polls cover (gaps are not power).
POWER_HOURLY = q("power_hourly", """
with hours as (
    select hour_start_local, covered_s, pv_wh, load_wh, generator_wh, grid_import_wh,
           battery_discharge_wh - battery_charge_wh as battery_wh
    from energy_flows_hourly
    where hour_start_at >= $start_at and hour_start_at < $end_at
),
flows as (
    select date_trunc($bucket, hour_start_local) as period_start,
           sum(pv_wh) * 3600 / nullif(sum(covered_s), 0) as "PV",
           sum(load_wh) * 3600 / nullif(sum(covered_s), 0) as "Load",
           sum(generator_wh) * 3600 / nullif(sum(covered_s), 0) as "Generator",
           sum(grid_import_wh) * 3600 / nullif(sum(covered_s), 0) as "Grid import",
           sum(battery_wh) * 3600 / nullif(sum(covered_s), 0) as "Battery (+ discharging)"
    from hours group by all
),
long as (
    unpivot flows on "PV", "Load", "Generator", "Grid import", "Battery (+ discharging)"
    into name flow value power_w
)
select period_start, flow, round(power_w, 1) as power_w
from long
where flow in (select flow from long group by flow having sum(abs(power_w)) > 0)
order by period_start, flow
""")

BATTERY_SOC = q("battery_soc", """
select date_trunc($bucket, hour_start_local) as period_start, 'lowest' as bound, min(soc_min_pct) as soc_pct
from energy_flows_hourly where hour_start_at >= $start_at and hour_start_at < $end_at group by all
union all
select date_trunc($bucket, hour_start_local), 'highest', max(soc_max_pct)
from energy_flows_hourly where hour_start_at >= $start_at and hour_start_at < $end_at group by all
order by period_start, bound
""")

BATTERY_DAYS = q("battery_days", """
select device_id, local_date, battery_charge_kwh, battery_discharge_kwh, equivalent_full_cycles, soc_min_pct,
       soc_max_pct, depth_of_discharge_pct, low_soc_hours, is_complete
from battery_daily
where local_date between $first_day and $last_day
order by local_date desc, device_id
""")

GENERATOR_RUNS = q("generator_runs", """
select device_id, run_number, started_at, stopped_at, run_hours, energy_kwh, fuel_l_estimated, is_running
from generator_runs
where started_at < $end_at and (stopped_at is null or stopped_at > $start_at)
order by started_at desc
limit 300
""")

SELF_SUFFICIENCY = q("self_sufficiency", """
select local_date, device_id, round(100 * self_sufficiency, 1) as self_sufficiency_pct,
       not is_complete as is_partial
from self_sufficiency_daily
where local_date between $first_day and $last_day
order by local_date, device_id
""")

PV_PERFORMANCE = q("pv_performance", """
select local_date, device_id, pv_kwh, plane_irradiation_kwh_m2, pv_kwp, performance_ratio, was_battery_full,
       is_complete, is_underperforming
from pv_performance_daily
where local_date between $first_day and $last_day
order by local_date desc, device_id
""")

PV_RATIO = q("pv_ratio", """
select local_date, device_id, round(performance_ratio, 3) as performance_ratio, not is_complete as is_partial
from pv_performance_daily
where local_date between $first_day and $last_day
order by local_date, device_id
""")

# The energy meter on the power system against the inverter, per day and channel (meter_crosscheck_daily).
METER_CROSSCHECK = q("meter_crosscheck", """
select local_date, device_id, channel, circuit, kind, inverter_flow, meter_kwh, inverter_kwh, difference_wh,
       difference_pct, meter_coverage, inverter_coverage, is_complete, is_disagreeing
from meter_crosscheck_daily
where local_date between $first_day and $last_day
order by local_date desc, device_id, channel
""")

# The newest reading of those meter channels: the Meters section's age (the site has no such meter when null).
METER_READINGS_UNTIL = q("meter_readings_until", f"""
select max({_READINGS_UNTIL}) as readings_until_at
from energy_meter_hourly
where kind in ('generator', 'inverter_output')
""")

# Money per room over the range's days (energy_cost_daily_by_room): unknown, not understated, when a day with
# energy had no price.
ROOM_COSTS = q("room_costs", """
select room, round(sum(energy_kwh), 3) as energy_kwh,
       case when count(*) filter (where cost is null and energy_kwh > 0) = 0 then round(sum(cost), 2) end as cost,
       round(sum(cost) / nullif(sum(energy_kwh) filter (where cost is not null), 0), 3) as avg_cost_per_kwh,
       any_value(currency) as currency,
       count(distinct local_date) filter (where cost is null and energy_kwh > 0) as unpriced_days
from energy_cost_daily_by_room
where local_date between $first_day and $last_day
group by room
order by cost desc nulls last, energy_kwh desc, room
""")

WEATHER = q("weather", """
select date_trunc($bucket, hour_start_local) as period_start, location,
       round(avg(temperature_2m), 1) as temperature_c,
       round(avg(global_tilted_irradiance), 0) as tilted_irradiance_w_m2,
       round(avg(cloud_cover), 0) as cloud_cover_pct, bool_or(is_forecast) as is_forecast
from weather_hourly
where hour_start_at >= $start_at and hour_start_at < $end_at
group by all order by period_start, location
""")
# fmt: on
