"""The three providers' answers to one simulated snapshot, in their real wire shapes, with seeded noise."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import orjson

from homelake.sources.vision.simulator.truth import Thing, things_in

NAMES = {  # what each provider calls our two kinds of thing
    "rekognition": {"person": "Person", "car": "Car"},
    "google": {"person": "Person", "car": "Car"},
    "openai": {"person": "person", "car": "car"},
}
MIDS = {"Person": "/m/01g317", "Car": "/m/0k4j", "Dog": "/m/0bt9lr"}


@dataclass(frozen=True)
class Noise:
    """How far the simulated service strays from the truth (seeded by the image hash: the same image, the same
    answer). `confidence_sd` is the spread below a base confidence of 0.9."""

    confidence_sd: float = 0.05
    miss_rate: float = 0.0  # share of real things not reported
    false_positive_rate: float = 0.0  # share of images with a made-up dog
    prose_rate: float = 0.0  # openai only: the model answers prose instead of JSON


def _unit(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def seen(jpeg: bytes, noise: Noise) -> list[tuple[str, float, Thing]]:
    """(kind, confidence 0..1, box) of what the simulated service reports for `jpeg`."""
    sha = hashlib.sha256(jpeg).hexdigest()
    out = []
    for i, thing in enumerate(things_in(jpeg)):
        if _unit(sha, i, "miss") < noise.miss_rate:
            continue
        confidence = min(0.999, max(0.5, 0.9 + noise.confidence_sd * (2 * _unit(sha, i, "conf") - 1) * 1.7))
        out.append((thing.kind, confidence, thing))
    if _unit(sha, "fp") < noise.false_positive_rate:
        out.append(("dog", 0.55 + 0.1 * _unit(sha, "fp-conf"), Thing("dog", 0.7, 0.7, 0.1, 0.1)))
    return out


def rekognition(jpeg: bytes, noise: Noise, min_confidence: float, max_labels: int) -> dict[str, Any]:
    by_name: dict[str, list[tuple[float, Thing]]] = {}
    for kind, confidence, thing in seen(jpeg, noise):
        by_name.setdefault(NAMES["rekognition"].get(kind, kind.title()), []).append((confidence, thing))
    labels: list[dict[str, Any]] = []
    for name, items in sorted(by_name.items()):
        instances = [
            {"BoundingBox": {"Width": t.width, "Height": t.height, "Left": t.left, "Top": t.top}, "Confidence": c * 100}
            for c, t in items
        ]
        labels.append(
            {
                "Name": name,
                "Confidence": max(c for c, _ in items) * 100,
                "Instances": instances,
                "Parents": [],
                "Aliases": [],
                "Categories": [{"Name": "Person Description" if name == "Person" else "Vehicles and Automotive"}],
            }
        )
        if name == "Person":  # Rekognition also names what a person implies, without a box
            labels.append(
                {
                    "Name": "Adult",
                    "Confidence": max(c for c, _ in items) * 95,
                    "Instances": [],
                    "Parents": [{"Name": "Person"}],
                    "Aliases": [],
                    "Categories": [],
                }
            )
    labels.append(
        {
            "Name": "Outdoors",
            "Confidence": 97.5,
            "Instances": [],
            "Parents": [],
            "Aliases": [],
            "Categories": [{"Name": "Nature and Outdoors"}],
        }
    )
    labels = [label for label in labels if label["Confidence"] >= min_confidence][:max_labels]
    return {"Labels": labels, "LabelModelVersion": "3.0"}


def google(jpeg: bytes, noise: Noise, max_results: int) -> dict[str, Any]:
    objects: list[dict[str, Any]] = []
    labels: dict[str, float] = {}
    for kind, confidence, t in seen(jpeg, noise):
        name = NAMES["google"].get(kind, kind.title())
        vertices = [
            {"x": t.left, "y": t.top},
            {"x": t.left + t.width, "y": t.top},
            {"x": t.left + t.width, "y": t.top + t.height},
            {"x": t.left, "y": t.top + t.height},
        ]
        objects.append(
            {
                "mid": MIDS.get(name, "/m/0"),
                "name": name,
                "score": round(confidence, 6),
                "boundingPoly": {"normalizedVertices": vertices},
            }
        )
        labels[name] = max(labels.get(name, 0.0), confidence)
    label_rows = [
        {"mid": MIDS.get(n, "/m/0"), "description": n, "score": round(s, 6), "topicality": round(s, 6)}
        for n, s in labels.items()
    ] + [{"mid": "/m/05s2s", "description": "Plant", "score": 0.91, "topicality": 0.91}]
    return {"responses": [{"localizedObjectAnnotations": objects[:max_results], "labelAnnotations": label_rows}]}


def openai_chat(jpeg: bytes, noise: Noise, model: str) -> dict[str, Any]:
    sha = hashlib.sha256(jpeg).hexdigest()
    if _unit(sha, "prose") < noise.prose_rate:
        content = "I can see a driveway with what looks like a person near the door."
    else:
        items = [
            {
                "label": kind,
                "name": "pedestrian" if kind == "person" else kind,
                "confidence": round(c, 4),
                "bbox": [round(t.left, 4), round(t.top, 4), round(t.width, 4), round(t.height, 4)],
            }
            for kind, c, t in seen(jpeg, noise)
        ]
        content = orjson.dumps(items).decode()
    return {
        "id": f"chatcmpl-{sha[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 310, "completion_tokens": 40, "total_tokens": 350},
        "system_fingerprint": "fp_homelake_sim",
    }
