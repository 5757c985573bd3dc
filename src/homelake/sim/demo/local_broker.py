"""A broker for the demo on a fresh machine: Mosquitto when installed, else amqtt embedded in-process."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from homelake.testing.mosquitto import Mosquitto, find_mosquitto, free_port

log = logging.getLogger(__name__)


@dataclass
class LocalBroker:
    kind: Literal["mosquitto", "amqtt"]
    host: str
    port: int
    protocol: Literal["5", "3.1.1"]  # amqtt speaks MQTT 3.1.1 only
    _mosquitto: Mosquitto | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    def describe(self) -> str:
        if self.kind == "mosquitto":
            return f"Mosquitto ({self._mosquitto.exe if self._mosquitto else 'mosquitto'}) on {self.host}:{self.port}"
        return f"embedded amqtt broker on {self.host}:{self.port} (no Mosquitto installed; slower, fine for a demo)"

    def stop(self) -> None:
        if self._mosquitto is not None:
            self._mosquitto.stop()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)


def _start_amqtt(port: int) -> LocalBroker:
    from amqtt.broker import Broker

    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        broker = Broker({"listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}}}, loop=loop)
        try:
            try:
                loop.run_until_complete(broker.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(broker.shutdown())
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="amqtt-broker", daemon=True)
    thread.start()
    ready.wait(15)
    if failure:
        raise RuntimeError(f"embedded MQTT broker did not start: {failure[0]}")
    # broker.start() returned: it listens (no probe connection, which amqtt would log as an error)
    return LocalBroker("amqtt", "127.0.0.1", port, "3.1.1", _loop=loop, _thread=thread)


def start_local_broker(workdir: Path, *, prefer: Literal["auto", "mosquitto", "amqtt"] = "auto") -> LocalBroker:
    """Start a private broker on a free loopback port; Mosquitto when present, else amqtt."""
    if prefer != "amqtt" and find_mosquitto() is not None:
        broker = Mosquitto(workdir).start()
        return LocalBroker("mosquitto", broker.host, broker.port, "5", _mosquitto=broker)
    if prefer == "mosquitto":
        raise RuntimeError("mosquitto is not installed (apt-get install mosquitto)")
    return _start_amqtt(free_port())
