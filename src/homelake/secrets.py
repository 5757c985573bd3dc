"""Credentials by reference: an env var or a secret file, resolved late and never printed."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator


class SecretError(ValueError):
    """A referenced secret cannot be read; the message names the reference, never a value."""


class SecretRef(BaseModel):
    """`{env: NAME}` or `{file: /path}`. The value is read when needed and never kept in logs or repr."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = None
    file: Path | None = None
    # Where the site file asks for it (`mikrotik.routers[0].password`), set once the file is validated, so
    # that a secret that cannot be read names the key to fix; kept generic, each section is walked alike.
    _key: str | None = PrivateAttr(default=None)

    def at(self, key: str) -> None:
        """Record the site-file key this reference sits at (for error messages)."""
        self._key = key

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' (a variable name) or 'file' (a path)")
        return self

    def describe(self) -> str:
        return f"env:{self.env}" if self.env else f"file:{self.file}"

    def resolve(self) -> str:
        where = f"{self._key}: " if self._key else ""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise SecretError(
                    f"{where}environment variable {self.env} is not set; export it, or point the key at a file "
                    "with {file: PATH}"
                )
            return value
        assert self.file is not None
        try:
            return self.file.read_text().rstrip("\r\n")
        except OSError as exc:
            raise SecretError(f"{where}cannot read secret file {self.file}: {exc.strerror}") from None
