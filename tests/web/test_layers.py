"""The dashboard reads marts only: `homelake.web` imports the warehouse and settings, never the lake."""

from __future__ import annotations

import ast
from pathlib import Path

import homelake.web

WEB = Path(homelake.web.__file__).parent
# the warehouse (read-only connections), the site's settings and secrets by reference, and itself
ALLOWED = ("homelake.web", "homelake.warehouse", "homelake.settings", "homelake.secrets")


def _homelake_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "homelake")
    return {name for name in names if name == "homelake" or name.startswith("homelake.")}


def test_web_imports_only_the_warehouse_and_settings() -> None:
    offending = {
        f"{path.relative_to(WEB)}: {name}"
        for path in WEB.rglob("*.py")
        for name in _homelake_imports(path)
        if not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED)
    }
    assert not offending, sorted(offending)


def test_no_page_or_query_reads_parquet() -> None:
    sources = [*WEB.rglob("*.py"), *WEB.rglob("*.html")]
    assert sources
    assert [str(p.relative_to(WEB)) for p in sources if "parquet" in p.read_text().lower()] == []
