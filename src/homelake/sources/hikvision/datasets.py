"""The hikvision family's lake datasets: their Arrow schemas are the contract with the dbt sources."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, B, Dataset, F, I, S, column

HIKVISION_DEVICE_INFO = Dataset(
    "hikvision",
    "device_info",
    (
        column("device_name", S),
        column("model", S),
        column("serial_number", S),
        column("firmware", S),
        column("firmware_build", S),
        column("device_type", S),  # IPCamera | NVR | DVR | IPC
        column("mac", S),
        column("device_uid", S),  # deviceID
        column("hardware_version", S),
    ),
    "GET /ISAPI/System/deviceInfo: one row per camera or NVR per poll.",
)

HIKVISION_STATUS = Dataset(
    "hikvision",
    "status",
    (
        column("device_time", UTC_TS),
        column("uptime_s", F),
        column("cpu_pct", F),
        column("memory_used_mb", F),
        column("memory_available_mb", F),
    ),
    "GET /ISAPI/System/status: load and uptime per poll (an uptime that went down is a reboot).",
)

HIKVISION_TRIGGERS = Dataset(
    "hikvision",
    "triggers",
    (
        column("trigger_id", S),
        column("event_type", S),  # lower-cased
        column("channel", I),
        column("notification_methods", S),  # comma-separated, e.g. "center,record"
        column("notifies_center", B),  # center or HTTP: what reaches the alert stream
    ),
    "GET /ISAPI/Event/triggers: one row per event trigger (which events are on, how they notify).",
)

HIKVISION_STORAGE = Dataset(
    "hikvision",
    "storage",
    (
        column("disk_id", S),
        column("disk_name", S),
        column("status", S),  # ok | error | unformatted | uninitialized | ...
        column("capacity_mb", F),
        column("free_mb", F),
        column("is_error", B),
    ),
    "GET /ISAPI/ContentMgmt/Storage: one row per SD card or HDD per poll.",
)

HIKVISION_ALERTS = Dataset(
    "hikvision",
    "alerts",
    (
        column("event_type", S, False),  # lower-cased, unknown types kept verbatim
        column("event_state", S),  # active | inactive
        column("channel", I),
        column("active_post_count", I),
        column("target_type", S),  # human | vehicle (VMD 2.0 detectionTarget)
        column("description", S),
        column("ip", S),
        column("mac", S),
        column("is_heartbeat", B, False),
        column("content_type", S),  # application/xml | application/json
    ),
    "alertStream parts: one row per EventNotificationAlert (observed_at = the camera's dateTime in UTC; heartbeats "
    "flagged, never events).",
)

HIKVISION_SNAPSHOTS = Dataset(
    "hikvision",
    "snapshots",
    (
        column("channel", I),
        column("trigger", S),  # episode_start | scheduled | motion_sensor
        column("event_type", S),
        column("target_type", S),
        column("event_at", UTC_TS),  # the start of the episode (or of the sensor's motion) the picture is for
        column("taken_at", UTC_TS),
        column("snapshot_lag_ms", I),  # taken_at - event_at
        column("sha256", S),
        column("bytes", I),
        column("width", I),
        column("height", I),
        column("path", S),  # relative to the media root: hikvision/<camera>/date=YYYY-MM-DD/<sha256>.jpg
        column("from_frame_cache", B),  # the cached frame closest to the episode's start, not a fresh fetch
        column("burst_index", I),  # 0 for the first picture of a burst, 1.. for the rest of it
    ),
    "Camera snapshots stored as media files (observed_at = taken_at): one row per picture kept, for an episode's "
    "start (the frame closest to it, then the rest of the camera's burst), on the hourly schedule, or in a burst a "
    "vision zone's motion sensor asked for.",
)

HIKVISION_MEDIA_DELETIONS = Dataset(
    "hikvision",
    "media_deletions",
    (
        column("path", S, False),  # as in hikvision/snapshots
        column("sha256", S),
        column("bytes", I),
        column("reason", S),  # age (older than media_retention_days) | size_cap (media_max_bytes)
    ),
    "Snapshot files deleted by media retention (`homelake lake retention`): one row per file; the snapshots rows "
    "stay, and the marts mark them deleted (observed_at = when it was deleted).",
)

DATASETS: tuple[Dataset, ...] = (
    HIKVISION_DEVICE_INFO,
    HIKVISION_STATUS,
    HIKVISION_TRIGGERS,
    HIKVISION_STORAGE,
    HIKVISION_ALERTS,
    HIKVISION_SNAPSHOTS,
    HIKVISION_MEDIA_DELETIONS,
)
