"""The reconnect policy on its own (pure: durations go in, waits come out): back-off, and session takeover."""

from __future__ import annotations

from homelake.runtime.mqtt.reconnect import Ending, ReconnectPolicy


def _policy() -> ReconnectPolicy:
    return ReconnectPolicy(min_s=1, max_s=10, takeover_max_s=300, stable_s=60)


def test_failures_back_off_exponentially_up_to_the_maximum() -> None:
    policy = _policy()
    waits = [policy.after(Ending.OTHER, None) for _ in range(6)]
    assert waits == [(1, False), (2, False), (4, False), (8, False), (10, False), (10, False)]


def test_a_connection_that_held_resets_the_back_off_and_a_short_one_does_not() -> None:
    policy = _policy()
    for _ in range(4):
        policy.after(Ending.OTHER, None)
    assert policy.after(Ending.OTHER, up_s=120) == (1, False)  # held two minutes, then lost: start afresh
    assert policy.after(Ending.OTHER, up_s=0.5) == (2, False)  # accepted, then lost at once: keep backing off


def test_an_mqtt5_takeover_waits_at_least_the_maximum_then_ever_longer() -> None:
    policy = _policy()
    waits = [policy.after(Ending.TAKEN_OVER, up_s=5) for _ in range(7)]
    assert [w for w, _ in waits] == [10, 20, 40, 80, 160, 300, 300]
    assert all(taken for _, taken in waits)


def test_a_broker_that_closes_fresh_connections_twice_in_a_row_looks_like_a_takeover() -> None:
    """MQTT 3.1.1 (and Mosquitto 2.0 on MQTT 5) say nothing: the broker just closes the older connection."""
    policy = _policy()
    assert policy.after(Ending.BROKER_CLOSED, up_s=3600) == (1, False)  # once, after an hour: a restart, maybe
    assert policy.after(Ending.BROKER_CLOSED, up_s=1) == (10, True)  # again within a second of the CONNACK
    assert policy.after(Ending.BROKER_CLOSED, up_s=10) == (20, True)
    assert policy.broker_closes == 3


def test_a_broker_restart_is_not_a_takeover() -> None:
    """A restarting broker closes the connection and then refuses a few attempts: the refusals break the run."""
    policy = _policy()
    assert policy.after(Ending.BROKER_CLOSED, up_s=1) == (1, False)
    assert policy.after(Ending.OTHER, None) == (2, False)  # connection refused while it starts
    assert policy.after(Ending.BROKER_CLOSED, up_s=1) == (4, False)
    assert policy.broker_closes == 1


def test_two_instances_sharing_a_client_id_settle_to_a_rare_swap_instead_of_a_kicking_loop() -> None:
    """Simulated: each reconnect of one instance closes the other's connection at that moment. Without the
    takeover back-off (the old behaviour: reset on every CONNACK, 1 s wait) they would swap every second."""
    policies = [_policy(), _policy()]
    next_connect = [0.0, 0.5]  # when each instance connects next
    connected_at = [0.0, 0.0]
    holder = -1
    connects: list[float] = []
    t = 0.0
    while t < 3600:
        who = 0 if next_connect[0] <= next_connect[1] else 1
        t = next_connect[who]
        connects.append(t)
        if holder >= 0:  # the broker closes the other instance's connection: it waits as its policy says
            wait, _ = policies[holder].after(Ending.BROKER_CLOSED, up_s=t - connected_at[holder])
            next_connect[holder] = t + wait
        holder, connected_at[who], next_connect[who] = who, t, float("inf")
    last_hour = [c for c in connects if c > 600]
    assert len(connects) < 60, f"{len(connects)} connects in an hour"
    assert len(last_hour) <= 2 * 3000 / 300 + 2, "once settled, each instance reconnects about every 5 minutes"
