"""Real servers for tests, demos and benchmarks (a private Mosquitto on a free loopback port)."""
