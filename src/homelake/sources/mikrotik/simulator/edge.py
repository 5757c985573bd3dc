"""The firewall's view of the uplink and the LAN's traffic, rendered from the site model: WAN link state, DHCP
client, pings, Netwatch, the connection table, DNS cache and IPv6 neighbours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from homelake.sim.model.flows import FORWARDED_PORT, FORWARDED_TO_PORT, SERVICES, flows_at
from homelake.sim.model.model import Router
from homelake.sim.model.neighbours import ipv6_neighbours, link_local_address
from homelake.sim.model.site import Site
from homelake.sim.model.uplink import GATEWAY, ISP_DNS, PROBE_TARGETS, PUBLIC_IPS, RESOLVER, Uplink
from homelake.sources.mikrotik.simulator.payloads import format_duration, interfaces

WAN = "ether1"
DHCP_CLIENT, PING = "/ip/dhcp-client", "/ping"
CONNECTIONS, DNS_CACHE = "/ip/firewall/connection", "/ip/dns/cache"
NETWATCH = "/tool/netwatch"
IPV6_NEIGHBORS = "/ipv6/neighbor"
LAN_BRIDGE = "bridge"
ISP_ROUTER_MAC = "00:00:5e:00:53:01"  # the ISP's router on the WAN port (a documentation MAC, RFC 7042)
NETWATCH_INTERVAL_S, NETWATCH_PACKETS = 10, 10  # RouterOS's defaults: a test every 10 s, 10 echoes (icmp)
NETWATCH_COMMENTS = {GATEWAY: "isp gateway", RESOLVER: "public resolver", ISP_DNS: "isp dns"}
PACKET_BYTES = 900
SERVICE_PORTS = {"tcp": 443, "udp": 123}  # https; NTP for the short-lived time queries
MAX_COUNT = 100


def _local(site: Site, t: datetime) -> str:
    return t.astimezone(site.tz).strftime("%Y-%m-%d %H:%M:%S")


def wan_interfaces(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    """`/interface` with the WAN port following the uplink: running, link-downs, last link down/up."""
    uplink = Uplink(site)
    rows = interfaces(site, router, t)
    for row in rows:
        if row.get("name") != WAN:
            continue
        row["running"] = "true" if uplink.link_up(t) else "false"
        row["link-downs"] = str(uplink.link_downs(t))
        down, up = uplink.last_link_change(t)
        if down is not None:
            row["last-link-down-time"] = _local(site, down)
        if up is not None:
            row["last-link-up-time"] = _local(site, up)
    return rows


def dhcp_client(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    """`/ip/dhcp-client` on the WAN port: bound with the public address, or searching while the link is down."""
    del router
    uplink = Uplink(site)
    address = uplink.public_ip(t)
    row = {".id": "*1", "interface": WAN, "add-default-route": "yes", "use-peer-dns": "true",
           "dynamic": "false", "disabled": "false", "invalid": "false"}  # fmt: skip
    if address is None:
        return [row | {"status": "searching..."}]
    lease_s = 3600 - int(t.timestamp()) % 3600
    return [row | {"status": "bound", "address": f"{address}/24", "gateway": GATEWAY, "dhcp-server": GATEWAY,
                   "primary-dns": ISP_DNS, "expires-after": format_duration(lease_s)}]  # fmt: skip


def ping(site: Site, address: str, count: int, t: datetime) -> list[dict[str, str]]:
    """`POST /rest/ping {address, count}`: one row per echo (one a second) with the running totals."""
    uplink = Uplink(site)
    rows: list[dict[str, str]] = []
    received, rtts = 0, []
    for seq in range(max(1, min(count, MAX_COUNT))):
        rtt = uplink.rtt_ms(address, t + timedelta(seconds=seq), seq)
        row = {"host": address, "seq": str(seq), "sent": str(seq + 1)}
        if rtt is not None:
            received += 1
            rtts.append(rtt)
        row |= {"received": str(received), "packet-loss": str(100 - received * 100 // (seq + 1))}
        if rtt is None:
            row["status"] = "timeout"
        else:
            micro = round(rtt * 1000)
            avg = round(sum(rtts) / len(rtts) * 1000)
            row |= {"size": "56", "ttl": "60", "time": f"{micro // 1000}ms{micro % 1000}us",
                    "avg-rtt": f"{avg // 1000}ms{avg % 1000}us"}  # fmt: skip
        rows.append(row)
    return rows


def _ms(value: float) -> str:
    micro = round(value * 1000)
    ms, us = divmod(micro, 1000)
    return f"{ms}ms{us}us" if ms else f"{us}us"


def netwatch(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    """`/tool/netwatch`: an icmp entry per probe target, down while the uplink model makes it unreachable;
    `since` is the last transition (or the boot), in the router's wall clock. The up script is there, as on
    a real router, so that a collector that does not ask for it is seen not to store it."""
    uplink = Uplink(site)
    boot = site.router_boot_at(router.name, t)
    done = int((t - boot).total_seconds()) // NETWATCH_INTERVAL_S
    last_test = boot + timedelta(seconds=done * NETWATCH_INTERVAL_S)
    rows = []
    for number, target in enumerate(PROBE_TARGETS, start=1):
        spans = uplink.unreachable_spans(target)
        failed = sum(max(0, int((min(b, t) - max(a, boot)).total_seconds())) // NETWATCH_INTERVAL_S for a, b in spans)
        since = max([boot, *(edge for span in spans for edge in span if boot <= edge <= t)])
        row = {".id": f"*{number:X}", "host": target, "type": "icmp", "interval": f"{NETWATCH_INTERVAL_S}s",
               "timeout": "3s", "comment": NETWATCH_COMMENTS.get(target, ""), "disabled": "false",
               "status": "up" if uplink.reachable(target, t) else "down", "since": _local(site, since),
               "done-tests": str(done), "failed-tests": str(failed), "sent-count": str(NETWATCH_PACKETS),
               "up-script": "/tool fetch url=\"https://hooks.example.net/up?token=sim-secret\""}  # fmt: skip
        rtts = [r for seq in range(NETWATCH_PACKETS) if (r := uplink.rtt_ms(target, last_test, seq)) is not None]
        lost = NETWATCH_PACKETS - len(rtts)
        row |= {"response-count": str(len(rtts)), "loss-count": str(lost),
                "loss-percent": f"{lost * 100 // NETWATCH_PACKETS}%"}  # fmt: skip
        if rtts:
            mean = sum(rtts) / len(rtts)
            steps = [abs(b - a) for a, b in pairwise(rtts)] or [0.0]
            stdev = (sum((r - mean) ** 2 for r in rtts) / len(rtts)) ** 0.5
            row |= {"rtt-avg": _ms(mean), "rtt-min": _ms(min(rtts)), "rtt-max": _ms(max(rtts)),
                    "rtt-jitter": _ms(max(steps)), "rtt-stdev": _ms(stdev)}  # fmt: skip
        rows.append(row)
    return rows


def _endpoint(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def connections(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    """`/ip/firewall/connection`: the LAN's open connections to external services (src-nat to the public address;
    IPv6 is not NATed), and outsiders' connections to the forwarded port (dst-nat to the LAN host)."""
    del router
    uplink = Uplink(site)
    rows = []
    for number, flow in enumerate(flows_at(site, t), start=1):
        public = uplink.public_ip(flow.started_at) or PUBLIC_IPS[0]  # NAT keeps a connection's address
        remote = flow.service.address
        if flow.inbound:  # the outside originates: orig = theirs, reply = the LAN host's
            orig = (_endpoint(remote, flow.src_port), _endpoint(public, FORWARDED_PORT))
            reply = (_endpoint(flow.src_address, FORWARDED_TO_PORT), _endpoint(remote, flow.src_port))
            orig_bytes, repl_bytes, nat = flow.received_bytes, flow.sent_bytes, ("false", "true")
        else:
            v6 = ":" in remote
            orig = (_endpoint(flow.src_address, flow.src_port), _endpoint(remote, SERVICE_PORTS[flow.protocol]))
            reply = (orig[1], _endpoint(flow.src_address if v6 else public, flow.src_port))
            orig_bytes, repl_bytes, nat = flow.sent_bytes, flow.received_bytes, ("false" if v6 else "true", "false")
        row = {
            ".id": f"*{number:X}", "protocol": flow.protocol, "src-address": orig[0], "dst-address": orig[1],
            "reply-src-address": reply[0], "reply-dst-address": reply[1],
            "timeout": "23h59m59s" if flow.protocol == "tcp" else "2m59s",
            "orig-packets": str(orig_bytes // PACKET_BYTES + 1), "orig-bytes": str(orig_bytes),
            "repl-packets": str(repl_bytes // PACKET_BYTES + 1), "repl-bytes": str(repl_bytes),
            "assured": "true", "seen-reply": "true", "confirmed": "true", "dying": "false", "fasttrack": "false",
            "srcnat": nat[0], "dstnat": nat[1],
        }  # fmt: skip
        if flow.protocol == "tcp":
            row["tcp-state"] = "established"
        rows.append(row)
    return rows


def dns_cache(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    """`/ip/dns/cache`: the services' names as the LAN resolved them (TTLs count down over the hour)."""
    del router
    ttl = format_duration(3600 - int(t.timestamp()) % 3600)
    return [
        {".id": f"*{n:X}", "name": service.name, "type": "AAAA" if ":" in service.address else "A",
         "data": service.address, "ttl": ttl, "static": "false"}
        for n, service in enumerate(SERVICES.values(), start=1)
    ]  # fmt: skip


def ipv6_neighbors(site: Site, router: Router, t: datetime) -> list[dict[str, str]]:
    """`/ipv6/neighbor`: the ISP's router on the WAN port (failed, without a MAC, while the link is down), then every
    address the LAN's IPv6 devices use (link-local, SLAAC, temporary) with the device's MAC, as RouterOS prints it."""
    del router
    link_up = Uplink(site).link_up(t)
    isp = {"address": link_local_address(ISP_ROUTER_MAC), "interface": WAN, "router": "true",
           "status": "reachable" if link_up else "failed"}  # fmt: skip
    if link_up:
        isp["mac-address"] = ISP_ROUTER_MAC.upper()
    rows = [isp] + [
        {"address": n.address, "interface": LAN_BRIDGE, "mac-address": n.mac.upper(), "router": "false",
         "status": n.status}
        for n in ipv6_neighbours(site, t)
    ]  # fmt: skip
    return [{".id": f"*{number:X}", "comment": "", "dynamic": "true"} | row for number, row in enumerate(rows, 1)]


def edge_menus(router: Router) -> dict[str, Callable[[Site, Router, datetime], Any]]:
    """The firewall's extra menus (and its `/interface` with the WAN link following the uplink)."""
    if router.role != "firewall":
        return {}
    return {"/interface": wan_interfaces, DHCP_CLIENT: dhcp_client, CONNECTIONS: connections, DNS_CACHE: dns_cache,
            NETWATCH: netwatch, IPV6_NEIGHBORS: ipv6_neighbors}  # fmt: skip
