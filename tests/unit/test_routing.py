"""Routing order: paired building first, then the community; fewest open, longest idle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.routing import Candidate, choose_volunteer

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def cand(vid: int, *, cats=("repairs",), buildings=(), open_count=0, max_open=3,
         last=None, active=True, unreachable=False) -> Candidate:
    return Candidate(
        volunteer_id=vid, tg_id=1000 + vid, categories=tuple(cats), buildings=tuple(buildings),
        max_open=max_open, open_count=open_count, last_assigned_at=last, active=active,
        unreachable=unreachable,
    )


def test_paired_volunteer_wins_even_with_more_open_tasks() -> None:
    paired = cand(1, buildings=("b1",), open_count=2)
    idle = cand(2, open_count=0)
    assert choose_volunteer([idle, paired], "repairs", "b1") == paired


def test_without_a_paired_volunteer_the_rest_of_the_community_is_used() -> None:
    other_building = cand(1, buildings=("b5",), open_count=1)
    anyone = cand(2, open_count=0)
    assert choose_volunteer([other_building, anyone], "repairs", "b1") == anyone


def test_fewest_open_tasks_first() -> None:
    busy, free = cand(1, open_count=2), cand(2, open_count=1)
    assert choose_volunteer([busy, free], "repairs", None) == free


def test_equal_load_goes_to_who_waited_longest_and_never_assigned_first() -> None:
    recent = cand(1, last=T0)
    older = cand(2, last=T0 - timedelta(days=3))
    never = cand(3, last=None)
    assert choose_volunteer([recent, older, never], "repairs", None) == never
    assert choose_volunteer([recent, older], "repairs", None) == older


def test_paired_pool_is_sorted_by_load_too() -> None:
    a = cand(1, buildings=("b1",), open_count=2)
    b = cand(2, buildings=("b1", "b2"), open_count=1)
    assert choose_volunteer([a, b, cand(3)], "repairs", "b1") == b


def test_only_volunteers_serving_the_category() -> None:
    elderly_only = cand(1, cats=("elderly",), buildings=("b1",))
    assert choose_volunteer([elderly_only], "repairs", "b1") is None
    assert choose_volunteer([elderly_only], "elderly", "b1") == elderly_only


def test_full_inactive_unreachable_and_excluded_volunteers_are_skipped() -> None:
    full = cand(1, open_count=3, max_open=3)
    inactive = cand(2, active=False)
    blocked = cand(3, unreachable=True)
    passed = cand(4)
    assert choose_volunteer([full, inactive, blocked, passed], "repairs", None,
                            exclude_tg_ids={passed.tg_id}) is None
    assert choose_volunteer([full, inactive, blocked, passed], "repairs", None) == passed


def test_paired_but_full_falls_back_to_the_community() -> None:
    paired_full = cand(1, buildings=("b1",), open_count=3, max_open=3)
    other = cand(2, open_count=2)
    assert choose_volunteer([paired_full, other], "repairs", "b1") == other


def test_unknown_building_uses_the_whole_community() -> None:
    assert choose_volunteer([cand(1, buildings=("b1",), open_count=1), cand(2)],
                            "repairs", None) == cand(2)
