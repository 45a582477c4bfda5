"""The transition table (bot/domain/states.py) walked as a graph: every state is reachable from
a new ticket, every state but a terminal one has a way out, every row names real states,
actions and roles, and what the table promises elsewhere holds (the sweep only picks what it
allows; each refusal can name the action; each owed notice is one the bot can render)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot import texts
from bot.config import Config
from bot.domain.deadlines import next_action_for
from bot.domain.states import (
    NEW,
    TERMINAL,
    TRANSITIONS,
    Action,
    Role,
    TicketStatus,
    transition,
)
from bot.services.followups import ACTIONS as FOLLOW_UPS
from bot.texts.notices import render_notice
from storage.db import uow_factory
from storage.models import Outbox
from tests.factories import submit

T = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def _ways_on(start: TicketStatus | None) -> set[TicketStatus]:
    return {change.to for (s, _, _), change in TRANSITIONS.items() if s == start}


def test_every_state_is_reachable_from_a_new_ticket() -> None:
    seen: set[TicketStatus | None] = {NEW}
    frontier: list[TicketStatus | None] = [NEW]
    while frontier:
        for reached in _ways_on(frontier.pop()) - seen:
            seen.add(reached)
            frontier.append(reached)
    assert seen - {NEW} == set(TicketStatus)


def test_every_state_but_a_terminal_one_has_a_way_out() -> None:
    for status in TicketStatus:
        leaves = _ways_on(status) - {status}
        if status in TERMINAL:
            assert not leaves, f"{status} is terminal but leads to {leaves}"
        else:
            assert leaves, f"{status} has no way out"


def test_every_row_names_a_real_state_action_and_role() -> None:
    for (start, action, role), change in TRANSITIONS.items():
        assert start is NEW or isinstance(start, TicketStatus)
        assert isinstance(action, Action) and isinstance(role, Role)
        assert isinstance(change.to, TicketStatus) and isinstance(change.event, Action)
        assert all(isinstance(n, str) and n for n in change.owes)
    # A ticket is born one way: a resident submits it, and it waits for someone.
    born = {key: change for key, change in TRANSITIONS.items() if key[0] is NEW}
    assert list(born) == [(NEW, Action.SUBMIT, Role.RESIDENT)]
    assert born[(NEW, Action.SUBMIT, Role.RESIDENT)].to == TicketStatus.SUBMITTED
    assert not any(action == Action.SUBMIT for s, action, _ in TRANSITIONS if s is not NEW)
    # Every role and action is used; none the table names is made up on the way.
    assert {role for _, _, role in TRANSITIONS} == set(Role)
    assert {action for _, action, _ in TRANSITIONS} == set(Action)


def test_a_refusal_can_name_every_action_a_person_takes() -> None:
    """bad_state says "… can no longer <action>": in words, never the action's code."""
    for _, action, role in TRANSITIONS:
        refusable = any(transition(s, action, role) is None for s in TicketStatus)
        if role != Role.SYSTEM and action != Action.SUBMIT and refusable:
            assert action in texts.ACTION_NAMES, action


def _ticket_fields(status: TicketStatus, combo: tuple[Any, ...]) -> dict[str, Any]:
    assignee, routed, resolved, closed, reason, due, level, reminded = combo
    return {
        "status": status, "urgent": False, "created_at": T, "assignee_id": assignee,
        "routed_at": routed, "resolved_at": resolved, "closed_at": closed,
        "close_reason": reason, "due_at": due, "overdue_at": None, "escalation_level": level,
        "waiting_since": None, "reminded_at": reminded, "last_progress_at": None,
        "claimed_at": None, "revisit_asked_at": None,
    }


def test_the_sweep_only_picks_follow_ups_the_table_allows(config: Config) -> None:
    """Whatever bot.domain.deadlines makes due, from whatever state, move() accepts: a refused
    follow-up would stay due and be retried at every sweep."""
    moments = (None, T)
    later = T + timedelta(days=400)
    combos = itertools.product(
        (None, 1), moments, moments, moments, (None, "duplicate"), (None, T, later), (0, 1, 2),
        (None, later))
    picked: set[Action] = set()
    for combo in combos:
        for status in TicketStatus:
            action, _ = next_action_for(config, _ticket_fields(status, combo))
            if action is None:
                continue
            picked.add(action)
            assert transition(status, action, Role.SYSTEM) is not None, (status, action)
    assert picked == set(FOLLOW_UPS)  # every follow-up came up at least once
    for action in FOLLOW_UPS:
        assert any(key[1:] == (action, Role.SYSTEM) for key in TRANSITIONS), action


def test_every_notice_the_table_lists_is_one_the_bot_can_render(
        sqlite_engine: Engine, config: Config) -> None:
    uows = uow_factory(sqlite_engine)
    number = submit(uows, config, T).id
    listed = set().union(*(change.owes for change in TRANSITIONS.values()))
    with uows() as uow:
        for notice in sorted(listed):
            row = Outbox(chat_id=1, notice=notice, ticket_id=number, payload={},
                         created_at=T, not_before=T)
            render_notice(uow.session, config, row)  # an unknown notice raises ValueError
