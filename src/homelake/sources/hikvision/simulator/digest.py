"""Server side of HTTP Digest (MD5, qop=auth), as HikVision firmware asks for it; Basic only where allowed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

_PAIR = re.compile(r'(\w+)=(?:"([^"]*)"|([^\s,]+))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 Digest is MD5 by definition


class DigestAuth:
    """Checks Authorization headers for one user; `challenge()` is the WWW-Authenticate value to send."""

    def __init__(self, username: str, password: str, realm: str, *, allow_basic: bool = False) -> None:
        self.username, self.password, self.realm, self.allow_basic = username, password, realm, allow_basic
        self.nonce = secrets.token_hex(16)
        self.opaque = secrets.token_hex(8)

    def challenge(self) -> str:
        return f'Digest realm="{self.realm}", qop="auth", nonce="{self.nonce}", opaque="{self.opaque}", algorithm=MD5'

    def check(self, method: str, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "basic":
            return self.allow_basic and self._basic(rest)
        if scheme.lower() != "digest":
            return False
        params = {m[0]: m[1] or m[2] for m in _PAIR.findall(rest)}
        if params.get("username") != self.username or params.get("nonce") != self.nonce:
            return False
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = _md5(f"{method}:{params.get('uri', '')}")
        if params.get("qop"):
            expected = _md5(
                f"{ha1}:{self.nonce}:{params.get('nc', '')}:{params.get('cnonce', '')}:{params['qop']}:{ha2}"
            )
        else:
            expected = _md5(f"{ha1}:{self.nonce}:{ha2}")
        return hmac.compare_digest(expected, params.get("response", ""))

    def _basic(self, token: str) -> bool:
        try:
            user, _, password = base64.b64decode(token.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user.encode(), self.username.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )
