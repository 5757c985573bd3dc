"""Each provider's parser on a recorded real-shaped answer, and the `homelake parse vision-*` kinds."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import pytest

from homelake.sources.base import ParseContext, PayloadError
from homelake.sources.vision.canonical import BBox, canonical_label
from homelake.sources.vision.parse_kinds import PARSE_KINDS
from homelake.sources.vision.providers.google import parse_annotate
from homelake.sources.vision.providers.openai_chat import parse_content
from homelake.sources.vision.providers.rekognition import parse_labels
from tests.sources.vision.conftest import fixture

AT = datetime(2026, 12, 7, 14, 0, 30, tzinfo=UTC)


def test_rekognition_instances_become_boxed_detections() -> None:
    found = parse_labels(orjson.loads(fixture("rekognition_DetectLabels-3.0_driveway.json")))
    boxed = [(d.label, d.provider_label, round(d.confidence, 4)) for d in found if d.bbox]
    assert boxed == [("car", "Car", 0.9921), ("person", "Person", 0.9684), ("person", "Person", 0.713)]
    assert found[0].bbox == BBox(0.1254, 0.5561, 0.2821, 0.2203)
    # labels without a box: "Vehicle" repeats the boxed car (dropped), the rest are "other" with their own word
    assert [(d.label, d.provider_label) for d in found if d.bbox is None] == [("other", "Adult"), ("other", "Driveway")]


def test_google_objects_then_uncovered_labels() -> None:
    found = parse_annotate(orjson.loads(fixture("google_images-annotate-v1_frontdoor.json")))
    assert [(d.label, d.provider_label) for d in found if d.bbox] == [
        ("person", "Person"),
        ("dog", "Dog"),
        ("package", "Box"),
    ]
    dog = found[1].bbox
    assert dog is not None and dog.left == 0.0 and dog.width == pytest.approx(0.081)  # Google omits x = 0
    assert [d.provider_label for d in found if d.bbox is None] == ["Door", "Plant", "Flower"]


def test_openai_strict_json_list() -> None:
    answer = orjson.loads(fixture("openai_chat-completions-gpt-4o-mini_objects.json"))
    found = parse_content(answer["choices"][0]["message"]["content"])
    assert [(d.label, d.provider_label, d.confidence) for d in found] == [
        ("person", "delivery driver", 0.92),
        ("package", "cardboard box", 0.81),
        ("truck", "van", 0.77),
    ]
    assert found[0].bbox == BBox(0.41, 0.3, 0.12, 0.55) and found[2].bbox is None


@pytest.mark.parametrize(
    "content",
    [
        orjson.loads(fixture("openai_chat-completions-llava_prose.json"))["choices"][0]["message"]["content"],
        '```json\n[{"label": "person", "confidence": 0.9}]\n```',  # fenced: not the strict list asked for
        '{"label": "person", "confidence": 0.9}',  # an object, not a list
        '[{"label": "person", "confidence": 1.7}]',  # confidence out of 0..1
        '[{"confidence": 0.5}]',  # no label
    ],
)
def test_openai_anything_but_the_strict_list_is_a_parse_failure(content: str) -> None:
    with pytest.raises(ValueError, match="not a JSON list of detections"):
        parse_content(content)


def test_vocabulary() -> None:
    assert [canonical_label(w) for w in ("Pedestrian", "SUV", "Pickup Truck", "Parcel", "Kitten", "Tree")] == [
        "person",
        "car",
        "truck",
        "package",
        "cat",
        "other",
    ]
    assert BBox.clamped(-0.1, 0.5, 2.0, 0.7) == BBox(0.0, 0.5, 1.0, 0.5)


@pytest.mark.parametrize(
    ("kind", "name", "labels"),
    [
        ("vision-rekognition", "rekognition_DetectLabels-3.0_driveway.json", ["car", "person", "person"]),
        ("vision-google", "google_images-annotate-v1_frontdoor.json", ["person", "dog", "package"]),
        ("vision-openai", "openai_chat-completions-gpt-4o-mini_objects.json", ["person", "package", "truck"]),
    ],
)
def test_parse_kinds(kind: str, name: str, labels: list[str]) -> None:
    ctx = ParseContext("vision", "cam-front", "test", AT, AT, ZoneInfo("Europe/Berlin"))
    run = next(k for k in PARSE_KINDS if k.name == kind).run
    (result,) = run(fixture(name), ctx)
    assert result.dataset == "vision/detections"
    assert [r["label"] for r in result.rows][:3] == labels
    with pytest.raises(PayloadError):
        run(b"not json", ctx)
