"""Canonical detections: one small vocabulary every provider's labels are mapped onto."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VOCABULARY = ("person", "car", "truck", "motorcycle", "bicycle", "dog", "cat", "package", "other")

# provider words (lower-cased) -> canonical label; anything else is "other" with the provider's word kept
SYNONYMS: dict[str, str] = {
    "person": "person",
    "human": "person",
    "people": "person",
    "pedestrian": "person",
    "man": "person",
    "woman": "person",
    "child": "person",
    "boy": "person",
    "girl": "person",
    "car": "car",
    "automobile": "car",
    "sedan": "car",
    "suv": "car",
    "vehicle": "car",
    "land vehicle": "car",
    "truck": "truck",
    "van": "truck",
    "pickup truck": "truck",
    "lorry": "truck",
    "motorcycle": "motorcycle",
    "motorbike": "motorcycle",
    "scooter": "motorcycle",
    "bicycle": "bicycle",
    "bike": "bicycle",
    "dog": "dog",
    "puppy": "dog",
    "cat": "cat",
    "kitten": "cat",
    "package": "package",
    "box": "package",
    "parcel": "package",
    "cardboard": "package",
    "carton": "package",
}


@dataclass(frozen=True)
class BBox:
    """A box normalised to 0..1 of the image (left, top, width, height)."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def clamped(cls, left: float, top: float, width: float, height: float) -> BBox:
        left, top = min(max(left, 0.0), 1.0), min(max(top, 0.0), 1.0)
        return cls(left, top, min(max(width, 0.0), 1.0 - left), min(max(height, 0.0), 1.0 - top))


@dataclass(frozen=True)
class Detection:
    """One object a provider saw: canonical label, the provider's own label, confidence 0..1, box or None."""

    label: str
    provider_label: str
    confidence: float
    bbox: BBox | None


def canonical_label(word: str) -> str:
    return SYNONYMS.get(word.strip().lower(), "other")


def detection(word: str, confidence: float, bbox: BBox | None) -> Detection:
    return Detection(canonical_label(word), word, min(max(float(confidence), 0.0), 1.0), bbox)


@dataclass(frozen=True)
class Analysis:
    """What one successful provider call returned, normalised."""

    detections: tuple[Detection, ...]
    model: str
    cost_usd: float
    http_status: int = 200


def detection_columns(index: int, d: Detection, *, latency_ms: float | None, cost_usd: float | None) -> dict[str, Any]:
    """The `vision/detections` columns of one canonical detection (beside the snapshot's and the call's)."""
    box = d.bbox
    return {
        "detection_index": index,
        "label": d.label,
        "provider_label": d.provider_label,
        "confidence": d.confidence,
        "bbox_left": box.left if box else None,
        "bbox_top": box.top if box else None,
        "bbox_width": box.width if box else None,
        "bbox_height": box.height if box else None,
        "latency_ms": latency_ms,
        "cost_usd": cost_usd,
    }
