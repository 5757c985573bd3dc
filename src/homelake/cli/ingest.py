"""`homelake ingest`: MQTT → lake, at least once (acknowledged after the durable write), until stopped."""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from homelake.cli.common import UserError, load
from homelake.lake.writer import LakeWriter
from homelake.logs import register_secret
from homelake.runtime.mqtt.ingester import Ingester
from homelake.runtime.mqtt.metrics import serve_metrics
from homelake.sources import DATASETS

log = logging.getLogger("homelake.ingest")
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Site file (default $HOMELAKE_CONFIG or ./site.yaml).")
]


def ingest(
    config: ConfigOpt = None,
    client_id: Annotated[str | None, typer.Option(help="Override mqtt.client_id (one per worker).")] = None,
    shared_group: Annotated[
        str | None, typer.Option(help="Join a shared subscription group ($share/<group>/...) to scale out.")
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve /metrics and /healthz on this port (default mqtt.metrics.port, 9108).")
    ] = None,
    summary_every: Annotated[
        float, typer.Option("--summary-every", min=1, help="Seconds between summary log lines.")
    ] = 300.0,
) -> None:
    """Subscribe (QoS 1, persistent session) and land every MQTT message in the lake, verbatim and parsed."""
    settings = load(config)
    if settings.mqtt is None or not settings.mqtt.enabled:
        raise UserError("no 'mqtt:' section in the site file (host, port, client_id...); see the README")
    cfg = settings.mqtt.model_copy(
        update={k: v for k, v in {"client_id": client_id, "shared_group": shared_group}.items() if v}
    )
    password = cfg.password.resolve() if cfg.password else None
    register_secret(password)
    lake = LakeWriter(settings.lake.root, collector=cfg.client_id)
    lake.ensure_anchors(DATASETS.values())
    ingester = Ingester(cfg, lake, password=password, local_tz=settings.tz)
    server = None
    if metrics_port is not None or cfg.metrics is not None:
        host = cfg.metrics.host if cfg.metrics else "127.0.0.1"
        port = metrics_port if metrics_port is not None else cfg.metrics.port  # type: ignore[union-attr]
        try:
            server = serve_metrics(ingester.metrics, host, port)
        except OSError as exc:  # another ingester has it: ingesting matters more than the endpoint
            log.warning("metrics endpoint not started on %s:%d (%s); set mqtt.metrics.port", host, port, exc.strerror)
        else:
            log.info("metrics on http://%s:%d/metrics", host, server.server_address[1])
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    ingester.start()
    log.info("ingesting from %s:%d as %s filters=%s", cfg.host, cfg.port, cfg.client_id, cfg.subscriptions())
    if cfg.tls and cfg.verify_tls is False:
        log.warning("TLS certificate verification of the MQTT broker is off (mqtt.verify_tls: false)")
    elif not cfg.tls and cfg.username and cfg.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("the MQTT password goes to %s in clear text; set mqtt.tls: true if the broker offers TLS", cfg.host)
    last = None
    while not done.wait(summary_every):
        log.info("ingest summary %s", ingester.metrics.summary(last, time.time()))
        last = ingester.metrics.snapshot()
    log.info("ingest summary %s", ingester.metrics.summary(last, time.time()))
    log.info("stopping: writing and acknowledging what was received")
    ingester.stop()
    if server is not None:
        server.shutdown()
