"""Cloud labels `/security/cloud`: what the cloud saw on each snapshot beside the camera's own call, and the cost."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from homelake.web.charts import ChartContext
from homelake.web.pages import WarehouseDep, render, request_range
from homelake.web.queries import q

router = APIRouter()

SNAPSHOTS = q(
    "cloud_snapshots",
    """
select taken_at, camera, channel, camera_class, analysis_status, provider, cloud_labels, provider_labels,
       people, vehicles, top_confidence, is_camera_confirmed, cost_usd, latency_ms, attempts, failure_reason,
       left(sha256, 12) as sha_short
from detections
where taken_at >= $start_at and taken_at < $end_at
order by taken_at desc
limit 200
""",
)

SUMMARY = q(
    "cloud_summary",
    """
select count(*) as snapshots,
       count(*) filter (where analysis_status = 'analysed') as analysed,
       count(*) filter (where analysis_status = 'skipped_budget') as skipped_budget,
       count(*) filter (where analysis_status in ('failed', 'parse_failed')) as failed,
       coalesce(sum(cost_usd), 0) as cost_usd,
       count(*) filter (where is_camera_confirmed) as confirmed,
       count(*) filter (where is_camera_confirmed is not null) as compared
from detections
where taken_at >= $start_at and taken_at < $end_at
""",
)

COSTS = q(
    "cloud_costs",
    """
select * from rpt_cloud_costs_daily
where day_local >= cast(timezone($tz, $start_at) as date) and day_local <= cast(timezone($tz, $end_at) as date)
order by day_local desc, provider
""",
)

AGREEMENT = q(
    "cloud_agreement",
    """
select week_start, camera, analysed, camera_human, camera_human_confirmed, camera_vehicle, camera_vehicle_confirmed,
       agreement_share
from camera_vs_cloud_weekly
order by week_start desc, camera
limit 20
""",
)


@router.get("/security/cloud")
def cloud_labels(request: Request, wh: WarehouseDep) -> Response:
    tr, range_error = request_range(request)
    values = ChartContext(tr=tr).values()
    snapshots = wh.run(SNAPSHOTS, values)
    summary = wh.run(SUMMARY, values).records()
    return render(
        request,
        "cloud.html",
        title="Cloud labels",
        tr=tr,
        range_error=range_error,
        has_warehouse=wh.exists,
        missing=snapshots.missing,
        snapshots=snapshots.records(),
        summary=summary[0] if summary else None,
        costs=wh.run(COSTS, values).records(),
        agreement=wh.run(AGREEMENT, values).records(),
    )
