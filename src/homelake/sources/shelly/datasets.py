"""The shelly family's lake datasets: their Arrow schemas are the contract with the dbt sources."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, B, Dataset, F, I, S, column  # noqa: F401

SHELLY_SWITCH_READINGS = Dataset(
    "shelly",
    "switch_readings",
    (
        column("generation", I),
        column("model", S),
        column("channel", I),
        column("component", S),  # switch | relay | light | cover | roller | pm1 | meter | em | em1
        column("output", B),
        column("power_w", F),
        column("voltage_v", F),
        column("current_a", F),
        column("pf", F),
        column("freq_hz", F),
        column("energy_wh", F),  # the device's cumulative counter, converted to Wh (resets on reboot)
        column("returned_energy_wh", F),  # cumulative
        column("temperature_c", F),  # device temperature
        column("uptime_s", F),  # only when the same payload carried it: downstream detects reboots
        column("cover_state", S),
        column("cover_pos", F),
        column("errors", S),  # comma-joined
        column("transport", S),  # http | mqtt
        column("reactive_power_var", F),  # Gen1 EM `reactive`
        column("apparent_power_va", F),  # Gen2+ EM `aprt_power`
    ),
    "Outputs and meters of Shelly relays, plugs, lights, covers and energy meters (EM, 3EM, Pro EM, Pro 3EM: one "
    "channel per phase); one row per channel per reading.",
)

SHELLY_SENSOR_READINGS = Dataset(
    "shelly",
    "sensor_readings",
    (
        column("generation", I),
        column("model", S),
        column("channel", I),
        column("temperature_c", F),
        column("humidity_pct", F),
        column("lux", F),
        column("battery_pct", F),
        column("battery_v", F),
        column("motion", B),
        column("vibration", B),
        column("transport", S),
    ),
    "Shelly environment sensors (H&T, Motion, add-on probes); one row per channel per reading.",
)

SHELLY_DEVICE_STATUS = Dataset(
    "shelly",
    "device_status",
    (
        column("generation", I),
        column("model", S),
        column("mac", S),  # lowercase colon form
        column("ip", S),
        column("firmware", S),
        column("uptime_s", F),
        column("rssi_dbm", F),
        column("ssid", S),
        column("is_online", B),  # MQTT online topics, or true after a successful poll
        column("cloud_connected", B),
        column("mqtt_connected", B),
        column("ram_free_bytes", I),
        column("has_update", B),
        column("transport", S),
    ),
    "Shelly device health: network, firmware, connectivity; one row per poll or status message.",
)

SHELLY_EVENTS = Dataset(
    "shelly",
    "events",
    (
        column("generation", I),
        column("channel", I),
        column("component", S),
        column("event", S),  # single_push, long_push, btn_down, S, L ...
        column("event_at", UTC_TS),
        column("transport", S),
    ),
    "Shelly input and system events (button pushes), one row per event.",
)

DATASETS: tuple[Dataset, ...] = (SHELLY_SWITCH_READINGS, SHELLY_SENSOR_READINGS, SHELLY_DEVICE_STATUS, SHELLY_EVENTS)
