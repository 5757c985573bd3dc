"""Tests never depend on when they run: every simulated history and every simulator runs on a pinned clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# Constructors whose default clock is the wall clock, and the argument that pins it.
PINNED_BY = {"DemoRun": "now", "SimulatedSite": "clock", "RouterSimServer": "clock", "ShellyFleet": "clock"}
WALL_CLOCK = {"datetime.now", "datetime.utcnow", "date.today", "time.time", "time.time_ns"}
# Where reading the wall clock is the point, and why.
WALL_CLOCK_ALLOWED = {
    "tests/sources/shelly/test_target.py": "checks that a target's default clock is the wall clock",
    "tests/ingest/test_ingest_faults.py": "the ingester under test is another process, on the real clock",
    "tests/conftest.py": "reads the pinned clock (clock_from) when the shared run's live collection stops",
    "tests/web/test_routes.py": "runs under the pinned clock of tests/web/conftest.py, which the app reads too",
}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return ""


def offences(source: str, path: str) -> list[str]:
    """Every call in `source` that lets a test depend on the wall clock."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        argument = PINNED_BY.get(name.rsplit(".", 1)[-1])
        if argument is not None and argument not in {k.arg for k in node.keywords}:
            found.append(f"{path}:{node.lineno}: {name}(...) without {argument}=")
        if name in WALL_CLOCK and path not in WALL_CLOCK_ALLOWED:
            found.append(f"{path}:{node.lineno}: {name}()")
    return found


def test_no_test_runs_on_the_wall_clock() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        found += offences(path.read_text(), path.relative_to(ROOT).as_posix())
    assert found == [], "pin these to a time (see tests/pinned_time.py and docs/adr):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("DemoRun(tmp, days=1.5)", ["t.py:1: DemoRun(...) without now="]),
        ("DemoRun(tmp, days=1.5, now=AT)", []),
        ("sim.SimulatedSite(site)", ["t.py:1: sim.SimulatedSite(...) without clock="]),
        ("ShellyFleet(site, clock=lambda: AT, port=0)", []),
        ("t = datetime.now(UTC)", ["t.py:1: datetime.now()"]),
        ("day = date.today()", ["t.py:1: date.today()"]),
        ("t = time.monotonic()", []),
    ],
)
def test_the_check_finds_what_it_should(source: str, expected: list[str]) -> None:
    assert offences(source, "t.py") == expected
