"""CoIoT (Shelly's CoAP v2 dialect) of a simulated Gen1 device: the `cit/d` description (also over HTTP
`GET /cit/d`), the `cit/s` status, and a UDP responder on port 5683 of the device's address.

A request is a CoAP GET with Uri-Path `cit` / `d|s`; the device answers 2.05 Content (code 69) with option
3332 = `<model>#<MAC>#2` (the device id clients key on), 3412 (validity, s) and 3420 (serial), then the JSON
payload. `cit/d`: blocks `{"I","D"}` (`relay_0`, `light_0`, `device`) and sensors `{"I","T","D","U","R","L"}`;
`cit/s`: `{"G": [[channel, sensor id, value], ...]}`. Energy is in watt-minutes, as `/status` reports it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any

from homelake.sim.model.shelly_devices import ShellyDevice
from homelake.sim.model.shelly_state import ShellyState

COAP_PORT = 5683
CONTENT, PERIODIC = 69, 30  # 2.05 Content (a reply) and Shelly's 0.30 code for periodic multicasts
OPT_URI_PATH, OPT_DEVICE_ID, OPT_VALIDITY, OPT_SERIAL = 11, 3332, 3412, 3420
# RFC 7252 3.1: an option delta/length nibble of 13 or 14 means one or two extension bytes follow.
_EXT8, _EXT8_BASE = 13, 13
_EXT16, _EXT16_BASE, _EXT16_LEN = 14, 269, 2
_HEADER_LEN, _MAX_TOKEN_LEN, _PAYLOAD_MARKER = 4, 8, 0xFF
_TEMPERATURE_MODELS = ("SHPLG-S", "SHSW-25")


def _sensors(dev: ShellyDevice) -> list[tuple[dict[str, Any], Callable[[ShellyState, float], Any]]]:
    """(description, value at t) per CoIoT sensor of the device, in `cit/d` order."""
    out: list[tuple[dict[str, Any], Callable[[ShellyState, float], Any]]] = []
    device_blk = dev.spec.outputs + len(dev.emeters) + 1
    out.append(({"I": 9103, "T": "EVC", "D": "cfgChanged", "R": "U16", "L": device_blk}, lambda st, t: 0))
    for ch in range(dev.spec.outputs):
        blk, base = ch + 1, 100 * (ch + 1)

        def on(st: ShellyState, t: float, ch: int = ch) -> int:
            return int(st.output(dev, ch, t))

        out.append(({"I": 1001 + base, "T": "S", "D": "output", "R": "0/1", "L": blk}, on))
        if ch in dev.metered:

            def power(st: ShellyState, t: float, ch: int = ch) -> float:
                return round(st.power_w(dev, ch, t), 2)

            out.append(({"I": 4001 + base, "T": "P", "D": "power", "U": "W", "R": ["0/2500", "-1"], "L": blk}, power))
        if ch in dev.metered and dev.has_counter:

            def energy(st: ShellyState, t: float, ch: int = ch) -> int:
                return st.gen1_total_wmin(dev, ch, t)

            out.append(({"I": 4003 + base, "T": "E", "D": "energy", "U": "Wmin", "R": ["U32", "-1"], "L": blk}, energy))
        if dev.spec.output_kind == "relay":
            out.append(({"I": 6002 + base, "T": "A", "D": "overpower", "R": ["0/1", "-1"], "L": blk}, lambda st, t: 0))
    for ch in dev.emeters:  # the EM: block emeter_<ch> after the relay, sensors 4105.. + 100 * ch (Wh, not Wmin)
        out += _emeter_sensors(dev, ch, blk=dev.spec.outputs + 1 + ch)
    if dev.model in _TEMPERATURE_MODELS:
        out += [
            ({"I": 3104, "T": "T", "D": "deviceTemp", "U": "C", "R": ["-40/300", "999"], "L": device_blk},
             lambda st, t: st.device_temperature_c(dev, t)),
            ({"I": 3105, "T": "T", "D": "deviceTemp", "U": "F", "R": ["-40/572", "999"], "L": device_blk},
             lambda st, t: round(st.device_temperature_c(dev, t) * 9 / 5 + 32, 2)),
            ({"I": 6101, "T": "A", "D": "overtemp", "R": ["0/1", "-1"], "L": device_blk}, lambda st, t: 0),
        ]  # fmt: skip
    return out


def _emeter_sensors(
    dev: ShellyDevice, ch: int, blk: int
) -> list[tuple[dict[str, Any], Callable[[ShellyState, float], Any]]]:
    base = 4105 + 100 * ch
    return [
        ({"I": base, "T": "P", "D": "power", "U": "W", "R": ["0/31800", "-1"], "L": blk},
         lambda st, t: round(st.em_power_w(dev, ch, t), 2)),
        ({"I": base + 1, "T": "E", "D": "energy", "U": "Wh", "R": ["U32", "-1"], "L": blk},
         lambda st, t: st.em_total_wh(dev, ch, t)),
        ({"I": base + 2, "T": "E", "D": "energyReturned", "U": "Wh", "R": ["U32", "-1"], "L": blk},
         lambda st, t: st.em_returned_wh(dev, ch, t)),
        ({"I": base + 3, "T": "V", "D": "voltage", "U": "V", "R": ["0/265", "-1"], "L": blk},
         lambda st, t: st.em_voltage_v(dev, t)),
    ]  # fmt: skip


def render_cit_d(dev: ShellyDevice) -> dict[str, Any]:
    """The CoIoT description of the device (`GET /cit/d`, CoAP `cit/d`)."""
    kind = "light" if dev.spec.output_kind == "light" else "relay"
    blocks = [{"I": ch + 1, "D": f"{kind}_{ch}"} for ch in range(dev.spec.outputs)]
    blocks += [{"I": dev.spec.outputs + 1 + ch, "D": f"emeter_{ch}"} for ch in dev.emeters]
    device = {"I": dev.spec.outputs + len(dev.emeters) + 1, "D": "device"}
    return {"blk": [*blocks, device], "sen": [d for d, _ in _sensors(dev)]}


def render_cit_s(st: ShellyState, dev: ShellyDevice, t: float) -> dict[str, Any]:
    """The CoIoT status at epoch second t (CoAP `cit/s`, and the periodic multicast)."""
    return {"G": [[0, desc["I"], value(st, t)] for desc, value in _sensors(dev)]}


def _option(delta: int, value: bytes) -> bytes:
    def nibble(n: int) -> tuple[int, bytes]:
        if n < _EXT8_BASE:
            return n, b""
        if n < _EXT16_BASE:
            return _EXT8, bytes([n - _EXT8_BASE])
        return _EXT16, struct.pack("!H", n - _EXT16_BASE)

    d, d_ext = nibble(delta)
    n, n_ext = nibble(len(value))
    return bytes([d << 4 | n]) + d_ext + n_ext + value


def encode_message(dev: ShellyDevice, code: int, mid: int, payload: bytes, serial: int) -> bytes:
    """A Shelly CoAP message (non-confirmable) with the device-id, validity and serial options."""
    options = [(OPT_DEVICE_ID, f"{dev.model}#{dev.mac12}#2".encode()), (OPT_VALIDITY, struct.pack("!H", 38400)),
               (OPT_SERIAL, struct.pack("!H", serial % 65536))]  # fmt: skip
    out, last = bytearray(struct.pack("!BBH", 0x50, code, mid)), 0
    for number, value in options:
        out += _option(number - last, value)
        last = number
    return bytes(out) + b"\xff" + payload


def parse_request(data: bytes) -> tuple[int, str] | None:
    """(message id, Uri-Path) of a CoAP GET, or None for anything else."""
    if len(data) < _HEADER_LEN or data[0] >> 6 != 1 or data[1] != 1:
        return None
    tkl = data[0] & 0x0F
    if tkl > _MAX_TOKEN_LEN:
        return None
    (mid,), raw, number, path = struct.unpack("!H", data[2:4]), data[4 + tkl :], 0, []
    while raw and raw[0] != _PAYLOAD_MARKER:
        delta, length, raw = raw[0] >> 4, raw[0] & 0x0F, raw[1:]
        fields = []
        for nib in (delta, length):
            if nib == _EXT8 and raw:
                value, raw = raw[0] + _EXT8_BASE, raw[1:]
            elif nib == _EXT16 and len(raw) >= _EXT16_LEN:
                value, raw = struct.unpack("!H", raw[:_EXT16_LEN])[0] + _EXT16_BASE, raw[_EXT16_LEN:]
            elif nib >= _EXT8:
                return None
            else:
                value = nib
            fields.append(value)
        number += fields[0]
        if len(raw) < fields[1]:
            return None
        if number == OPT_URI_PATH:
            path.append(raw[: fields[1]].decode(errors="replace"))
        raw = raw[fields[1] :]
    return mid, "/".join(path)


class CoapResponder:
    """Answers `cit/d` and `cit/s` on UDP `host:port` while `reachable()`; one daemon thread."""

    def __init__(  # noqa: PLR0913, PLR0917 - the simulator server's one call site passes them in order
        self,
        st: ShellyState,
        dev: ShellyDevice,
        host: str,
        clock: Callable[[], float],
        reachable: Callable[[float], bool],
        port: int = COAP_PORT,
    ) -> None:
        self.st, self.dev, self.clock, self.reachable = st, dev, clock, reachable
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.bind((host, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"sim-coiot-{dev.key}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            request, t = parse_request(data), self.clock()
            if request is None or request[1] not in ("cit/d", "cit/s") or not self.reachable(t):
                continue
            body = render_cit_d(self.dev) if request[1] == "cit/d" else render_cit_s(self.st, self.dev, t)
            payload = json.dumps(body, separators=(",", ":")).encode()
            with contextlib.suppress(OSError):
                self.sock.sendto(encode_message(self.dev, CONTENT, request[0], payload, int(t // 30)), peer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
