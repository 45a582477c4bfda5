"""docs/states.md is drawn from the transition table by docs/states.py: a change to the table
without a fresh page fails here."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from bot.domain.states import TRANSITIONS, TicketStatus

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_states", DOCS / "states.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_state_diagram_in_docs_is_the_table_as_it_is() -> None:
    page = (DOCS / "states.md").read_text(encoding="utf-8")
    assert page == _script().render(), (
        "docs/states.md is stale: run .venv/bin/python docs/states.py")


def test_the_diagram_draws_every_state_and_every_change_of_state() -> None:
    page = _script().render()
    diagram = page.split("```mermaid", 1)[1].split("```", 1)[0]
    for status in TicketStatus:
        assert f" {status} " in diagram or f" {status}\n" in diagram
    for (start, action, role), change in TRANSITIONS.items():
        if start != change.to:
            edge = next(line for line in diagram.splitlines()
                        if line.strip().startswith(f"{start or '[*]'} --> {change.to} :"))
            assert f"{action} ({role})" in edge
        # every row, changing or not, has its line in the table
        assert f"| {action} | {role} |" in page
