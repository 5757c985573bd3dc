"""Cloud Vision with a service account (google-auth signs the JWT, the simulator's token endpoint verifies it and
grants a bearer token), and `homelake check` proving each provider without sending a single picture."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from homelake.runtime.check import _poll
from homelake.sources.vision.providers.base import PermanentError
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.simulator import Credentials, VisionServer
from homelake.sources.vision.target import VisionTarget, submit
from tests.sources.vision.conftest import DAY, FakeClock, family, provider_config

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("credentials")]
TZ = ZoneInfo("Europe/Berlin")


def _service_account(cloud: VisionServer, tmp: Path, monkeypatch: pytest.MonkeyPatch, key_json: str) -> None:
    key = tmp / "vision-sa.json"
    key.write_text(key_json)
    key.chmod(0o600)
    monkeypatch.setenv("HL_TEST_SA_FILE", str(key))


def _google_sa(cloud: VisionServer, tmp: Path) -> object:
    """A Cloud Vision provider authenticated by the service-account key file in `tmp` (no API key)."""
    key = {"file": str(tmp / "vision-sa.json")}
    return build_provider(provider_config(cloud, "google", api_key=None, service_account=key))


def test_a_service_account_gets_a_token_and_analyses(
    cloud: VisionServer, a_person: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _service_account(cloud, tmp_path, monkeypatch, cloud.credentials.service_account_json(cloud.token_uri))
    provider = _google_sa(cloud, tmp_path)
    try:
        first = provider.analyse(a_person)  # type: ignore[attr-defined]
        provider.analyse(a_person + b"\x00")  # type: ignore[attr-defined]
    finally:
        provider.close()  # type: ignore[attr-defined]
    assert "person" in {d.label for d in first.detections}
    assert cloud.tally.other["POST /token"] == 1  # one signed JWT exchanged; the token is reused until it expires
    assert len(cloud.tokens) == 1 and sum(cloud.tally.answered.values()) == 2


def test_a_key_the_token_endpoint_does_not_trust_is_refused_permanently(
    cloud: VisionServer, a_person: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = Credentials()  # another key pair, same account name: its signature does not verify
    _service_account(cloud, tmp_path, monkeypatch, stranger.service_account_json(cloud.token_uri))
    provider = _google_sa(cloud, tmp_path)
    try:
        with pytest.raises(PermanentError, match="token refused"):
            provider.analyse(a_person)  # type: ignore[attr-defined]
    finally:
        provider.close()  # type: ignore[attr-defined]
    assert cloud.tally.other["POST /token"] == 1 and not cloud.tally.requests  # the picture never left
    assert stranger.private_key.split("\n")[1] not in str(cloud.tokens)


def _target_with_a_due_job(cloud: VisionServer, tmp: Path, a_person: bytes, kinds: list[str]) -> VisionTarget:
    providers_cfg = [provider_config(cloud, kind) for kind in kinds]
    config = family(providers_cfg, ["cam-front"], tmp, media_dir=str(tmp / "media"))
    clock = FakeClock(DAY + timedelta(hours=12))
    image = tmp / "media" / "p.jpg"
    image.parent.mkdir(parents=True)
    image.write_bytes(a_person)
    target = VisionTarget(config, {p.name: build_provider(p) for p in config.providers}, local_tz=TZ, interval_s=10,
                          timeout_s=5, clock=clock, lake_root=tmp / "lake")  # fmt: skip
    assert submit(target.outbox, config, path=image, camera="cam-front", taken_at=clock(), now=clock(), local_tz=TZ)
    return target


def test_check_proves_every_provider_and_sends_no_picture(cloud: VisionServer, a_person: bytes, tmp_path: Path) -> None:
    target = _target_with_a_due_job(cloud, tmp_path, a_person, ["rekognition", "google", "openai"])
    outbox = target.outbox
    result = asyncio.run(_poll(target))  # what `homelake check` runs for each target (it closes the target)
    assert result.ok, result.detail
    assert not cloud.tally.requests and not cloud.tally.answered  # not one analysis request reached the cloud
    assert cloud.tally.other["GET /v1/models"] == 1 and cloud.tally.other["GET /"] == 2  # openai key; the others
    reopened = type(outbox)(outbox.path)
    try:
        assert reopened.counts() == {"queued": 1}  # the due job is still waiting, untouched
    finally:
        reopened.close()


def test_check_fails_on_a_wrong_key_still_without_a_picture(
    cloud: VisionServer, a_person: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HL_TEST_OPENAI_KEY", "wrong")
    target = _target_with_a_due_job(cloud, tmp_path, a_person, ["openai"])
    result = asyncio.run(_poll(target))
    assert not result.ok and "401" in result.detail and "wrong" not in result.detail
    assert not cloud.tally.requests
