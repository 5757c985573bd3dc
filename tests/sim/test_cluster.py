"""The simulated cluster's ground truth: pure, consistent between metrics and journals, counters reset at reboot."""

from __future__ import annotations

from datetime import UTC, timedelta

from homelake.sim.model.cluster import DOWN_S, THROTTLE_C, Cluster
from homelake.sim.model.cluster_journal import ClusterJournal
from homelake.sim.model.site import build_site

SITE = build_site()
START = SITE.start.astimezone(UTC)


def test_the_model_is_a_pure_function_of_the_start() -> None:
    a, b = Cluster(SITE.start), Cluster(SITE.start)
    t = START + timedelta(hours=33, minutes=7)
    assert a.incidents == b.incidents and a.state("pi2", t) == b.state("pi2", t)
    assert ClusterJournal(a).entries("pi2", START, t) == ClusterJournal(b).entries("pi2", START, t)


def test_the_reboot_resets_counters_changes_the_boot_and_silences_the_node() -> None:
    cluster = Cluster(SITE.start)
    (reboot,) = cluster.of("reboot", "pi1")
    before = cluster.state("pi1", reboot.at - timedelta(seconds=1))
    after = cluster.state("pi1", reboot.at + timedelta(seconds=DOWN_S + 60))
    assert before is not None and after is not None and cluster.state("pi1", reboot.at + timedelta(seconds=10)) is None
    assert after.busy_cpu_s < before.busy_cpu_s and after.net_rx_bytes < before.net_rx_bytes
    assert after.boot_id != before.boot_id and after.boot_at == reboot.at + timedelta(seconds=DOWN_S)
    lines = ClusterJournal(cluster).entries("pi1", reboot.at - timedelta(minutes=10), reboot.at + timedelta(minutes=10))
    assert len({e.boot_id for e in lines}) == 2  # noqa: PLR2004
    assert not any(reboot.at.timestamp() * 1e6 < e.realtime_us < (reboot.at.timestamp() + DOWN_S) * 1e6 for e in lines)


def test_the_oom_kill_shows_in_the_kernel_counter_and_in_the_journal() -> None:
    cluster = Cluster(SITE.start)
    (oom,) = cluster.of("oom_kill", "pi2")
    state_before, state_after = (cluster.state("pi2", oom.at + timedelta(seconds=s)) for s in (-1, 1))
    assert state_before is not None and state_after is not None
    assert state_after.oom_kills == state_before.oom_kills + 1
    assert state_before.memory_available_bytes < 0.05 * state_before.node.memory_bytes  # squeezed before the kill
    lines = ClusterJournal(cluster).entries("pi2", oom.at, oom.at + timedelta(seconds=5))
    assert any(f"({oom.detail})" in str(e.fields["MESSAGE"]) and e.fields["_TRANSPORT"] == "kernel" for e in lines)


def test_the_crash_loop_runs_the_pi_hot_enough_to_throttle_and_writes_errors() -> None:
    cluster = Cluster(SITE.start)
    (loop,) = cluster.of("crash_loop", "pi1")
    state = cluster.state("pi1", loop.at + timedelta(minutes=30))
    calm = cluster.state("pi1", loop.at - timedelta(hours=2))
    assert state is not None and state.is_throttled and state.temperature_c >= THROTTLE_C
    assert calm is not None and not calm.is_throttled
    assert loop.until is not None
    errors = [e for e in ClusterJournal(cluster).entries("pi1", loop.at, loop.until) if e.fields.get("PRIORITY") == "3"]
    assert len(errors) == 12  # noqa: PLR2004  # one restart every 5 minutes for an hour


def test_seqnums_are_dense_and_stable_across_any_window() -> None:
    journal = ClusterJournal(Cluster(SITE.start))
    day = journal.entries("k3s-master", START, START + timedelta(days=1))
    part = journal.entries("k3s-master", START + timedelta(hours=5), START + timedelta(hours=7))
    assert [e.seqnum for e in day] == list(range(day[0].seqnum, day[0].seqnum + len(day)))
    assert {e.seqnum: e.cursor for e in day} | {e.seqnum: e.cursor for e in part} == {e.seqnum: e.cursor for e in day}
    assert journal.time_of_seqnum("k3s-master", day[100].seqnum) is not None
