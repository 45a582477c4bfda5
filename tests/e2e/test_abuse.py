"""Floods and blocks end to end, over real HTTP: the sixth submission within ten minutes waits
(politely, with the time) and goes through later; /block and /unblock by a coordinator; a
blocked resident is answered kindly and nothing is stored or routed."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import select

from bot import texts
from bot.domain.states import TicketStatus as S
from bot.localapi import Call
from bot.services import abuse as A
from storage.models import Block, Draft, Ticket
from tests.e2e.conftest import COORDINATORS, GROUP, Harness
from tests.factories import events

RESIDENT = 900
VOLUNTEER = 500
OFFICE = COORDINATORS[0]


def _text(call: Call) -> str:
    return call.params.get("text") or ""


def count(bot: Harness, model: type) -> int:
    with bot.uows() as uow:
        return len(uow.session.exec(select(model)).all())


async def test_the_sixth_submission_in_ten_minutes_waits_and_is_kept(bot: Harness) -> None:
    limit = bot.config.abuse.max_submissions
    for n in range(limit):
        await bot.submit(RESIDENT, f"{n + 1}号楼楼道灯坏了，晚上看不见")
        bot.clock.advance(timedelta(seconds=30))
    since = time.monotonic()
    await bot.send_text(RESIDENT, "6号楼门口的路灯也不亮了")
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.press(RESIDENT, preview, texts.BTN_CONFIRM)
    wait = await bot.reply_to(RESIDENT, "以后再点", since=since)
    # 09:00 local was the first submission: ten minutes later the sixth may go.
    assert _text(wait) == texts.TOO_MANY_SUBMISSIONS.format(
        n=limit, time="09:10", button=texts.BTN_CONFIRM)
    assert count(bot, Ticket) == limit
    with bot.uows() as uow:
        kept = uow.session.exec(select(Draft).where(Draft.text == "6号楼门口的路灯也不亮了")).one()
        assert kept.status == "open"  # nothing lost

    bot.clock.advance(bot.config.abuse.window)
    number = await bot.confirm(RESIDENT, preview)
    assert count(bot, Ticket) == limit + 1
    with bot.uows() as uow:
        assert uow.session.get(Ticket, number).text == "6号楼门口的路灯也不亮了"  # type: ignore


async def test_a_coordinator_blocks_and_unblocks_a_resident(bot: Harness) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("elderly",))
    number = await bot.submit(RESIDENT, "1号楼楼道灯坏了三天了")
    await bot.reply_to(GROUP, f"#{number}")

    for someone in (VOLUNTEER, RESIDENT):  # not a coordinator: refused, nothing changes
        since = time.monotonic()
        await bot.send_text(someone, f"/block {number}")
        # Wait for the refusal itself: the resident's phone question from the submission may
        # still be on its way.
        refused = await bot.reply_to(someone, texts.NOT_COORDINATOR_COMMAND, since=since)
        assert _text(refused) == texts.NOT_COORDINATOR_COMMAND
    assert count(bot, Block) == 0

    since = time.monotonic()
    await bot.send_text(OFFICE, f"/block {number}")
    done = await bot.reply_to(OFFICE, since=since)
    assert _text(done) == texts.BLOCK_DONE.format(number=number)
    action, before, after = events(bot.uows, number)[-1]
    assert action == "block" and before == after  # an audit event, not a change of state

    await bot.settled()
    drafts_before, sent_before = count(bot, Draft), len(bot.api.calls("sendMessage"))
    for push in (lambda: bot.api.push_text(RESIDENT, "2号楼电梯坏了，老人上不去"),
                 lambda: bot.api.push_photo(RESIDENT, "p9"),
                 lambda: bot.api.push_text(RESIDENT, "/report 楼下太吵了")):
        since = time.monotonic()
        push()
        answer = await bot.reply_to(RESIDENT, texts.BLOCKED_REPLY, since=since)
        assert _text(answer) == texts.BLOCKED_REPLY
    await bot.settled()
    assert count(bot, Draft) == drafts_before and count(bot, Ticket) == 1
    new_calls = bot.api.calls("sendMessage")[sent_before:]
    assert all(c.chat_id == RESIDENT for c in new_calls)  # nothing went to anyone else

    since = time.monotonic()
    await bot.send_text(OFFICE, f"/unblock {number}")
    assert _text(await bot.reply_to(OFFICE, since=since)) == texts.UNBLOCK_DONE.format(
        number=number)
    assert [e[0] for e in events(bot.uows, number)][-2:] == ["block", "unblock"]
    assert count(bot, Block) == 0
    assert await bot.submit(RESIDENT, "2号楼电梯坏了，老人上不去") > number


async def test_a_flood_of_texts_stops_making_previews_but_keeps_the_words(
        bot: Harness) -> None:
    cap = A.preview_cap(bot.config)
    for n in range(cap):
        since = time.monotonic()
        await bot.send_text(RESIDENT, f"第{n + 1}件：楼道灯坏了")
        await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.settled()
    previews = len([c for c in bot.api.calls("sendMessage") if c.chat_id == RESIDENT])
    assert previews == cap

    since = time.monotonic()
    await bot.send_text(RESIDENT, "还有：垃圾桶也满了")
    edited = await bot.api.wait_for("editMessageText", chat_id=RESIDENT, since=since)
    assert "还有：垃圾桶也满了" in _text(edited) and texts.BTN_CONFIRM in str(
        edited.params.get("reply_markup"))
    await bot.settled()
    assert len([c for c in bot.api.calls("sendMessage") if c.chat_id == RESIDENT]) == previews
    assert count(bot, Draft) == cap  # joined the newest draft: kept, and can be submitted
    await bot.confirm(RESIDENT, edited)
    with bot.uows() as uow:
        [ticket] = uow.session.exec(select(Ticket)).all()
        assert ticket.text.endswith("还有：垃圾桶也满了")


async def test_a_blocked_resident_cannot_send_work_back_with_a_button(bot: Harness) -> None:
    number, resolved = await bot.fixed_lamp(RESIDENT, VOLUNTEER)
    since = time.monotonic()
    await bot.send_text(OFFICE, f"/block {number}")
    await bot.reply_to(OFFICE, since=since)
    update = await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_NO)
    alert = await bot.api.wait_for(lambda c: c.method == "answerCallbackQuery" and c.params.get(
        "callback_query_id") == update["callback_query"]["id"], since=since)
    assert _text(alert) == texts.BLOCKED_REPLY and alert.params.get("show_alert") is True
    await bot.settled()
    assert texts.ASK_REJECT_REASON not in bot.api.sent_to(RESIDENT)
    with bot.uows() as uow:
        assert uow.session.get(Ticket, number).status == S.RESOLVED  # type: ignore[union-attr]
