"""Security `/security`: the timeline of camera episodes, door, motion, arrivals and departures; episodes with
their snapshots; detections per hour; camera health; and the snapshot files themselves (`/security/media/...`).

Snapshots are personal data: they are served by this app only, so the dashboard's one access rule (loopback,
or a credential: web/auth.py) covers them like every page, and only files of the media layout are served."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import FileResponse, Response

from homelake.web import queries
from homelake.web.charts import Chart, ChartContext, register, series
from homelake.web.pages import WarehouseDep, render, request_range, settings_of

router = APIRouter()

# <family>/<device>/date=YYYY-MM-DD/<sha256>.jpg: what the collectors write, and nothing else
MEDIA_PATH = re.compile(r"(?P<family>[a-z0-9_]+)/[a-z0-9][a-z0-9_-]*/date=\d{4}-\d{2}-\d{2}/[0-9a-f]{64}\.jpg")

register(Chart(
    "security_detections", "Camera detections per hour by class", queries.DETECTIONS_SERIES,
    series("period_start", "episodes", "detection_class", kind="bar", stacked=True, y_title="episodes"),
    note="Episodes started (human, vehicle, line crossing, intrusion, video loss), as the cameras classify them.",
))  # fmt: skip


def media_roots(request: Request) -> dict[str, Path]:
    """The site's media folders by family (a camera family's `media_dir`), when snapshots are on."""
    return settings_of(request).media_dirs()


@router.get("/security")
def security(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    values = ChartContext(tr=tr).values()
    timeline = wh.run(queries.SECURITY_TIMELINE, values)
    return render(
        request,
        "security.html",
        title="Security",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=timeline.missing,
        timeline=timeline.records(),
        episodes=wh.run(queries.SECURITY_EPISODES, values).records(),
        latest=wh.run(queries.SECURITY_LATEST_SNAPSHOTS, values).records(),
        health=wh.run(queries.CAMERA_HEALTH, values).records(),
        away=wh.run(queries.ACTIVITY_WHILE_AWAY, values).records(),
        snapshots_on=bool(media_roots(request)),
        charts=["security_detections"],
    )


@router.get("/security/media/{path:path}")
def media(request: Request, path: str) -> Response:
    """One snapshot file: only paths of the media layout, only inside the media folder."""
    match = MEDIA_PATH.fullmatch(path)
    root = media_roots(request).get(match["family"]) if match else None
    if root is None:
        raise HTTPException(status_code=404, detail="no such snapshot")
    file = (root / path).resolve()
    if not file.is_relative_to(root.resolve()) or not file.is_file():
        raise HTTPException(status_code=404, detail="no such snapshot (deleted by media retention, or never taken)")
    # content-addressed: the same path is always the same picture; private: never in a shared cache
    headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(file, media_type="image/jpeg", headers=headers)
