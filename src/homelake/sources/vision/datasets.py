"""The vision family's lake datasets: one row per provider attempt, and the canonical detections of each analysis."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, Dataset, F, I, S, column

VISION_REQUESTS = Dataset(
    "vision",
    "requests",
    (
        column("sha256", S, False),  # the image's content hash: the outbox key
        column("camera", S),
        column("taken_at", UTC_TS),
        column("provider", S, False),  # the configured provider's name
        column("provider_kind", S),  # rekognition | google | openai
        column("model", S),
        column("attempt", I),  # 1, 2, ... per image (across restarts)
        column("status", S, False),  # ok | retry | dead | parse_error | skipped_budget
        column("http_status", I),
        column("latency_ms", F),
        column("cost_usd", F),  # estimated; 0 for an attempt that is not billed
        column("error_class", S),  # throttled | server_error | timeout | connection | bad_request | forbidden | ...
        column("error_message", S),  # never a credential; a model's prose answer is kept here (truncated)
        column("detection_count", I),
    ),
    "One row per attempt to analyse one snapshot with a cloud vision provider (observed_at = the attempt's end); "
    "status ok is the one analysis of that image.",
)

VISION_DETECTIONS = Dataset(
    "vision",
    "detections",
    (
        column("sha256", S, False),
        column("camera", S),
        column("taken_at", UTC_TS),
        column("provider", S, False),
        column("provider_kind", S),
        column("model", S),
        column("detection_index", I, False),
        column("label", S, False),  # person | car | truck | motorcycle | bicycle | dog | cat | package | other
        column("provider_label", S),  # the provider's own word, e.g. "Pedestrian"
        column("confidence", F),  # 0..1
        column("bbox_left", F),  # 0..1 of the image width; null when the provider gave no box
        column("bbox_top", F),
        column("bbox_width", F),
        column("bbox_height", F),
        column("latency_ms", F),
        column("cost_usd", F),  # the analysis' cost, repeated on each of its detections
    ),
    "Canonical detections of one successful analysis (observed_at = when the answer arrived): one row per object.",
)

DATASETS: tuple[Dataset, ...] = (VISION_REQUESTS, VISION_DETECTIONS)
