"""Simulated vision history for the demo: the episode-start pictures the camera family laid in the lake (and
the media tree) for [start, end), each analysed once by the configured provider's simulated answer through the
real parsers, the real outbox (budget caps, privacy switches) and the real worker: no HTTP, no wall clock."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from homelake.sources.base import HistoryContext
from homelake.sources.vision.canonical import Analysis
from homelake.sources.vision.config import ProviderConfig, VisionFamily
from homelake.sources.vision.outbox import Outbox
from homelake.sources.vision.providers.base import ParseFailure, Provider
from homelake.sources.vision.providers.google import parse_annotate
from homelake.sources.vision.providers.openai_chat import PROMPT, parse_content
from homelake.sources.vision.providers.rekognition import parse_labels
from homelake.sources.vision.simulator import answers
from homelake.sources.vision.simulator.answers import Noise
from homelake.sources.vision.target import as_results, submit
from homelake.sources.vision.trigger import SnapshotFeed, wanted
from homelake.sources.vision.worker import Worker

NOISE = Noise(confidence_sd=0.05, miss_rate=0.02, false_positive_rate=0.02)  # as the demo's simulator


class SimulatedProvider:
    """A provider whose answer is the simulator's, computed in process and parsed by the real parser."""

    def __init__(self, config: ProviderConfig, noise: Noise) -> None:
        self.name, self.config, self.noise = config.name, config, noise
        self.kind: str = config.kind
        self.model = config.model or {"rekognition": "rekognition-detect-labels", "google": "cloud-vision-v1",
                                      "openai": "gpt-4o-mini"}[config.kind]  # fmt: skip
        self.cost_per_call_usd = config.cost_usd

    def analyse(self, jpeg: bytes) -> Analysis:
        if self.kind == "rekognition":
            answer = answers.rekognition(jpeg, self.noise, self.config.min_confidence, self.config.max_labels)
            return Analysis(tuple(parse_labels(answer)), f"{self.model}:3.0", self.cost_per_call_usd)
        if self.kind == "google":
            answer = answers.google(jpeg, self.noise, self.config.max_labels)
            return Analysis(tuple(parse_annotate(answer)), self.model, self.cost_per_call_usd)
        content = answers.openai_chat(jpeg, self.noise, self.model)["choices"][0]["message"]["content"]
        try:
            return Analysis(tuple(parse_content(content)), self.model, self.cost_per_call_usd)
        except ValueError as exc:
            raise ParseFailure(f"openai: {exc}", text=content, cost_usd=self.cost_per_call_usd) from None

    def check(self) -> str:
        return f"simulated ({len(PROMPT)} character prompt)"

    def close(self) -> None:
        return


class _Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def lay_history(ctx: HistoryContext) -> int:
    """The analyses of [start, end)'s episode-start pictures of opted-in cameras and classes; rows stored."""
    config = ctx.config
    if not isinstance(config, VisionFamily) or not config.enabled or config.media_dir is None or not ctx.lake_root:
        return 0
    days, day = [], ctx.start.date()
    while day <= ctx.end.date():
        days.append(day.isoformat())
        day += timedelta(days=1)
    snaps = sorted(
        (s for s in SnapshotFeed(ctx.lake_root).new(days)
         if ctx.start <= s.taken_at < ctx.end and (cam := config.camera(s.camera)) is not None
         and wanted(cam.classes, s.target_type)),
        key=lambda s: (s.taken_at, s.camera, s.sha256),
    )  # fmt: skip
    providers: dict[str, Provider] = {p.name: SimulatedProvider(p, NOISE) for p in config.providers}
    clock = _Clock(ctx.start)
    rows = 0
    with tempfile.TemporaryDirectory(prefix="vision-history-") as tmp:
        outbox = Outbox(Path(tmp) / "outbox.sqlite")
        history = config.model_copy(update={"outbox": Path(tmp) / "outbox.sqlite"})
        worker = Worker(history, providers, outbox, local_tz=ctx.local_tz, collector="backfill", clock=clock,
                        sleep=lambda _s: None)  # fmt: skip
        for i, snap in enumerate(snaps):
            clock.t = snap.taken_at
            submit(outbox, history, path=config.media_dir / snap.path, camera=snap.camera, taken_at=snap.taken_at,
                   now=clock.t, local_tz=ctx.local_tz)  # fmt: skip
            worker.run_due()
            if ctx.progress is not None and i % 50 == 0:
                ctx.progress(i / len(snaps))
        pending = outbox.pending_rows(limit=10_000_000)
        for result in as_results(pending):
            for row in result.rows:
                row["received_at"] = row["observed_at"]
            rows += ctx.store([result], "vision", "outbox")
        outbox.close()
    return rows
