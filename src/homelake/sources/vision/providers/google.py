"""Google Cloud Vision `images:annotate` over REST (OBJECT_LOCALIZATION + LABEL_DETECTION) with an API key or a
service account (google-auth signs the JWT and exchanges it at the key's `token_uri` for an access token)."""

from __future__ import annotations

import base64
import threading
from http import HTTPStatus
from typing import Any

import httpx

from homelake.logs import register_secret
from homelake.sources.vision.canonical import Analysis, BBox, Detection, detection
from homelake.sources.vision.config import ProviderConfig
from homelake.sources.vision.providers.base import (
    ParseFailure,
    PermanentError,
    TransientError,
    classify_status,
    reachable,
    retry_after,
)

PUBLIC_ENDPOINT = "https://vision.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/cloud-vision"


class ServiceAccount:
    """OAuth access tokens of a service account (google-auth): fetched at first use, refreshed once expired,
    shared by the worker threads. Errors are typed like a call's: a refused key is permanent."""

    def __init__(self, key_json: str, timeout_s: float) -> None:
        import orjson  # noqa: PLC0415
        from google.oauth2 import service_account  # noqa: PLC0415 - google-auth only when configured

        try:
            info = orjson.loads(key_json)
            register_secret(info.get("private_key"))
            load = service_account.Credentials.from_service_account_info
            self.credentials = load(info, scopes=[SCOPE])  # type: ignore[no-untyped-call]
        except (orjson.JSONDecodeError, ValueError, KeyError, AttributeError) as exc:
            raise ValueError(f"google service_account: not a service-account JSON key ({exc})") from None
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def token(self) -> str:
        import google.auth.exceptions as gexc  # noqa: PLC0415
        import urllib3  # noqa: PLC0415
        from google.auth.transport.urllib3 import Request  # noqa: PLC0415

        with self._lock:
            if not self.credentials.valid:
                http = urllib3.PoolManager(timeout=self.timeout_s, retries=False)
                try:
                    self.credentials.refresh(Request(http))  # type: ignore[no-untyped-call]
                except gexc.TransportError as exc:
                    raise TransientError(f"google token: {type(exc).__name__}", error_class="connection") from None
                except gexc.RefreshError as exc:
                    message = f"google token refused: {str(exc)[:200]}"
                    if getattr(exc, "retryable", False):
                        raise TransientError(message, error_class="server_error") from None
                    raise PermanentError(message, error_class="unauthorized") from None
                finally:
                    http.clear()
                register_secret(self.credentials.token)
            return str(self.credentials.token)


def _box(poly: dict[str, Any]) -> BBox | None:
    vertices = poly.get("normalizedVertices") or []
    if not vertices:
        return None
    xs = [float(v.get("x", 0.0)) for v in vertices]  # Google omits a coordinate that is 0
    ys = [float(v.get("y", 0.0)) for v in vertices]
    return BBox.clamped(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def parse_annotate(answer: dict[str, Any]) -> list[Detection]:
    """One `responses[0]` -> detections: each localized object (boxed), then each label whose canonical class
    no object already gives (no box)."""
    responses = answer.get("responses") or [{}]
    first = responses[0]
    if "error" in first:
        raise ValueError(f"annotate error: {first['error'].get('message', '')}")
    objects = [
        detection(str(o.get("name", "")), float(o.get("score", 0)), _box(o.get("boundingPoly") or {}))
        for o in first.get("localizedObjectAnnotations") or []
    ]
    covered = {d.label for d in objects}
    labels = [
        detection(str(label.get("description", "")), float(label.get("score", 0)), None)
        for label in first.get("labelAnnotations") or []
    ]
    return objects + [d for d in labels if d.label == "other" or d.label not in covered]


class GoogleVisionProvider:
    kind = "google"

    def __init__(self, config: ProviderConfig, api_key: str | None, *, service_account: str | None = None) -> None:
        self.name, self.model, self.config = config.name, config.model or "cloud-vision-v1", config
        self.cost_per_call_usd = config.cost_usd
        headers = {"x-goog-api-key": api_key} if api_key else {}  # a header, so the key is in no URL or log
        self.account = ServiceAccount(service_account, config.timeout_s) if service_account else None
        self.http = httpx.Client(
            base_url=(config.endpoint_url or PUBLIC_ENDPOINT).rstrip("/"), headers=headers, timeout=config.timeout_s
        )

    def check(self) -> str:
        """Without sending a picture: a service account's token is fetched (the credentials are proven), else
        the endpoint is asked for nothing and must answer HTTP at all."""
        if self.account is not None:
            self.account.token()
            return "service account token granted"
        return reachable(str(self.http.base_url), self.name, self.config.timeout_s)

    def analyse(self, jpeg: bytes) -> Analysis:
        body = {
            "requests": [
                {
                    "image": {"content": base64.b64encode(jpeg).decode()},
                    "features": [
                        {"type": "OBJECT_LOCALIZATION", "maxResults": self.config.max_labels},
                        {"type": "LABEL_DETECTION", "maxResults": self.config.max_labels},
                    ],
                }
            ]
        }
        headers = {"authorization": f"Bearer {self.account.token()}"} if self.account is not None else None
        try:
            response = self.http.post("/v1/images:annotate", json=body, headers=headers)
        except httpx.TimeoutException:
            raise TransientError("google: timed out", error_class="timeout") from None
        except httpx.TransportError as exc:
            raise TransientError(f"google: {type(exc).__name__}", error_class="connection") from None
        if response.status_code != HTTPStatus.OK:
            message = f"google HTTP {response.status_code}: {_message(response)}"
            raise classify_status(response.status_code, message, retry_after(response.headers.get("retry-after")))
        try:
            detections = parse_annotate(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ParseFailure(f"google: {exc}", text=response.text[:2000], cost_usd=self.cost_per_call_usd) from None
        return Analysis(tuple(detections), self.model, self.cost_per_call_usd, 200)

    def close(self) -> None:
        self.http.close()


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return response.text[:200]
