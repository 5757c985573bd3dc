"""Protocol plumbing the families' simulators share: HTTP(S) and WebSocket servers, faults, the MQTT publisher."""
