"""The alert rules: each reads the marts of the warehouse just built and says which conditions hold now.

A condition has a stable key (rule/subject), so the same problem found by the next build is the same alert."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from homelake.alerts.config import AlertRules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Condition:
    """A problem that holds now: `key` is stable across builds; `since_at` is when the data says it began."""

    key: str
    rule: str
    title: str
    message: str
    since_at: datetime | None = None


@dataclass
class RuleInput:
    """What the rules read: the warehouse, the lake's folder (for its disk), the thresholds, and what the
    previous evaluation remembered (`memo`, updated in place for the next one)."""

    con: duckdb.DuckDBPyConnection
    lake_root: Path
    rules: AlertRules
    memo: dict[str, Any]


def _when(value: datetime | None) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if value is not None else "unknown"


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def unknown_devices(inp: RuleInput) -> list[Condition]:
    rows = _rows(inp.con, """
        select mac, display_name, current_ip, first_seen_at, last_seen_at from inventory
        where not is_known and last_seen_at >= as_of_at - to_seconds(? * 3600)
        order by mac""", [inp.rules.unknown_device_window_h])  # fmt: skip
    return [
        Condition(
            f"unknown_device/{r['mac']}",
            "unknown_device",
            f"Unknown device joined: {r['display_name']}",
            f"{r['display_name']} ({r['mac']}, {r['current_ip'] or 'no IP'}) is not in device_metadata; first seen "
            f"{_when(r['first_seen_at'])}, last seen {_when(r['last_seen_at'])}.",
            r["first_seen_at"],
        )  # fmt: skip
        for r in rows
    ]


def unexpected_destinations(inp: RuleInput) -> list[Condition]:
    """Devices the site file's allow-list checks talking to a country or network it does not allow, seen within
    `unknown_device_window_h` of the newest such connection: one alert per device, naming the destinations."""
    rows = _rows(inp.con, """
        with recent as (
            select * from device_destinations_unexpected
            where last_seen_at >= (select max(last_seen_at) from device_destinations_unexpected)
                - to_seconds(? * 3600)
        )
        select mac, any_value(device_name) as device_name, any_value(device_type) as device_type,
               min(first_seen_at) as first_seen_at,
               string_agg(coalesce(country_code, '??') || ' / AS' || coalesce(cast(asn as varchar), '?')
                          || coalesce(' ' || as_org, ''), ', ' order by first_seen_at) as destinations
        from recent group by mac order by mac""", [inp.rules.unknown_device_window_h])  # fmt: skip
    return [
        Condition(
            f"unexpected_destination/{r['mac']}",
            "unexpected_destination",
            f"Unexpected destination: {r['device_name'] or r['mac']}",
            f"{r['device_name'] or r['mac']} ({r['device_type']}, {r['mac']}) talks to destinations its allow-list "
            f"does not name: {r['destinations']}; first seen {_when(r['first_seen_at'])}.",
            r["first_seen_at"],
        )  # fmt: skip
        for r in rows
    ]


_FAILING = """
    select e.device, e.kind, e.last_seen_at, e.failing_since, e.last_error, e.expected_every_s,
           e.is_poll_failing
    from device_expectations as e
    where e.is_failing
    order by e.device"""


def silent_devices(inp: RuleInput) -> list[Condition]:
    """Expected devices with no data for longer than their cadence allows (whose collector is not failing:
    that is the next rule's alert, one per device)."""
    return [
        Condition(
            f"device_silent/{r['device']}",
            "device_silent",
            f"Device silent: {r['device']}",
            f"{r['device']} ({r['kind']}) sent nothing since {_when(r['last_seen_at'])}; it reports every "
            f"{r['expected_every_s']:.0f} s. Silent since {_when(r['failing_since'])}.",
            r["failing_since"],
        )  # fmt: skip
        for r in _rows(inp.con, _FAILING)
        if not r["is_poll_failing"]
    ]


def failing_collectors(inp: RuleInput) -> list[Condition]:
    return [
        Condition(
            f"collector_failing/{r['device']}",
            "collector_failing",
            f"Collector failing: {r['device']}",
            f"Polls of {r['device']} fail since {_when(r['failing_since'])}: {r['last_error']}. Last data "
            f"{_when(r['last_seen_at'])}.",
            r["failing_since"],
        )  # fmt: skip
        for r in _rows(inp.con, _FAILING)
        if r["is_poll_failing"]
    ]


def circuit_power(inp: RuleInput) -> list[Condition]:
    """Each circuit's last complete hour against its usual power for that hour of the day: the 95th percentile
    of the same local hour over the previous `circuit_baseline_days` days (complete hours only)."""
    r = inp.rules
    rows = _rows(inp.con, """
        with complete as (
            select circuit, hour_start_at, hour(hour_start_local) as local_hour, avg_power_w
            from energy_hourly_by_circuit
            where coverage >= 0.99 and avg_power_w is not null and circuit is not null
        ),
        latest as (
            select * from complete qualify row_number() over (partition by circuit order by hour_start_at desc) = 1
        ),
        baseline as (
            select latest.circuit, quantile_cont(complete.avg_power_w, 0.95) as usual_w, count(*) as days
            from latest
            join complete
                on complete.circuit = latest.circuit
                and complete.local_hour = latest.local_hour
                and complete.hour_start_at < latest.hour_start_at
                and complete.hour_start_at >= latest.hour_start_at - to_days(?)
            group by latest.circuit
        )
        select latest.circuit, latest.hour_start_at, latest.avg_power_w, baseline.usual_w
        from latest join baseline using (circuit)
        where baseline.days >= ? and latest.avg_power_w > ? * baseline.usual_w + ?
        order by latest.circuit""",
        [r.circuit_baseline_days, r.circuit_min_baseline_days, r.circuit_power_factor, r.circuit_power_margin_w],
    )  # fmt: skip
    return [
        Condition(
            f"circuit_power/{row['circuit']}",
            "circuit_power",
            f"Unusual power on {row['circuit']}",
            f"{row['circuit']} drew {row['avg_power_w']:.0f} W in the hour from {_when(row['hour_start_at'])}; "
            f"usually at most {row['usual_w']:.0f} W at that hour.",
            row["hour_start_at"],
        )  # fmt: skip
        for row in rows
    ]


def lake_disk(inp: RuleInput) -> list[Condition]:
    try:
        usage = shutil.disk_usage(inp.lake_root)
    except OSError as exc:
        log.warning("alerts: cannot read the lake's disk usage path=%s: %s", inp.lake_root, exc)
        return []
    used_pct = 100.0 * usage.used / usage.total if usage.total else 0.0
    if used_pct < inp.rules.disk_used_pct:
        return []
    return [
        Condition(
            "lake_disk_full",
            "lake_disk_full",
            "Lake disk nearly full",
            f"The file system holding the lake ({inp.lake_root}) is {used_pct:.1f} % full "
            f"({usage.free / 1e9:.1f} GB free; the alert starts at {inp.rules.disk_used_pct:.0f} %).",
        )  # fmt: skip
    ]


def dead_letters(inp: RuleInput) -> list[Condition]:
    """Datasets whose dead letters grew since the previous evaluation (the first one only takes note)."""
    rows = _rows(inp.con, """
        select source_family, coalesce(dataset, '-') as dataset, reject_count, last_rejected_at, last_reason
        from rpt_dead_letters_by_dataset order by 1, 2""")  # fmt: skip
    before: dict[str, int] | None = inp.memo.get("dead_letters")
    now = {f"{r['source_family']}/{r['dataset']}": int(r["reject_count"]) for r in rows}
    inp.memo["dead_letters"] = now
    if before is None:
        return []
    return [
        Condition(
            f"dead_letters/{name}",
            "dead_letters",
            f"Dead letters growing: {name}",
            f"{now[name] - before.get(name, 0)} new rejected rows for {name} since the last build "
            f"({now[name]} in all); latest reason: {r['last_reason']}.",
            r["last_rejected_at"],
        )  # fmt: skip
        for r in rows
        if now[name := f"{r['source_family']}/{r['dataset']}"] > before.get(name, 0)
    ]


# rule name (the first part of every key it makes) -> the rule
RULES: dict[str, Callable[[RuleInput], list[Condition]]] = {
    "unknown_device": unknown_devices,
    "unexpected_destination": unexpected_destinations,
    "device_silent": silent_devices,
    "collector_failing": failing_collectors,
    "circuit_power": circuit_power,
    "lake_disk_full": lake_disk,
    "dead_letters": dead_letters,
}


def evaluate_rules(inp: RuleInput) -> tuple[list[Condition], list[str]]:
    """Every condition that holds, and the rules that could not run (a mart missing from the build)."""
    found: list[Condition] = []
    skipped: list[str] = []
    for name, rule in RULES.items():
        try:
            found.extend(rule(inp))
        except duckdb.CatalogException as exc:
            skipped.append(name)
            log.warning("alerts: rule %s skipped: %s", name, str(exc).splitlines()[0])
    return found, skipped
