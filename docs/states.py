"""Write docs/states.md: a ticket's states and moves, drawn from the one table that rules them
(bot.domain.states.TRANSITIONS).

    .venv/bin/python docs/states.py           rewrite docs/states.md
    .venv/bin/python docs/states.py --check   exit 1 when docs/states.md is stale

tests/unit/test_states_diagram.py fails while docs/states.md differs from what this writes.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from bot.domain.states import (
    FINAL_STATUSES,
    NEW,
    TRANSITIONS,
    Action,
    Key,
    Role,
    TicketStatus,
    Transition,
)

TARGET = Path(__file__).resolve().parent / "states.md"
START = "[*]"  # mermaid's start and end marker

HEAD = """\
# A ticket's states

Written by `docs/states.py` from the transition table in `bot/domain/states.py`; do not edit
by hand (`tests/unit/test_states_diagram.py` fails when this page is stale). Every change of a
ticket goes through `move()` in `bot/services/moves.py`, which looks up (state, action, role)
in that table: an action with no row is refused, whatever button or command asked for it.

Roles: **resident** (the ticket's reporter), **volunteer** (of the ticket's community; most
actions only its holder), **coordinator** (of the ticket's community), **system** (routing
and the sweep's follow-ups).
"""


def _order(key: Key) -> tuple[int, int, int]:
    """By action, then role, then starting state, each in its enum's order."""
    status, action, role = key
    states, actions, roles = list(TicketStatus), list(Action), list(Role)
    return (actions.index(action), roles.index(role),
            -1 if status is NEW else states.index(status))


def _rows() -> list[tuple[Key, Transition]]:
    return sorted(TRANSITIONS.items(), key=lambda row: _order(row[0]))


def _diagram() -> list[str]:
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (status, action, role), change in _rows():
        if status == change.to:
            continue  # stays where it is: in the table below
        start = START if status is NEW else str(status)
        label = f"{action} ({role})"
        if label not in edges[(start, str(change.to))]:
            edges[(start, str(change.to))].append(label)
    names = [START, *map(str, TicketStatus)]
    lines = ["```mermaid", "stateDiagram-v2"]
    lines += [f"    {a} --> {b} : {', '.join(edges[(a, b)])}"
              for a, b in sorted(edges, key=lambda e: (names.index(e[0]), names.index(e[1])))]
    lines += [f"    {status} --> {START}" for status in FINAL_STATUSES]
    return [*lines, "```"]


def _table() -> list[str]:
    # One line per (action, role, target, owed): the states it may start from, joined.
    Group = tuple[Action, Role, TicketStatus | None, tuple[str, ...]]
    grouped: dict[Group, list[str]] = defaultdict(list)
    for (status, action, role), change in _rows():
        target = None if status == change.to else change.to
        grouped[(action, role, target, tuple(sorted(change.owes)))].append(
            "(new)" if status is NEW else str(status))
    lines = ["| action | role | from | to | may owe |", "|---|---|---|---|---|"]
    for (action, role, target, owes), starts in grouped.items():
        lines.append(f"| {action} | {role} | {', '.join(starts)} | {target or '(stays)'} "
                     f"| {', '.join(owes) or '—'} |")
    return lines


def render() -> str:
    """docs/states.md as it should read for the table as it is."""
    return "\n".join([
        HEAD,
        "## Changes of state",
        "",
        "The closed states may end a ticket's life (closed ones can still be reopened; a",
        "withdrawal cannot). Actions that leave a ticket in its state are in the table only.",
        "",
        *_diagram(),
        "",
        "## Every action",
        "",
        "\"may owe\": the messages (outbox notices, `bot/texts/notices.py`) the change may queue;",
        "the tests fail when a change owes one its row does not list.",
        "",
        *_table(),
        "",
    ])


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is stale: run .venv/bin/python docs/states.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
