"""Never leave an ingester process behind, even when a test fails half-way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ingest.support import STARTED


@pytest.fixture(autouse=True)
def _reap_ingesters() -> Iterator[None]:
    yield
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log = getattr(proc, "log", None)
        if log is not None:
            log.close()
