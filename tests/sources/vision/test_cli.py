"""`homelake vision test IMAGE` against the simulated cloud: detections and cost printed; user errors in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from homelake.cli.app import app
from homelake.sources.vision.simulator import VisionServer

pytestmark = pytest.mark.integration


def _site(tmp: Path, cloud: VisionServer) -> Path:
    key = tmp / "google.key"
    key.write_text(cloud.credentials.google_api_key)
    key.chmod(0o600)
    site = tmp / "site.yaml"
    site.write_text(yaml.safe_dump({
        "site": {"name": "t", "timezone": "Europe/Berlin"},
        "vision": {"providers": [{"name": "gcv", "kind": "google", "endpoint_url": cloud.url,
                                  "api_key": {"file": str(key)}}]},
    }))  # fmt: skip
    return site


def test_vision_test_prints_detections_and_cost(cloud: VisionServer, a_person: bytes, tmp_path: Path) -> None:
    image = tmp_path / "front.jpg"
    image.write_bytes(a_person)
    result = CliRunner().invoke(app, ["vision", "test", str(image), "-c", str(_site(tmp_path, cloud))])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("gcv (google, cloud-vision-v1): ")
    assert any(line.startswith("person     Person") for line in lines)
    assert lines[-1].startswith("latency ") and lines[-1].endswith("estimated cost $0.0030")
    assert cloud.credentials.google_api_key not in result.output
    assert sum(cloud.tally.answered.values()) == 1


def test_vision_test_user_errors(cloud: VisionServer, tmp_path: Path) -> None:
    site = _site(tmp_path, cloud)
    image = tmp_path / "x.jpg"
    image.write_bytes(b"not a picture")
    unknown = CliRunner().invoke(app, ["vision", "test", str(image), "-c", str(site), "-p", "nope"])
    assert unknown.exit_code == 2 and "no vision provider named 'nope'" in unknown.output
    bad = CliRunner().invoke(app, ["vision", "test", str(image), "-c", str(site)])
    assert bad.exit_code == 2 and "gcv (google): google HTTP 400: Bad image data." in bad.output
    assert "Traceback" not in bad.output
