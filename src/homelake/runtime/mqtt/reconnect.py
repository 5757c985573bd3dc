"""When to reconnect after a connection ends: exponential back-off, and a longer one for a session takeover.

A broker allows one connection per client id: a second one takes the session over and the broker closes
the first. Two instances configured with the same id would otherwise kick each other out every second,
each reconnecting at once. An MQTT 5 broker may say so (DISCONNECT, reason 0x8E "session taken over");
Mosquitto 2.0, aedes and any MQTT 3.1.1 broker just close the socket. So a broker that closes an accepted
connection twice in a row before it held for `stable_s` is treated as a takeover too: the wait grows
to `takeover_max_s` instead of `max_s`, and the subscriber says that two clients seem to share its id.
Pure (no clock, no I/O): the subscriber passes in how long the connection held.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

TAKEOVER_CLOSES = 2  # a broker closing an accepted session twice in a row: another instance holds our client id


class Ending(Enum):
    """How a connection attempt ended."""

    OTHER = "other"  # no session (refused, TLS, CONNACK refusal) or lost on our side (timeout, send failure)
    BROKER_CLOSED = "broker closed"  # the broker closed an accepted connection (EOF or DISCONNECT)
    TAKEN_OVER = "taken over"  # MQTT 5 DISCONNECT 0x8E: another connection with our client id took the session


@dataclass
class ReconnectPolicy:
    min_s: float = 1.0
    max_s: float = 10.0
    takeover_max_s: float = 300.0
    stable_s: float = 60.0
    delay: float = field(init=False)
    broker_closes: int = field(init=False, default=0)  # consecutive broker closes, all but the first early

    def __post_init__(self) -> None:
        self.delay = self.min_s

    def after(self, ending: Ending, up_s: float | None) -> tuple[float, bool]:
        """(seconds to wait before the next attempt, whether the session looks taken over) after a connection
        that ended this way; `up_s` is how long it held after its CONNACK (None: never accepted)."""
        stable = up_s is not None and up_s >= self.stable_s
        if stable:  # a connection that held for a while: the next trouble starts the back-off afresh
            self.delay = self.min_s
        if ending is Ending.BROKER_CLOSED:
            self.broker_closes = 1 if stable else self.broker_closes + 1
        elif ending is Ending.OTHER:
            self.broker_closes = 0  # e.g. refused while a broker restarts: not a takeover
        taken_over = ending is Ending.TAKEN_OVER or self.broker_closes >= TAKEOVER_CLOSES
        if taken_over:  # let the other instance be for at least the normal maximum, then ever longer
            wait = min(max(self.delay, self.max_s), self.takeover_max_s)
            self.delay = min(wait * 2, self.takeover_max_s)
        else:
            wait = min(self.delay, self.max_s)
            self.delay = min(wait * 2, self.max_s)
        return wait, taken_over
