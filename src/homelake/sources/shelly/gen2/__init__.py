"""Shelly Gen2+ ("RPC" devices): Shelly.GetStatus over HTTP, WebSocket and MQTT; parser and simulator."""
