"""The provider interface and its small exception tree: transient (retry), permanent (dead-letter), parse."""

from __future__ import annotations

from http import HTTPStatus
from typing import Protocol

from homelake.sources.vision.canonical import Analysis


class ProviderError(Exception):
    """A provider call failed; `error_class` names how, `http_status` is the answer's code when there was one."""

    def __init__(self, message: str, *, error_class: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.http_status = http_status


class TransientError(ProviderError):
    """Worth trying again later: timeout, connection refused, 429, 5xx. `retry_after_s` from the answer."""

    def __init__(
        self, message: str, *, error_class: str, http_status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, error_class=error_class, http_status=http_status)
        self.retry_after_s = retry_after_s


class PermanentError(ProviderError):
    """Trying again will not help (bad image, forbidden, bad request): the job goes to the dead-letter state."""


class ParseFailure(ProviderError):
    """The provider answered (and billed) but the answer is not what was asked for; `text` keeps it."""

    def __init__(self, message: str, *, text: str, http_status: int | None = 200, cost_usd: float = 0.0) -> None:
        super().__init__(message, error_class="parse_error", http_status=http_status)
        self.text = text
        self.cost_usd = cost_usd


def classify_status(status: int, message: str, retry_after_s: float | None = None) -> ProviderError:
    """An HTTP error status as the right error: 408/429/5xx transient, everything else permanent."""
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return TransientError(message, error_class="throttled", http_status=status, retry_after_s=retry_after_s)
    if status == HTTPStatus.REQUEST_TIMEOUT or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return TransientError(message, error_class="server_error", http_status=status, retry_after_s=retry_after_s)
    error_class = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(status, "http")
    return PermanentError(message, error_class=error_class, http_status=status)


def retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds (an HTTP date is treated as absent)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def reachable(url: str, name: str, timeout_s: float) -> str:
    """A `GET` of the provider's endpoint: any HTTP answer proves it reachable; nothing is sent to analyse."""
    import httpx  # noqa: PLC0415

    try:
        response = httpx.get(url.rstrip("/") + "/", timeout=timeout_s)
    except httpx.TimeoutException:
        raise TransientError(f"{name}: {url} timed out", error_class="timeout") from None
    except httpx.TransportError as exc:
        message = f"{name}: cannot connect to {url} ({type(exc).__name__})"
        raise TransientError(message, error_class="connection") from None
    return f"{url} answers (HTTP {response.status_code})"


class Provider(Protocol):
    """One configured cloud vision service."""

    name: str  # the configured name
    kind: str  # rekognition | google | openai
    model: str
    cost_per_call_usd: float  # the estimate the budget reserves before sending

    def analyse(self, jpeg: bytes) -> Analysis:
        """Send one image; raise TransientError, PermanentError or ParseFailure."""
        ...

    def check(self) -> str:
        """Prove the configuration without analysing anything (credentials where that is free, else the
        endpoint answers); returns what was proven, raises ProviderError."""
        ...

    def close(self) -> None: ...
