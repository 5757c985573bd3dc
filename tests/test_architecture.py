"""The family registry and the layer contract: every family is complete, no platform module names one, and the
import contract (pyproject's [tool.importlinter]) holds and catches a wrong import."""

from __future__ import annotations

import ast
import io
import os
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
from pydantic import BaseModel

from homelake.lake.schemas import ORIGIN_FIELDS
from homelake.settings import Settings
from homelake.sources import DATASETS, FAMILIES, PARSE_KINDS

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "homelake"
NAMES = {spec.name for spec in FAMILIES}
# Platform packages: they read the registry and must work for any family, so they never name one.
PLATFORM = ["runtime", "lake", "warehouse", "web", "cli", "alerts", "settings.py", "logs.py", "secrets.py", "testing"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.parametrize("spec", FAMILIES, ids=[spec.name for spec in FAMILIES])
def test_every_family_is_complete(spec: object) -> None:
    from homelake.sources.base import FamilySpec

    assert isinstance(spec, FamilySpec)
    assert spec.name.isidentifier() and spec.name == spec.name.lower() and spec.description
    assert (SRC / "sources" / spec.name / "__init__.py").is_file()
    # datasets: declared once, named raw/<family>/<dataset>, after the origin columns
    assert spec.datasets, f"{spec.name} declares no dataset"
    for dataset in spec.datasets:
        assert dataset.family == spec.name and DATASETS[dataset.key] is dataset
        assert dataset.schema.names[: len(ORIGIN_FIELDS)] == [f.name for f in ORIGIN_FIELDS]
        assert (ROOT / "transform" / "models" / "staging" / spec.name).is_dir(), "no dbt staging models"
    # parse kinds: `homelake parse <family>-<payload>`
    assert spec.parse_kinds, f"{spec.name} has no parse kind"
    for kind in spec.parse_kinds:
        assert kind.name.startswith(f"{spec.name}-") and kind.family == spec.name and PARSE_KINDS[kind.name] is kind
    # a simulator: protocol servers, or the MQTT traffic the site's publisher sends
    assert spec.simulator is not None or spec.mqtt_messages is not None, f"{spec.name} has no simulator"
    # collected somehow: polled, discovered, or over MQTT (with default topics)
    assert spec.poll_targets or spec.discovery or spec.mqtt_parser
    assert bool(spec.mqtt_parser) == bool(spec.mqtt_topics)
    # its site-file section, under its name
    if spec.config is not None:
        assert issubclass(spec.config, BaseModel)
        assert isinstance(Settings().family_config(spec.name), spec.config)


def test_names_are_unique_across_the_registry() -> None:
    assert len(NAMES) == len(FAMILIES)
    keys = [d.key for spec in FAMILIES for d in spec.datasets]
    assert len(keys) == len(set(keys))
    assert len(PARSE_KINDS) == sum(len(spec.parse_kinds) for spec in FAMILIES)


def _code_words(path: Path) -> set[str]:
    """Names and string contents in a module's code: comments and docstrings are not code."""
    text = path.read_text()
    docstrings = {
        (node.body[0].lineno, node.body[0].col_offset)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }
    words: set[str] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.STRING and token.start in docstrings:
            continue
        if token.type in (tokenize.NAME, tokenize.STRING):  # on 3.11 an f-string is one STRING token
            words |= {w.lower() for w in _split(token.string)}
    return words


def _split(text: str) -> list[str]:
    out, word = [], ""
    for char in text:
        if char.isalnum():
            word += char
        else:
            out.append(word)
            word = ""
    return [*out, word]


def test_no_platform_module_names_a_family() -> None:
    offenders = []
    for part in PLATFORM:
        for path in sorted([SRC / part] if part.endswith(".py") else (SRC / part).rglob("*.py")):
            named = _code_words(path) & NAMES
            if named:
                offenders.append(f"{path.relative_to(SRC)}: {sorted(named)}")
    assert offenders == []


def test_a_family_imports_no_other_family() -> None:
    offenders = []
    for spec in FAMILIES:
        for path in (SRC / "sources" / spec.name).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                modules = (
                    [alias.name for alias in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                )  # fmt: skip
                for module in modules:
                    parts = module.split(".")
                    if parts[:2] == ["homelake", "sources"] and len(parts) > 2 and parts[2] in NAMES - {spec.name}:
                        offenders.append(f"{path.relative_to(SRC)} imports {module}")
    assert offenders == []


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}  # ahead of the editable install: this tree is analysed
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_import_contract_holds() -> None:
    result = _lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_import_contract_catches_a_family_importing_the_runtime(tmp_path: Path) -> None:
    shutil.copytree(SRC, tmp_path / "homelake", ignore=shutil.ignore_patterns("__pycache__"))
    family = sorted(NAMES)[0]
    (tmp_path / "homelake" / "sources" / family / "wrong.py").write_text(
        '"""A deliberate layer violation."""\n\nfrom homelake.runtime.poller import Poller\n\n__all__ = ["Poller"]\n'
    )
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"homelake.sources.{family}.wrong -> homelake.runtime.poller" in result.stdout
    assert "BROKEN" in result.stdout
