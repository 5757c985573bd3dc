"""The simulated site's `node_circuits.csv` seed: which Shelly circuit meters which k3s node."""

from __future__ import annotations

import csv
from pathlib import Path

from homelake.sim.model.cluster import NODES
from homelake.sim.model.shelly_devices import CIRCUITS

COLUMNS = ("node", "circuit")


def node_circuit_rows() -> list[dict[str, str]]:
    """One row per node on a metered plug: the node's name and the circuit of the plug's channel 0."""
    return [{"node": node.name, "circuit": CIRCUITS[(node.plug, 0)][0]} for node in NODES if node.plug]


def write_node_circuits_csv(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(node_circuit_rows())
    return path
