"""Any OpenAI-compatible chat-completions server with image input, through the `openai` client; the model
must answer a strict JSON list of objects, validated here (prose is a parse failure, kept with its text)."""

from __future__ import annotations

import base64
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from homelake.sources.vision.canonical import VOCABULARY, Analysis, BBox, Detection, detection
from homelake.sources.vision.config import ProviderConfig
from homelake.sources.vision.providers.base import (
    ParseFailure,
    ProviderError,
    TransientError,
    classify_status,
    retry_after,
)

PROMPT = (
    "List every object in this security-camera snapshot as a JSON array and nothing else. Each item: "
    '{"label": one of ' + ", ".join(VOCABULARY) + ', "name": your own word for it, '
    '"confidence": 0..1, "bbox": [left, top, width, height] as fractions of the image, or null}. '
    "Answer [] when there is nothing."
)


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")

    label: str
    name: str | None = None
    confidence: float = Field(ge=0, le=1)
    bbox: tuple[float, float, float, float] | None = None


ITEMS = TypeAdapter(list[_Item])


def parse_content(content: str) -> list[Detection]:
    """The assistant's text -> detections; ValueError when it is not the strict JSON list asked for."""
    try:
        items = ITEMS.validate_python(orjson.loads(content))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise ValueError(f"not a JSON list of detections: {str(exc).splitlines()[0][:200]}") from None
    out = []
    for item in items:
        bbox = BBox.clamped(*item.bbox) if item.bbox is not None else None
        found = detection(item.name or item.label, item.confidence, bbox)
        label = item.label.lower() if item.label.lower() in VOCABULARY else found.label
        out.append(Detection(label, found.provider_label, found.confidence, found.bbox))
    return out


class OpenAIChatProvider:
    kind = "openai"

    def __init__(self, config: ProviderConfig, api_key: str | None) -> None:
        import openai  # noqa: PLC0415 - only when this provider is configured

        self.name, self.model, self.config = config.name, config.model or "gpt-4o-mini", config
        self.cost_per_call_usd = config.cost_usd
        self.client = openai.OpenAI(
            base_url=config.endpoint_url, api_key=api_key or "none", max_retries=0, timeout=config.timeout_s
        )

    def analyse(self, jpeg: bytes) -> Analysis:
        image = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
        try:
            completion = self.client.chat.completions.create(
                model=self.model,
                temperature=0,
                messages=[
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": self.config.prompt or PROMPT},
                            {"type": "image_url", "image_url": {"url": image}},
                        ],
                    }
                ],
            )
        except Exception as exc:
            raise _error(exc) from None
        content = (completion.choices[0].message.content or "").strip() if completion.choices else ""
        try:
            detections = parse_content(content)
        except ValueError as exc:
            raise ParseFailure(f"openai: {exc}", text=content[:2000], cost_usd=self.cost_per_call_usd) from None
        return Analysis(tuple(detections), completion.model or self.model, self.cost_per_call_usd, 200)

    def check(self) -> str:
        """The server answers `GET {base}/models` with the key: a 401 means a wrong key (nothing is billed)."""
        try:
            self.client.models.list()
        except Exception as exc:
            raise _error(exc) from None
        return f"{self.config.endpoint_url} accepts the key"

    def close(self) -> None:
        self.client.close()


def _error(exc: Exception) -> Exception:
    import openai  # noqa: PLC0415

    if isinstance(exc, openai.APITimeoutError):
        return TransientError("openai: timed out", error_class="timeout")
    if isinstance(exc, openai.APIConnectionError):
        return TransientError("openai: cannot connect", error_class="connection")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        wait = retry_after(exc.response.headers.get("retry-after"))
        return classify_status(status, f"openai HTTP {status}: {_message(exc.body)}", wait)
    if isinstance(exc, ProviderError):
        return exc
    return exc


def _message(body: Any) -> str:  # noqa: ANN401 - the decoded error body, any JSON
    if isinstance(body, dict):
        error = body.get("error", body)
        return str(error.get("message", "") if isinstance(error, dict) else error)[:200]
    return str(body)[:200]
