"""A PowMR inverter as a poll target: reads its words, parses a status row and the energy since the last poll."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from homelake.sources.base import ParseContext, ParseResult, PayloadError, PollOutcome
from homelake.sources.powmr import parser
from homelake.sources.powmr.client import Frame8851Client, ModbusReader
from homelake.sources.powmr.config import PowmrInverter
from homelake.sources.powmr.errors import PowmrBadFrame, PowmrConnectError, PowmrError, PowmrTimeout
from homelake.sources.powmr.registers import load_map

log = logging.getLogger(__name__)


class PowmrTarget:
    source = "powmr"

    def __init__(  # noqa: PLR0913 - keyword-only settings the family hands over
        self,
        inverter: PowmrInverter,
        *,
        local_tz: tzinfo,
        interval_s: float,
        timeout_s: float,
        max_gap_s: float,
        collector: str = "homelake",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.inverter, self.name = inverter, inverter.name
        self.interval_s, self.timeout_s, self.max_gap_s = interval_s, timeout_s, max_gap_s
        self.local_tz, self.collector = local_tz, collector
        self.clock = clock or (lambda: datetime.now(UTC))
        self.register_map = load_map(inverter.register_map)
        self.frames: Frame8851Client | None = None
        self.modbus: ModbusReader | None = None
        if self.register_map.protocol == "8851":
            self.frames = Frame8851Client(inverter, timeout_s)
        else:
            self.modbus = ModbusReader(inverter, self.register_map, timeout_s)
        self._previous: dict[str, Any] | None = None
        self._range_reported = False

    def _ctx(self) -> ParseContext:
        now = self.clock()
        return ParseContext("powmr", self.name, self.collector, now, now, self.local_tz)

    async def _status(self) -> ParseResult:
        if self.frames is not None:
            raw = await self.frames.read_frame()
            return parser.parse_8851(raw, self._ctx(), self.register_map, self.inverter.ac_input)
        assert self.modbus is not None  # noqa: S101 - one of the two readers exists by construction
        words = await self.modbus.read_words()
        return ParseResult(
            parser.STATUS, [parser.status_row(self.register_map, words, self._ctx(), self.inverter.ac_input)]
        )

    async def poll(self) -> PollOutcome:
        outcome = PollOutcome(target=self.name)
        try:
            status = await self._status()
        except PowmrBadFrame as exc:
            outcome.dead_letters.append((parser.STATUS, str(exc), exc.raw))
            outcome.errors.append(exc)
            return outcome
        except PayloadError as exc:  # pragma: no cover - the client already checked the frame
            outcome.errors.append(exc)
            return outcome
        except PowmrError as exc:
            outcome.errors.append(exc)
            return outcome
        row = status.rows[0]
        if row["out_of_range"] and not self._range_reported:
            self._range_reported = True
            log.warning(
                "powmr %s: values out of physical range (%s): does register map %s fit this inverter?",
                self.name, row["out_of_range"], self.register_map.name,
            )  # fmt: skip
        outcome.results.append(status)
        if self._previous is not None:
            energy = parser.energy_row(self._previous, row, self.max_gap_s)
            if energy is not None:
                outcome.results.append(ParseResult(parser.ENERGY, [energy]))
        self._previous = row
        return outcome

    def is_transient(self, exc: Exception) -> bool:
        return isinstance(exc, PowmrTimeout | PowmrConnectError | PowmrBadFrame)

    async def aclose(self) -> None:
        if self.frames is not None:
            await self.frames.aclose()
        if self.modbus is not None:
            await self.modbus.aclose()
