"""The demo and test orchestration: every family's simulator on loopback, history, live collection, the broker."""
