"""Typed errors of the PowMR client; messages name the inverter and what happened."""

from __future__ import annotations


class PowmrError(Exception):
    """Base of every PowMR client error: `powmr <inverter>: <what happened>`."""

    def __init__(self, inverter: str, detail: str) -> None:
        self.inverter, self.detail = inverter, detail
        super().__init__(f"powmr {inverter}: {detail}")


class PowmrConnectError(PowmrError):
    """The bridge (or serial device) could not be reached, or it dropped the connection."""


class PowmrTimeout(PowmrError):
    """No (complete) answer within the timeout."""


class PowmrBadFrame(PowmrError):
    """An answer that is not a valid frame (garbled, CRC error, truncated); `raw` keeps the bytes."""

    def __init__(self, inverter: str, detail: str, raw: bytes) -> None:
        super().__init__(inverter, detail)
        self.raw = raw


class PowmrDeviceError(PowmrError):
    """The device answered with a Modbus exception (e.g. illegal address: the map does not fit it)."""
