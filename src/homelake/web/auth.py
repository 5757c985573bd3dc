"""Request authentication: a bearer token (header, or `?token=` once, then a cookie) and/or basic auth."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from homelake.web.config import DashboardAuth

COOKIE = "homelake_session"
Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Credentials:
    """Resolved secrets, held in memory only; repr never shows them."""

    token: str | None = None
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(token={'set' if self.token else None}, basic={'set' if self.username else None})"

    @property
    def required(self) -> bool:
        return self.token is not None or self.username is not None

    @classmethod
    def resolve(cls, auth: DashboardAuth) -> Credentials:
        """Read the referenced secrets now, so a missing one stops the start-up, not the first request."""
        return cls(
            token=auth.token.resolve() if auth.token else None,
            username=auth.username,
            password=auth.password.resolve() if auth.password else None,
        )

    def session_cookie(self) -> str:
        """What the browser keeps after `?token=`: derived from the token, so the cookie is not the token."""
        assert self.token is not None
        return hmac.new(self.token.encode(), b"homelake-dashboard-session", hashlib.sha256).hexdigest()


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _basic_ok(header: str, creds: Credentials) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or creds.username is None or creds.password is None:
        return False
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    # both compared every time, so the timing does not tell which one was wrong
    return bool(sep) & _same(user, creds.username) & _same(password, creds.password)


def _bearer_ok(header: str, creds: Credentials) -> bool:
    scheme, _, value = header.partition(" ")
    return creds.token is not None and scheme.lower() == "bearer" and _same(value.strip(), creds.token)


def _without_token(request: Request) -> str:
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
    url = request.url.replace(query=None)
    return str(url.include_query_params(**dict(query))) if query else str(url)


def _challenge(creds: Credentials) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="homelake", charset="UTF-8"'} if creds.username else {}
    how = "a bearer token (Authorization header or ?token=)" if creds.token else ""
    if creds.username:
        how = f"{how} or basic auth" if how else "basic auth"
    return Response(f"authentication required: {how}\n", status_code=401, headers=headers, media_type="text/plain")


def make_auth_middleware(creds: Credentials) -> Callable[[Request, Handler], Awaitable[Response]]:
    """An HTTP middleware that lets a request through only with one of the configured credentials."""

    async def authenticate(request: Request, call_next: Handler) -> Response:
        if not creds.required:
            return await call_next(request)
        header = request.headers.get("authorization", "")
        if _bearer_ok(header, creds) or _basic_ok(header, creds):
            return await call_next(request)
        if creds.token is not None:
            if _same(request.cookies.get(COOKIE), creds.session_cookie()):
                return await call_next(request)
            if _same(request.query_params.get("token"), creds.token):
                # trade the token in the address bar for a cookie, and drop it from the URL and history
                response = RedirectResponse(_without_token(request), status_code=303)
                response.set_cookie(
                    COOKIE,
                    creds.session_cookie(),
                    httponly=True,
                    samesite="strict",
                    secure=request.url.scheme == "https",
                )
                return response
        return _challenge(creds)

    return authenticate
