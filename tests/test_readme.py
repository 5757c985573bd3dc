"""The README says what the code does: dataset schemas and the test command CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from homelake.lake.inspect import schema_markdown
from homelake.sources import DATASETS

ROOT = Path(__file__).resolve().parents[1]


def test_readme_schema_section_matches_the_declared_schemas() -> None:
    text = (ROOT / "README.md").read_text()
    section = re.search(r"<!-- schema:start -->\n(.*?)<!-- schema:end -->", text, flags=re.S)
    assert section is not None
    assert section[1] == schema_markdown(DATASETS.values()), "run ./scripts/update-readme-schemas"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "./scripts/test" in readme
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


def test_readme_says_how_to_run_and_secure_the_cluster_collectors_and_names_every_cluster_mart() -> None:
    text = (ROOT / "README.md").read_text()
    section = re.search(r"\n## The k3s cluster[^\n]*\n(.*?)\n## ", text, flags=re.S)
    assert section is not None
    body = section[1]
    for needle in ("prometheus-node-exporter", "systemd-journal-gatewayd.socket", "--web.listen-address=",
                   "--cert=", "--key=", "--trust=", "ListenStream=", "verify_tls", "node_circuits.csv"):  # fmt: skip
        assert needle in body, needle
    marts = {p.stem for p in (ROOT / "transform" / "models" / "marts" / "cluster").glob("*.sql")}
    assert marts and all(f"`{mart}`" in body for mart in marts), marts
    allow = re.search(r"default_allow: \[\.\.\.\].*?see (src/\S+\.py)", text, flags=re.S)  # the allow-lists
    assert allow is not None and (ROOT / allow[1]).is_file()
