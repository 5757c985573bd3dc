"""The simulated site's pure model: people, presence, loads, climate, weather, devices, ground truth (no I/O)."""
