"""The mikrotik family's network-edge datasets (firewall connections, DNS cache, IPv6 neighbours, router-run pings)."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, B, Dataset, F, I, S, column

MIKROTIK_CONNECTIONS = Dataset(
    "mikrotik",
    "firewall_connections",
    (
        column("protocol", S),
        column("src_ip", S),
        column("src_port", I),
        column("dst_ip", S),
        column("dst_port", I),
        column("reply_src_ip", S),
        column("reply_dst_ip", S),
        column("tcp_state", S),
        column("orig_bytes", I),
        column("repl_bytes", I),
        column("orig_packets", I),
        column("repl_packets", I),
        column("is_assured", B),
        column("is_seen_reply", B),
        column("is_srcnat", B),
        column("is_dstnat", B),
        column("timeout_s", F),
    ),
    "One row per tracked connection per poll (cumulative counters; a flow is its protocol and 4-tuple).",
)

MIKROTIK_DNS_CACHE = Dataset(
    "mikrotik",
    "dns_cache",
    (
        column("name", S),
        column("record_type", S),
        column("data", S),
        column("ttl_s", F),
    ),
    "The router's DNS cache per poll: which names the LAN resolved to which addresses.",
)

MIKROTIK_IPV6_NEIGHBORS = Dataset(
    "mikrotik",
    "ipv6_neighbors",
    (
        column("address", S, False),
        column("mac", S),
        column("interface", S),
        column("status", S),
        column("is_router", B),
    ),
    "The router's IPv6 neighbour table per poll: which MAC each LAN address (SLAAC, temporary, link-local) belongs "
    "to; mac is null for an entry still resolving or failed.",
)

MIKROTIK_PINGS = Dataset(
    "mikrotik",
    "pings",
    (
        column("seq", I),
        column("host", S),
        column("rtt_ms", F),
        column("sent", I),
        column("received", I),
        column("packet_loss_pct", F),
        column("avg_rtt_ms", F),
    ),
    "One row per echo of a router-run ping (`/rest/ping` with a count); rtt_ms is null for a lost packet.",
)

MIKROTIK_DHCP_CLIENT = Dataset(
    "mikrotik",
    "dhcp_client",
    (
        column("interface", S),
        column("status", S),
        column("address", S),
        column("prefix_length", I),
        column("gateway", S),
        column("dhcp_server", S),
        column("primary_dns", S),
        column("expires_after_s", F),
        column("is_disabled", B),
    ),
    "The router's DHCP clients per poll (on the WAN port: the public address the ISP gave, or none while searching).",
)

MIKROTIK_NETWATCH = Dataset(
    "mikrotik",
    "netwatch",
    (
        column("entry_id", S),
        column("host", S),
        column("probe_type", S),
        column("status", S),
        column("since_at", UTC_TS),
        column("comment", S),
        column("is_disabled", B),
        column("interval_s", F),
        column("done_tests", I),
        column("failed_tests", I),
        column("loss_pct", F),
        column("rtt_avg_ms", F),
        column("rtt_min_ms", F),
        column("rtt_max_ms", F),
        column("rtt_jitter_ms", F),
        column("rtt_stdev_ms", F),
    ),
    "The router's Netwatch entries per poll: each watched host's status (up/down/unknown) and since when "
    "(`since`, the router's local time stored as UTC); ICMP probes add the last test's loss and round trips.",
)

GEOIP_LOOKUPS = Dataset(
    "mikrotik",
    "geoip_lookups",
    (
        column("address", S, False),
        column("country_code", S),
        column("asn", I),
        column("as_org", S),
        column("database", S, False),
    ),
    "Country and ASN of each external address seen in a connection, naming the database builds that answered.",
)

EDGE_DATASETS: tuple[Dataset, ...] = (
    MIKROTIK_CONNECTIONS,
    MIKROTIK_DNS_CACHE,
    MIKROTIK_IPV6_NEIGHBORS,
    MIKROTIK_PINGS,
    MIKROTIK_DHCP_CLIENT,
    MIKROTIK_NETWATCH,
    GEOIP_LOOKUPS,
)
