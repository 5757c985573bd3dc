"""One loopback HTTP server speaking the three providers' wire formats: Rekognition's JSON 1.1 `DetectLabels`
(for boto3 with `endpoint_url`), Cloud Vision's `POST /v1/images:annotate`, and OpenAI's
`POST /v1/chat/completions`. It counts what it answers per image and injects faults on a clock."""

from __future__ import annotations

import base64
import hashlib
import re
import select
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import orjson

from homelake.sources.vision.simulator import answers
from homelake.sources.vision.simulator.answers import Noise

REKOGNITION_TARGET = "RekognitionService.DetectLabels"
FAULT_KINDS = ("429", "500", "timeout", "slow")
# google-auth signs every service-account JWT for Google's token endpoint, whatever `token_uri` it posts to
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a password


@dataclass(frozen=True)
class Fault:
    """From `start` to `end` (on the simulator's clock) every request gets `kind`: 429 (throttled, with
    Retry-After), 500, timeout (no answer for `delay_s`), slow (the answer after `delay_s`)."""

    start: datetime
    end: datetime
    kind: str
    delay_s: float = 0.0
    retry_after_s: float | None = 2.0


def _private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class Credentials:
    access_key_id: str = "AKIASIMULATED0000001"
    secret_access_key: str = "simulated-secret"  # noqa: S105 - a simulator's published test login
    google_api_key: str = "sim-google-key"
    openai_api_key: str = "sim-openai-key"
    service_account_email: str = "homelake-vision@homelake-sim.iam.gserviceaccount.com"
    private_key_id: str = "sim-key-1"
    private_key: str = field(default_factory=_private_key_pem, repr=False)  # a fresh RSA key per simulator

    def public_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

        key = serialization.load_pem_private_key(self.private_key.encode(), password=None)
        return (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def service_account_json(self, token_uri: str) -> str:
        """The service-account key file Cloud Console would download, its `token_uri` pointing at `token_uri`."""
        return orjson.dumps(
            {
                "type": "service_account",
                "project_id": "homelake-sim",
                "private_key_id": self.private_key_id,
                "private_key": self.private_key,
                "client_email": self.service_account_email,
                "client_id": "100000000000000000001",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": token_uri,
            }
        ).decode()


@dataclass
class Tally:
    """What the server saw: requests and answers per (provider kind, image sha256)."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    answered: Counter[tuple[str, str]] = field(default_factory=Counter)  # 200s the client was still there for
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    other: Counter[str] = field(default_factory=Counter)  # requests that analyse nothing: token, models, health
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, kind: str, sha: str) -> None:
        with self.lock:
            self.requests[(kind, sha)] += 1

    def answer(self, kind: str, sha: str, status: int) -> None:
        with self.lock:
            self.statuses[(kind, status)] += 1
            if status == HTTPStatus.OK:
                self.answered[(kind, sha)] += 1


def _gone(sock: socket.socket) -> bool:
    """True when the client closed the connection (e.g. its process was killed) while we were thinking."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class VisionServer:
    """The three simulated providers on one port (127.0.0.1, a free port unless given)."""

    def __init__(  # noqa: PLR0913 - the knobs of a simulated cloud
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        noise: Noise | None = None,
        faults: list[Fault] | None = None,
        clock: Callable[[], datetime] | None = None,
        credentials: Credentials | None = None,
    ) -> None:
        self.noise = noise or Noise()
        self.faults = list(faults or [])
        self.clock = clock or (lambda: datetime.now(UTC))
        self.credentials = credentials or Credentials()
        self.tally = Tally()
        self.tokens: set[str] = set()  # access tokens granted to the service account
        self._public_pem: str | None = None
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="vision-sim", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def public_pem(self) -> str:
        if self._public_pem is None:
            self._public_pem = self.credentials.public_pem()
        return self._public_pem

    def grant(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """OAuth 2.0 JWT bearer grant (RFC 7523), as Google's token endpoint answers it: the assertion must be
        signed by the service account's key, for this token URI, and not expired."""
        from google.auth import jwt  # noqa: PLC0415

        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(form["assertion"][0], certs={self.credentials.private_key_id: self.public_pem()},  # type: ignore[no-untyped-call]
                                audience=[self.token_uri, GOOGLE_TOKEN_AUDIENCE])  # fmt: skip
        except (KeyError, IndexError, ValueError) as exc:
            return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT Signature. ({exc})"[:200]}
        if claims.get("iss") != self.credentials.service_account_email:
            return 400, {"error": "invalid_grant", "error_description": "Invalid issuer."}
        token = f"ya29.sim-{len(self.tokens) + 1}"
        self.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def fault_now(self) -> Fault | None:
        now = self.clock()
        return next((f for f in self.faults if f.start <= now < f.end), None)


def _handler(server: VisionServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body go out as two writes: without this, Nagle and delayed ACKs add 40 ms an answer
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: ANN401 - quiet
            return

        def _send(self, kind: str, sha: str, status: int, body: Any, headers: dict[str, str] | None = None) -> None:  # noqa: ANN401
            if _gone(self.connection):
                return  # the client is gone: nothing is delivered, nothing counted
            data = orjson.dumps(body)
            self.send_response(status)
            content_type = "application/x-amz-json-1.1" if kind == "rekognition" else "application/json"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if kind != "?":  # an analysis (the token, models, health and fault routes are tallied in `other`)
                server.tally.answer(kind, sha, status)  # counted before the bytes leave: the client may read at once
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except OSError:
                return

        def do_GET(self) -> None:
            """`/` and `/_sim/health` (anyone), `/v1/models` (the OpenAI key): they analyse nothing."""
            path = self.path.split("?")[0].rstrip("/") or "/"
            server.tally.other[f"GET {path}"] += 1
            if path in ("/", "/_sim/health"):
                self._send("?", "", 200, {"status": "ok", "services": ["rekognition", "google", "openai"]})
            elif path.endswith("/models"):
                if self.headers.get("Authorization") != f"Bearer {server.credentials.openai_api_key}":
                    refused = {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                               "code": "invalid_api_key"}  # fmt: skip
                    self._send("?", "", 401, {"error": refused})
                    return
                model = {"id": "gpt-4o-mini", "object": "model", "created": 0, "owned_by": "homelake-sim"}
                self._send("?", "", 200, {"object": "list", "data": [model]})
            else:
                self._send("?", "", 404, {"error": {"code": 404, "message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path == "/_sim/faults":
                self._add_fault(body)
            elif self.path == "/token":
                server.tally.other["POST /token"] += 1
                status, answer = server.grant(parse_qs(body.decode()))
                self._send("?", "", status, answer)
            elif self.headers.get("X-Amz-Target") == REKOGNITION_TARGET:
                self._rekognition(body)
            elif self.path.split("?")[0] == "/v1/images:annotate":
                self._google(body)
            elif self.path.split("?")[0].endswith("/chat/completions"):
                self._openai(body)
            else:
                self._send("?", "", 404, {"error": {"code": 404, "message": f"no route {self.path}"}})

        def _add_fault(self, body: bytes) -> None:
            """`POST /_sim/faults {"kind": "429"|"500"|"timeout"|"slow", "seconds": 600, "delay_s": 0}`: from now on
            the simulator's clock, every provider answers with that fault for `seconds`."""
            try:
                spec = orjson.loads(body)
                start = server.clock()
                fault = Fault(start, start + timedelta(seconds=float(spec.get("seconds", 600))), str(spec["kind"]),
                              delay_s=float(spec.get("delay_s", 0)))  # fmt: skip
                if fault.kind not in FAULT_KINDS:
                    raise ValueError(fault.kind)
            except (orjson.JSONDecodeError, KeyError, ValueError, TypeError, AttributeError):
                self._send("?", "", 400, {"error": f"expected {{kind: {'|'.join(FAULT_KINDS)}, seconds}}"})
                return
            server.faults.append(fault)
            self._send(
                "?", "", 200, {"kind": fault.kind, "start": fault.start.isoformat(), "end": fault.end.isoformat()}
            )

        def _fault(self, kind: str, sha: str) -> bool:
            """Apply the fault under way, if any; True when it answered for us."""
            fault = server.fault_now()
            if fault is None:
                return False
            if fault.kind in ("slow", "timeout"):
                time.sleep(fault.delay_s)
                if fault.kind == "slow":
                    return False
                self._send(kind, sha, 504, {"error": {"code": 504, "message": "deadline exceeded"}})
                return True
            wait = {"Retry-After": f"{fault.retry_after_s:g}"} if fault.retry_after_s is not None else {}
            if kind == "rekognition":
                code = "ProvisionedThroughputExceededException" if fault.kind == "429" else "InternalServerError"
                status = 400 if fault.kind == "429" else 500
                self._send(kind, sha, status, {"__type": code, "Message": "simulated fault"}, wait)
            elif fault.kind == "429":
                self._send(
                    kind,
                    sha,
                    429,
                    {
                        "error": {
                            "code": 429,
                            "message": "Rate limit reached (simulated)",
                            "status": "RESOURCE_EXHAUSTED",
                            "type": "rate_limit",
                        }
                    },
                    wait,
                )
            else:
                self._send(
                    kind,
                    sha,
                    500,
                    {
                        "error": {
                            "code": 500,
                            "message": "internal error (simulated)",
                            "status": "INTERNAL",
                            "type": "server_error",
                        }
                    },
                )
            return True

        def _rekognition(self, body: bytes) -> None:
            request = orjson.loads(body)
            jpeg = base64.b64decode(request.get("Image", {}).get("Bytes", ""))
            sha = hashlib.sha256(jpeg).hexdigest()
            server.tally.request("rekognition", sha)
            credential = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
            if not credential or credential.group(1) != server.credentials.access_key_id:
                self._send(
                    "rekognition",
                    sha,
                    400,
                    {
                        "__type": "UnrecognizedClientException",
                        "Message": "The security token included in the request is invalid.",
                    },
                )
                return
            if self._fault("rekognition", sha):
                return
            if not jpeg.startswith(b"\xff\xd8"):
                self._send(
                    "rekognition",
                    sha,
                    400,
                    {"__type": "InvalidImageFormatException", "Message": "Request has invalid image format"},
                )
                return
            answer = answers.rekognition(
                jpeg, server.noise, float(request.get("MinConfidence", 55)), int(request.get("MaxLabels", 1000))
            )
            self._send("rekognition", sha, 200, answer)

        def _google(self, body: bytes) -> None:
            request = orjson.loads(body)
            item = (request.get("requests") or [{}])[0]
            jpeg = base64.b64decode(item.get("image", {}).get("content", ""))
            sha = hashlib.sha256(jpeg).hexdigest()
            server.tally.request("google", sha)
            key = self.headers.get("x-goog-api-key") or (re.findall(r"[?&]key=([^&]+)", self.path) or [None])[0]
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if key != server.credentials.google_api_key and bearer not in server.tokens:
                self._send(
                    "google",
                    sha,
                    403,
                    {"error": {"code": 403, "message": "API key not valid.", "status": "PERMISSION_DENIED"}},
                )
                return
            if self._fault("google", sha):
                return
            if not jpeg.startswith(b"\xff\xd8"):
                self._send(
                    "google",
                    sha,
                    400,
                    {"error": {"code": 400, "message": "Bad image data.", "status": "INVALID_ARGUMENT"}},
                )
                return
            features = {f.get("type"): int(f.get("maxResults", 10)) for f in item.get("features") or []}
            self._send("google", sha, 200, answers.google(jpeg, server.noise, features.get("OBJECT_LOCALIZATION", 10)))

        def _openai(self, body: bytes) -> None:
            request = orjson.loads(body)
            url = next(
                (
                    part["image_url"]["url"]
                    for message in request.get("messages", [])
                    if isinstance(message.get("content"), list)
                    for part in message["content"]
                    if part.get("type") == "image_url"
                ),
                "",
            )
            jpeg = base64.b64decode(url.split(",", 1)[1]) if "," in url else b""
            sha = hashlib.sha256(jpeg).hexdigest()
            server.tally.request("openai", sha)
            if self.headers.get("Authorization") != f"Bearer {server.credentials.openai_api_key}":
                self._send(
                    "openai",
                    sha,
                    401,
                    {
                        "error": {
                            "message": "Incorrect API key provided.",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                        }
                    },
                )
                return
            if self._fault("openai", sha):
                return
            if not jpeg.startswith(b"\xff\xd8"):
                self._send(
                    "openai",
                    sha,
                    400,
                    {"error": {"message": "Invalid image.", "type": "invalid_request_error", "code": "invalid_image"}},
                )
                return
            self._send("openai", sha, 200, answers.openai_chat(jpeg, server.noise, str(request.get("model", "sim"))))

    return Handler
