"""AWS Rekognition DetectLabels through boto3 (any endpoint_url: the simulator, a VPC endpoint)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from homelake.sources.vision.canonical import Analysis, BBox, Detection, detection
from homelake.sources.vision.config import ProviderConfig
from homelake.sources.vision.providers.base import (
    PermanentError,
    ProviderError,
    TransientError,
    reachable,
    retry_after,
)

TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
        "InternalServerError",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "RequestTimeout",
    }
)


def parse_labels(answer: dict[str, Any]) -> list[Detection]:
    """DetectLabels' `Labels` -> canonical detections: one per instance (with its box); a label without
    instances only when no boxed label already gives its canonical class."""
    labels = answer.get("Labels") or []
    boxed: list[Detection] = []
    loose: list[Detection] = []
    for label in labels:
        name = str(label.get("Name", ""))
        instances = label.get("Instances") or []
        for instance in instances:
            box = instance.get("BoundingBox") or {}
            bbox = BBox.clamped(box["Left"], box["Top"], box["Width"], box["Height"]) if box else None
            boxed.append(detection(name, float(instance.get("Confidence", label.get("Confidence", 0))) / 100, bbox))
        if not instances:
            loose.append(detection(name, float(label.get("Confidence", 0)) / 100, None))
    covered = {d.label for d in boxed}
    return boxed + [d for d in loose if d.label == "other" or d.label not in covered]


class RekognitionProvider:
    kind = "rekognition"

    def __init__(self, config: ProviderConfig, access_key_id: str | None, secret_access_key: str | None) -> None:
        import boto3  # noqa: PLC0415 - boto3 only when this provider is configured
        from botocore.config import Config  # noqa: PLC0415

        self.name, self.model, self.config = config.name, config.model or "rekognition-detect-labels", config
        self.cost_per_call_usd = config.cost_usd
        self.client = boto3.session.Session().client(
            "rekognition",
            region_name=config.region,
            endpoint_url=config.endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            # one attempt per call: the worker's tenacity policy and the outbox do the retrying
            config=Config(
                retries={"total_max_attempts": 1}, connect_timeout=config.timeout_s, read_timeout=config.timeout_s
            ),
        )

    def analyse(self, jpeg: bytes) -> Analysis:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

        try:
            answer = self.client.detect_labels(
                Image={"Bytes": jpeg}, MaxLabels=self.config.max_labels, MinConfidence=self.config.min_confidence
            )
        except ClientError as exc:
            raise _client_error(exc) from None
        except BotoCoreError as exc:  # timeouts, refused connections
            kind = "timeout" if "timeout" in type(exc).__name__.lower() else "connection"
            raise TransientError(f"rekognition: {type(exc).__name__}", error_class=kind) from None
        status = int(answer.get("ResponseMetadata", {}).get("HTTPStatusCode", 200))
        model = f"{self.model}:{answer.get('LabelModelVersion', '?')}"
        return Analysis(tuple(parse_labels(answer)), model, self.cost_per_call_usd, status)

    def check(self) -> str:
        """The endpoint answers (a credential check would need another AWS service: STS or IAM)."""
        return reachable(str(self.client.meta.endpoint_url), self.name, self.config.timeout_s)

    def close(self) -> None:
        self.client.close()


def _client_error(exc: Any) -> ProviderError:  # noqa: ANN401 - botocore's ClientError
    error = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    code, status = str(error.get("Code", "")), int(meta.get("HTTPStatusCode", 0)) or None
    message = f"rekognition {code}: {error.get('Message', '')}"[:300]
    if (
        code in TRANSIENT_CODES
        or status == HTTPStatus.TOO_MANY_REQUESTS
        or (status or 0) >= HTTPStatus.INTERNAL_SERVER_ERROR
    ):
        wait = retry_after((meta.get("HTTPHeaders") or {}).get("retry-after"))
        kind = (
            "throttled"
            if "Throttl" in code or "Throughput" in code or status == HTTPStatus.TOO_MANY_REQUESTS
            else "server_error"
        )
        return TransientError(message, error_class=kind, http_status=status, retry_after_s=wait)
    kind = "forbidden" if code in {"AccessDeniedException", "UnrecognizedClientException"} else "bad_request"
    return PermanentError(message, error_class=kind, http_status=status)
