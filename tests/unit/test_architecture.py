"""The import rules of docs/architecture.md, as import-linter contracts in pyproject.toml: the
test suite keeps them, so a module that reaches across a layer fails here."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_every_import_keeps_the_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    # No cache: a clean clone stays clean, and nothing stale decides.
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report


def test_the_contracts_say_what_the_layout_promises() -> None:
    """Removing a rule is a decision for docs/architecture.md, not a way to make this pass."""
    contracts = _contracts()
    kinds = {c["type"] for c in contracts.values()}
    assert {"layers", "forbidden", "independence"} <= kinds
    layers = next(c for c in contracts.values() if c["type"] == "layers")["layers"]
    assert layers[-1] == "bot.domain" and "bot.services" in layers
    forbidden = {tuple(c["source_modules"]): set(c["forbidden_modules"])
                 for c in contracts.values() if c["type"] == "forbidden"}
    assert {"storage", "telegram", "bot.config"} <= forbidden[("bot.domain",)]
    assert {"handlers", "bot.services", "bot.texts"} <= forbidden[("storage",)]
    assert "storage" in forbidden[("bot.localapi",)]
    sql = next(v for k, v in forbidden.items() if "bot.services" in k and "handlers" in k)
    assert sql == {"sqlalchemy", "sqlmodel"}
    independent = next(c for c in contracts.values() if c["type"] == "independence")
    assert set(independent["modules"]) == {"handlers", "scheduler"}
