"""`homelake check`: every secret read, every configured target polled once and the MQTT broker connected
once, each outcome a row saying what is wrong and how to fix it."""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass

from homelake.logs import redact, register_secret
from homelake.runtime.families import build_targets
from homelake.runtime.mqtt import wire
from homelake.runtime.mqtt.config import MqttConfig
from homelake.secrets import SecretError
from homelake.settings import Settings
from homelake.sources import FAMILIES
from homelake.sources.base import PollTarget

CHECK_CLIENT_SUFFIX = "-check"  # never the ingester's own client id: connecting would take its session over


@dataclass(frozen=True)
class Check:
    """One row of the report: what was tried, whether it worked, what happened and how to fix it."""

    what: str
    ok: bool
    detail: str
    fix: str = ""


def _fix_for(error: Exception, target: PollTarget) -> str:
    """A hint from the kind of failure; the message itself names the device, URL or key."""
    name = type(error).__name__.lower()
    if "auth" in name:
        return "check the username and password (secret) of this device in the site file"
    if "tls" in name:
        return "give verify_tls a CA file that signed the device's certificate (or false to opt out)"
    if target.is_transient(error):
        return "is the device on and its URL in the site file right? it did not answer"
    return "see the message; the device answered but not as expected"


async def _poll(target: PollTarget) -> Check:
    what = f"{target.source} {target.name}"
    deadline = target.timeout_s * 6  # as the poller allows a whole poll
    # a target whose poll does paid or irreversible work (sending pictures to a cloud service) offers `check()`:
    # it proves its configuration and reachability instead, and the check never polls it
    probe = getattr(target, "check", None) or target.poll
    try:
        outcome = await asyncio.wait_for(probe(), timeout=deadline)
    except TimeoutError:
        return Check(what, ok=False, detail=f"no answer within {deadline:.0f}s", fix="is the device on?")
    except Exception as exc:  # a target's bug is reported as this target's failure, not a crash
        return Check(what, ok=False, detail=redact(f"{type(exc).__name__}: {exc}"), fix="a bug: please report it")
    finally:
        await target.aclose()
    if outcome.errors:
        error = outcome.errors[0]
        return Check(what, ok=False, detail=redact(str(error)), fix=_fix_for(error, target))
    return Check(what, ok=True, detail=f"{outcome.row_count} rows")


def _targets(settings: Settings) -> tuple[list[PollTarget], list[Check]]:
    """Each family's static targets; a secret that cannot be read is that family's failed row."""
    targets: list[PollTarget] = []
    failed: list[Check] = []
    for spec in FAMILIES:
        try:
            targets.extend(build_targets(settings, [spec.name], collector="homelake-check"))
        except SecretError as exc:
            failed.append(Check(f"{spec.name} secrets", ok=False, detail=str(exc), fix="export it or fix the key"))
    return targets, failed


def check_broker(cfg: MqttConfig) -> Check:
    """Connect once (CONNECT, wait for CONNACK) under the ingester's client id plus `-check`, then disconnect."""
    what = f"mqtt broker {cfg.host}:{cfg.port}"
    try:
        password = cfg.password.resolve() if cfg.password else None
    except SecretError as exc:
        return Check(what, ok=False, detail=str(exc), fix="export it or fix the key")
    register_secret(password)
    timeout_s = 5.0
    try:
        with socket.create_connection((cfg.host, cfg.port), timeout=timeout_s) as raw:
            context = cfg.tls_context()
            sock = context.wrap_socket(raw, server_hostname=cfg.host) if context else raw
            connect = wire.encode_connect(
                cfg.client_id + CHECK_CLIENT_SUFFIX,
                protocol=cfg.protocol,
                keepalive_s=30,
                session_expiry_s=0,  # MQTT 5: the check's session ends with it
                username=cfg.username,
                password=password,
            )
            sock.sendall(connect)
            reader = wire.PacketReader(cfg.protocol)
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                data = sock.recv(4096)
                if not data:
                    break
                for kind, _flags, body in reader.feed(data)[1]:
                    if kind == wire.CONNACK:
                        ack = wire.decode_connack(body, cfg.protocol)
                        sock.sendall(bytes((0xE0, 0)))  # DISCONNECT
                        if ack.accepted:
                            return Check(what, ok=True, detail=f"connected (MQTT {cfg.protocol})")
                        return Check(
                            what, ok=False, detail=f"refused: {ack.reason}", fix="check mqtt.username/password"
                        )
            return Check(what, ok=False, detail="closed before accepting the connection", fix="check mqtt.tls/port")
    except (OSError, wire.ProtocolError) as exc:
        return Check(
            what,
            ok=False,
            detail=f"cannot connect to {cfg.host}:{cfg.port} ({exc})",
            fix="start a broker (apt install mosquitto) or fix mqtt.host/mqtt.port",
        )


def dashboard_secrets(settings: Settings) -> list[Check]:
    auth = settings.dashboard.auth
    refs = [ref for ref in (auth.token, auth.password) if ref is not None]
    checks = []
    for ref in refs:
        try:
            register_secret(ref.resolve())
        except SecretError as exc:
            checks.append(Check("dashboard secrets", ok=False, detail=str(exc), fix="export it or fix the key"))
    return checks


async def check_site(settings: Settings) -> list[Check]:
    """Every check of the site, in order: secrets, each target (polled concurrently), then the broker."""
    targets, checks = _targets(settings)
    checks += dashboard_secrets(settings)
    checks += await asyncio.gather(*(_poll(target) for target in targets))
    if settings.mqtt is not None and settings.mqtt.enabled:
        checks.append(await asyncio.to_thread(check_broker, settings.mqtt))
    return checks
