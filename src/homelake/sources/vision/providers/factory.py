"""Build a provider from its config, resolving its credentials now (and registering them for redaction)."""

from __future__ import annotations

from homelake.logs import register_secret
from homelake.secrets import SecretRef
from homelake.sources.vision.config import ProviderConfig
from homelake.sources.vision.providers.base import Provider


def _secret(ref: SecretRef | None) -> str | None:
    value = ref.resolve() if ref is not None else None
    register_secret(value)
    return value


def build_provider(config: ProviderConfig) -> Provider:
    if config.kind == "rekognition":
        from homelake.sources.vision.providers.rekognition import RekognitionProvider  # noqa: PLC0415 - boto3

        return RekognitionProvider(config, _secret(config.access_key_id), _secret(config.secret_access_key))
    if config.kind == "google":
        from homelake.sources.vision.providers.google import GoogleVisionProvider  # noqa: PLC0415

        return GoogleVisionProvider(config, _secret(config.api_key), service_account=_secret(config.service_account))
    from homelake.sources.vision.providers.openai_chat import OpenAIChatProvider  # noqa: PLC0415 - openai

    return OpenAIChatProvider(config, _secret(config.api_key))
