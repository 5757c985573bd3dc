"""HikVision family: ISAPI cameras and NVRs (device info, status, triggers, storage, the alertStream)."""

from __future__ import annotations

from homelake.sources.base import FamilySpec
from homelake.sources.hikvision.datasets import DATASETS
from homelake.sources.hikvision.parse_kinds import PARSE_KINDS

SPEC = FamilySpec(
    name="hikvision",
    description="HikVision ISAPI cameras and NVRs: device info, status, triggers, storage, alertStream events",
    datasets=DATASETS,
    parse_kinds=PARSE_KINDS,
)
