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
