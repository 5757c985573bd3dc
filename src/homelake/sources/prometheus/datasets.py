"""The prometheus family's lake dataset: one long row per sample, the contract with the dbt source."""

from __future__ import annotations

from homelake.lake.schemas import UTC_TS, Dataset, F, S, column

PROMETHEUS_SAMPLES = Dataset(
    "prometheus",
    "samples",
    (
        column("node", S),  # the machine the endpoint describes (a k3s node), from the target's config
        column("job", S),  # what the endpoint is: node (node_exporter), k3s, kube-state-metrics, homelake...
        column("metric_family", S, False),  # as Prometheus's parser names it (counters without `_total`)
        column("name", S, False),  # the sample's own name (`_bucket`, `_sum`, `_count`, `_total` kept)
        column("labels", S, False),  # JSON object, keys sorted, so equal label sets compare equal as text
        column("value", F),  # NaN and +/-Inf kept as floats
        column("metric_type", S, False),  # counter | gauge | histogram | summary | unknown (untyped) | info ...
        column("sample_at", UTC_TS),  # the exposition's own timestamp when the line carries one
    ),
    "Samples of the allow-listed metric families of each scrape, one row per sample (long format).",
)

DATASETS: tuple[Dataset, ...] = (PROMETHEUS_SAMPLES,)
