"""Cloud vision providers behind one small interface: `analyse(jpeg) -> Analysis` or a typed error."""

from __future__ import annotations

from homelake.sources.vision.providers.base import (
    ParseFailure,
    PermanentError,
    Provider,
    ProviderError,
    TransientError,
)

__all__ = ["ParseFailure", "PermanentError", "Provider", "ProviderError", "TransientError"]
