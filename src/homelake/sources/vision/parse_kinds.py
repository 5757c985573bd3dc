"""`homelake parse` kinds of the vision family: a saved provider answer -> its canonical detections as lake rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homelake.sources.base import ParseContext, ParseKind, ParseResult, PayloadError, json_payload
from homelake.sources.vision.canonical import Detection, detection_columns
from homelake.sources.vision.providers.google import parse_annotate
from homelake.sources.vision.providers.openai_chat import parse_content
from homelake.sources.vision.providers.rekognition import parse_labels


def _openai(answer: dict[str, Any]) -> list[Detection]:
    return parse_content(str(answer["choices"][0]["message"]["content"] or ""))


def _kind(provider: str, parse: Callable[[dict[str, Any]], list[Detection]]) -> Callable[..., list[ParseResult]]:
    def run(raw: bytes, ctx: ParseContext) -> list[ParseResult]:
        answer = json_payload(raw)
        if not isinstance(answer, dict):
            raise PayloadError("expected a JSON object")
        try:
            found = parse(answer)
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise PayloadError(f"not a {provider} answer: {exc}") from None
        base = ctx.origin() | {
            "sha256": "",
            "camera": ctx.device_id,
            "taken_at": ctx.observed_at,
            "provider": provider,
            "provider_kind": provider,
            "model": None,
        }
        rows = [base | detection_columns(i, d, latency_ms=None, cost_usd=None) for i, d in enumerate(found)]
        return [ParseResult("vision/detections", rows)]

    return run


PARSE_KINDS = (
    ParseKind(
        "vision-rekognition", "vision", "a saved Rekognition DetectLabels answer", _kind("rekognition", parse_labels)
    ),
    ParseKind(
        "vision-google", "vision", "a saved Cloud Vision images:annotate answer", _kind("google", parse_annotate)
    ),
    ParseKind(
        "vision-openai", "vision", "a saved OpenAI chat completion (JSON list of objects)", _kind("openai", _openai)
    ),
)
