"""Explainable and correctable, end to end (issue 11 §3): coordinators see the words and rules
behind a triage question and an urgent alert; /recat and the triage buttons store what they
corrected; volunteers are refused /recat."""

from __future__ import annotations

import time

from sqlmodel import select

from bot import texts
from storage.models import CategoryCorrection
from tests.e2e.conftest import COORDINATORS, Harness, button_labels
from tests.factories import reload

RESIDENT = 900
PAIRED = 501  # repairs, 结对 with 1号楼 (b1)
OFFICE = COORDINATORS[0]


def _text(call: object) -> str:
    return call.params.get("text") or ""  # type: ignore[attr-defined]


def _corrections(bot: Harness) -> list[tuple[int, str, str, int]]:
    with bot.uows() as uow:
        rows = uow.session.exec(select(CategoryCorrection).order_by(CategoryCorrection.id))
        return [(r.ticket_id, r.from_category, r.to_category, r.actor_tg_id) for r in rows]


async def test_urgent_alert_shows_what_made_it_urgent(bot: Harness) -> None:
    since = time.monotonic()
    number = await bot.submit(RESIDENT, "楼道里好大的煤气味，快来人")
    for coordinator in COORDINATORS:
        alert = await bot.reply_to(coordinator, "紧急事项", since=since)
        assert f"#{number}" in _text(alert)
        line = next(x for x in _text(alert).splitlines() if x.startswith("依据："))
        assert "→ 紧急" in line and "→ 安全隐患" in line
    assert any("→ 紧急" in r for r in reload(bot.uows, number).matched)


async def test_triage_shows_its_reasons_and_the_chosen_category_is_stored(
        bot: Harness) -> None:
    number = await bot.submit(RESIDENT, "你好，我想问一下那个事情怎么弄")
    triage = await bot.reply_to(OFFICE, "需要分类")
    assert texts.REASONS_NONE in _text(triage)
    since = time.monotonic()
    await bot.press(OFFICE, triage, "设施维修")
    await bot.reply_to(OFFICE, "已归为「设施维修」", since=since)
    assert _corrections(bot) == [(number, "other", "repairs", OFFICE)]


async def test_recat_with_buttons_and_with_a_code(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    number = await bot.submit(RESIDENT, "1号楼楼道灯坏了三天了")
    await bot.reply_to(PAIRED, f"#{number}")

    since = time.monotonic()
    await bot.send_text(OFFICE, f"/recat {number}")
    pick = await bot.reply_to(OFFICE, texts.RECAT_PICK.format(number=number), since=since)
    assert len([label for row in button_labels(pick) for label in row]) == 13
    since = time.monotonic()
    await bot.press(OFFICE, pick, "安全隐患")
    done = await bot.reply_to(OFFICE, "已从「设施维修」改为「安全隐患」", since=since)
    assert done.method == "editMessageText"
    assert reload(bot.uows, number).category == "safety"

    since = time.monotonic()
    await bot.send_text(COORDINATORS[1], f"/recat {number} greening")
    await bot.reply_to(COORDINATORS[1], "已从「安全隐患」改为「绿化美化」", since=since)
    assert _corrections(bot) == [(number, "repairs", "safety", OFFICE),
                                 (number, "safety", "greening", COORDINATORS[1])]

    since = time.monotonic()
    await bot.send_text(OFFICE, f"/recat {number} nonsense")
    refused = await bot.reply_to(OFFICE, since=since)
    assert _text(refused) == texts.ERRORS["unknown_category"].format(
        code="nonsense", names="、".join(c.name for c in bot.config.categories.values()))
    assert len(_corrections(bot)) == 2


async def test_recat_is_refused_to_volunteers_and_residents(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    number = await bot.submit(RESIDENT, "1号楼楼道灯坏了三天了")
    await bot.reply_to(PAIRED, f"#{number}")
    for person in (PAIRED, RESIDENT):
        for command in (f"/recat {number} safety", f"/recat {number}"):
            since = time.monotonic()
            await bot.send_text(person, command)
            # Wait for the refusal itself: the resident's phone question may still be coming.
            reply = await bot.reply_to(person, "只有社区工作人员", since=since)
            assert not button_labels(reply)
    assert reload(bot.uows, number).category == "repairs"
    assert _corrections(bot) == []
