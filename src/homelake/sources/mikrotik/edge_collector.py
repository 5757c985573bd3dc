"""The edge part of a router poll: pings run by the router to its configured probe targets."""

from __future__ import annotations

from collections.abc import Callable

from homelake.sources.base import ParseContext, PayloadError, PollOutcome
from homelake.sources.mikrotik import edge_parser
from homelake.sources.mikrotik.client import MikrotikClient
from homelake.sources.mikrotik.errors import MikrotikBadPayload, MikrotikError

PING_PATH = "/ping"
PING_COUNT = 3  # small on purpose: a probe, never a speed test


async def probe(client: MikrotikClient, make_ctx: Callable[[], ParseContext], outcome: PollOutcome) -> None:
    """`POST /rest/ping {address, count}` per probe target; a failed probe is an error, the others carry on."""
    for target in client.router.probe_targets:
        try:
            response = await client.post(PING_PATH, {"address": target, "count": str(PING_COUNT)})
        except MikrotikBadPayload as exc:
            outcome.dead_letters.append((edge_parser.PINGS, str(exc), exc.raw))
            outcome.errors.append(exc)
            continue
        except MikrotikError as exc:
            outcome.errors.append(exc)
            continue
        try:
            outcome.results.append(edge_parser.parse_ping(response.data, make_ctx()))
        except PayloadError as exc:
            outcome.dead_letters.append((edge_parser.PINGS, str(exc), response.raw))
