"""Typed errors of the MikroTik REST client; messages name router and path, never a credential."""

from __future__ import annotations


class MikrotikError(Exception):
    """Base of every MikroTik client error: `<router>: GET /rest<path>: <what happened>`."""

    def __init__(self, router: str, path: str, detail: str, *, status: int | None = None) -> None:
        self.router = router
        self.path = path
        self.detail = detail
        self.status = status
        where = f"GET /rest{path}: " if path else ""
        super().__init__(f"mikrotik {router}: {where}{detail}")


class MikrotikAuthError(MikrotikError):
    """401/403: wrong username or password, or the user lacks the `rest-api`/`read` policy."""


class MikrotikNotAvailable(MikrotikError):
    """400 "no such command or directory": this router does not have that menu (package absent)."""


class MikrotikHTTPError(MikrotikError):
    """Any other non-2xx answer; `status` keeps the HTTP status code."""


class MikrotikTimeout(MikrotikError):
    """Connecting, sending or reading took longer than the client's timeout."""


class MikrotikConnectError(MikrotikError):
    """The router could not be reached or dropped the connection."""


class MikrotikTLSError(MikrotikConnectError):
    """The TLS handshake failed: untrusted or mismatched certificate, unreadable CA bundle."""


class MikrotikBadPayload(MikrotikError):
    """The body is not valid JSON (or was cut off); `raw` keeps the bytes for the dead letter."""

    def __init__(self, router: str, path: str, detail: str, *, raw: bytes, status: int | None = None) -> None:
        super().__init__(router, path, detail, status=status)
        self.raw = raw
