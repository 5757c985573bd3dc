"""boto3 and the openai client, unmodified, against the simulated cloud; and our three providers through them."""

from __future__ import annotations

import base64
import hashlib

import boto3
import httpx
import openai
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from homelake.sources.vision.providers.base import PermanentError, TransientError
from homelake.sources.vision.providers.factory import build_provider
from homelake.sources.vision.simulator import Fault, VisionServer
from tests.sources.vision.conftest import DAY, provider_config

pytestmark = pytest.mark.integration


def test_boto3_detect_labels_against_the_simulator(cloud: VisionServer, a_person: bytes) -> None:
    client = boto3.session.Session().client(
        "rekognition",
        region_name="eu-west-1",
        endpoint_url=cloud.url,
        aws_access_key_id=cloud.credentials.access_key_id,
        aws_secret_access_key=cloud.credentials.secret_access_key,
        config=Config(retries={"total_max_attempts": 1}),
    )
    answer = client.detect_labels(Image={"Bytes": a_person}, MaxLabels=10, MinConfidence=60)
    client.close()  # its pooled sockets, now rather than whenever the garbage collector runs
    person = next(label for label in answer["Labels"] if label["Name"] == "Person")
    assert len(person["Instances"]) == 1 and 50 <= person["Confidence"] <= 100
    box = person["Instances"][0]["BoundingBox"]
    assert 0 <= box["Left"] <= 1 and 0 < box["Width"] < 0.2
    stranger = boto3.session.Session().client(
        "rekognition",
        region_name="eu-west-1",
        endpoint_url=cloud.url,
        aws_access_key_id="AKIAWRONG",
        aws_secret_access_key="x",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as wrong:
        stranger.detect_labels(Image={"Bytes": a_person})
    stranger.close()
    assert wrong.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_openai_client_against_the_simulator(cloud: VisionServer, a_person: bytes) -> None:
    client = openai.OpenAI(base_url=f"{cloud.url}/v1", api_key=cloud.credentials.openai_api_key, max_retries=0)
    image = "data:image/jpeg;base64," + base64.b64encode(a_person).decode()
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "list objects"},
                    {"type": "image_url", "image_url": {"url": image}},
                ],
            }
        ],
    )
    client.close()
    assert completion.choices[0].finish_reason == "stop"
    assert '"label":"person"' in (completion.choices[0].message.content or "")
    with (
        openai.OpenAI(base_url=f"{cloud.url}/v1", api_key="wrong", max_retries=0) as stranger,
        pytest.raises(openai.AuthenticationError),
    ):
        stranger.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


def test_google_rest_shape(cloud: VisionServer, a_person: bytes) -> None:
    body = {
        "requests": [
            {
                "image": {"content": base64.b64encode(a_person).decode()},
                "features": [{"type": "OBJECT_LOCALIZATION"}, {"type": "LABEL_DETECTION"}],
            }
        ]
    }
    answer = httpx.post(f"{cloud.url}/v1/images:annotate?key={cloud.credentials.google_api_key}", json=body).json()
    objects = answer["responses"][0]["localizedObjectAnnotations"]
    assert [o["name"] for o in objects] == ["Person"]
    assert len(objects[0]["boundingPoly"]["normalizedVertices"]) == 4


@pytest.mark.parametrize("kind", ["rekognition", "google", "openai"])
@pytest.mark.usefixtures("credentials")
def test_each_provider_normalises_the_simulated_answer(cloud: VisionServer, a_person: bytes, kind: str) -> None:
    provider = build_provider(provider_config(cloud, kind))
    try:
        analysis = provider.analyse(a_person)
    finally:
        provider.close()
    boxed = [d for d in analysis.detections if d.bbox is not None]
    assert [d.label for d in boxed] == ["person"]
    assert 0.5 <= boxed[0].confidence <= 1 and analysis.cost_usd > 0
    assert cloud.tally.answered[(kind, hashlib.sha256(a_person).hexdigest())] == 1


@pytest.mark.parametrize("kind", ["rekognition", "google", "openai"])
@pytest.mark.usefixtures("credentials")
def test_faults_map_onto_transient_and_permanent_errors(cloud: VisionServer, a_person: bytes, kind: str) -> None:
    provider = build_provider(provider_config(cloud, kind))
    try:
        cloud.faults = [Fault(DAY.replace(year=2000), DAY.replace(year=2100), "429", retry_after_s=7)]
        with pytest.raises(TransientError) as throttled:
            provider.analyse(a_person)
        assert throttled.value.error_class == "throttled"
        if kind != "rekognition":  # Rekognition's throttling answer carries no Retry-After
            assert throttled.value.retry_after_s == 7
        cloud.faults = [Fault(DAY.replace(year=2000), DAY.replace(year=2100), "500")]
        with pytest.raises(TransientError) as failed:
            provider.analyse(a_person)
        assert failed.value.error_class == "server_error" and failed.value.http_status == 500
        cloud.faults = []
        with pytest.raises(PermanentError) as bad:
            provider.analyse(b"not a jpeg")
        assert bad.value.http_status == 400 and bad.value.error_class == "bad_request"
    finally:
        provider.close()


@pytest.mark.parametrize("kind", ["rekognition", "google", "openai"])
@pytest.mark.usefixtures("credentials")
def test_a_timeout_is_transient(cloud: VisionServer, a_person: bytes, kind: str) -> None:
    provider = build_provider(provider_config(cloud, kind, timeout_s=0.3))
    cloud.faults = [Fault(DAY.replace(year=2000), DAY.replace(year=2100), "timeout", delay_s=1.0)]
    try:
        with pytest.raises(TransientError) as timed_out:
            provider.analyse(a_person)
    finally:
        provider.close()
    assert timed_out.value.error_class == "timeout"
    assert sum(cloud.tally.answered.values()) == 0


@pytest.mark.usefixtures("credentials")
def test_faults_can_be_switched_on_over_http(cloud: VisionServer, a_person: bytes) -> None:
    """What a `homelake simulate` user does to rehearse an outage: POST /_sim/faults."""
    assert httpx.post(f"{cloud.url}/_sim/faults", json={"kind": "nope"}).status_code == 400
    answer = httpx.post(f"{cloud.url}/_sim/faults", json={"kind": "500", "seconds": 3600})
    assert answer.status_code == 200 and answer.json()["kind"] == "500"
    provider = build_provider(provider_config(cloud, "google"))
    try:
        with pytest.raises(TransientError, match="500"):
            provider.analyse(a_person)
    finally:
        provider.close()
