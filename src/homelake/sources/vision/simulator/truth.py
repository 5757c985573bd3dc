"""What a simulated snapshot shows, read from its pixels: the camera simulator draws people as a blue body under a
face and vehicles as a red box, so the providers' simulators see exactly what the scene put in the picture."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

SCAN_Y = 240 / 360  # a row through every body (y 180-270) and every vehicle (y 200-280)
MIN_RUN = 0.015  # of the width: shorter colour runs are JPEG noise


@dataclass(frozen=True)
class Thing:
    kind: str  # person | car
    left: float  # normalised box
    top: float
    width: float
    height: float


# (min, max) per RGB channel of the simulator's paint after JPEG: body (40, 60, 160), vehicle (160, 30, 30)
PAINT = {"person": ((0, 89), (0, 109), (121, 255)), "car": ((121, 255), (0, 79), (0, 79))}


def _colour(pixel: tuple[int, ...]) -> str | None:
    for kind, ranges in PAINT.items():
        if all(low <= value <= high for value, (low, high) in zip(pixel[:3], ranges, strict=True)):
            return kind
    return None


def things_in(jpeg: bytes) -> list[Thing]:
    """The people and vehicles in a simulated snapshot ([] for any other picture or bytes that are no image)."""
    try:
        with Image.open(io.BytesIO(jpeg)) as image:
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, OSError):
        return []
    width, height = rgb.size
    y = int(SCAN_Y * height)
    runs: list[tuple[str, int, int]] = []
    for x in range(width):
        kind = _colour(rgb.getpixel((x, y)))  # type: ignore[arg-type]
        if kind is not None and runs and runs[-1][0] == kind and runs[-1][2] >= x - 2:
            runs[-1] = (kind, runs[-1][1], x)
        elif kind is not None:
            runs.append((kind, x, x))
    found = []
    for kind, first, last in runs:
        if (last - first + 1) / width < MIN_RUN:
            continue
        if kind == "person":  # body x+15..x+55 (the face above it), y 150..270 of 360
            found.append(Thing("person", first / width, 150 / 360, (last - first + 1) / width, 120 / 360))
        else:  # a 180 x 80 box at y 200..280 (a figure drawn after it may hide its right end)
            found.append(Thing("car", first / width, 200 / 360, 180 / 640, 80 / 360))
    return found
