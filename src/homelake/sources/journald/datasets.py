"""The journald family's lake dataset: one row per journal entry, the contract with the dbt source."""

from __future__ import annotations

from homelake.lake.schemas import B, Dataset, I, S, column

JOURNALD_ENTRIES = Dataset(
    "journald",
    "entries",
    (
        column("cursor", S, False),  # __CURSOR: the entry's identity, for resuming and for dedup in dbt
        column("seqnum", I),  # __SEQNUM (or the cursor's i=), per journal file series
        column("seqnum_id", S),  # __SEQNUM_ID (or the cursor's s=)
        column("monotonic_us", I),  # __MONOTONIC_TIMESTAMP: µs since this boot
        column("boot_id", S),
        column("machine_id", S),
        column("hostname", S),
        column("transport", S),  # journal | stdout | syslog | kernel | audit | driver
        column("unit", S),  # UNIT (systemd's own lines about a unit), else _SYSTEMD_UNIT
        column("identifier", S),  # SYSLOG_IDENTIFIER, else _COMM
        column("pid", I),
        column("priority", I),  # 0 emerg .. 7 debug; null when the entry has none
        column("message", S),  # decoded with replacement, ANSI escapes removed, cut at 64 KiB
        column("message_bytes", I),  # length of MESSAGE as sent (null when the gateway sent it as null)
        column("is_message_truncated", B),
        column("message_id", S),  # MESSAGE_ID (catalog id, e.g. a unit failure)
        column("invocation_id", S),  # _SYSTEMD_INVOCATION_ID (or INVOCATION_ID)
    ),
    "Journal entries followed from systemd-journal-gatewayd, observed_at = the entry's __REALTIME_TIMESTAMP.",
)

DATASETS: tuple[Dataset, ...] = (JOURNALD_ENTRIES,)
