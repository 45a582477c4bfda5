"""Questions the bot waits for an answer to, end to end over real HTTP: a new complaint after
rating is never swallowed as a comment, each question expires and can be skipped, and a text
that may be a new matter is kept, then asked about with two buttons."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import col, select

from bot import texts
from bot.domain.states import TicketStatus as S
from bot.localapi import Call
from storage.models import Draft, Ticket
from tests.e2e.conftest import COORDINATORS, Harness, button_labels, ticket_number
from tests.factories import events, reload, submit
from tests.wording import part

RESIDENT = 900
VOLUNTEER = 500
NEWCOMER = 600
COMPLAINT = "5号楼门口垃圾堆了好几天没人清理"


def _text(call: Call) -> str:
    return call.params.get("text") or ""


def drafts(bot: Harness, user_id: int) -> list[Draft]:
    with bot.uows() as uow:
        return list(uow.session.exec(select(Draft).where(Draft.user_id == user_id)
                                     .order_by(col(Draft.id))).all())


def tickets(bot: Harness) -> list[Ticket]:
    with bot.uows() as uow:
        return list(uow.session.exec(select(Ticket).order_by(col(Ticket.id))).all())


async def rated(bot: Harness) -> tuple[int, Call]:
    """RESIDENT's lamp fixed by VOLUNTEER, confirmed and rated 5: the bot now waits for an
    optional comment. The ticket number and the 谢谢您的评价 message (with 跳过)."""
    number, resolved = await bot.fixed_lamp(RESIDENT, VOLUNTEER)
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    rating = await bot.reply_to(RESIDENT, part(texts.ASK_RATING))
    since = time.monotonic()
    await bot.press(RESIDENT, rating, "⭐⭐⭐⭐⭐")
    thanks = await bot.reply_to(RESIDENT, texts.RATED, since=since)
    assert button_labels(thanks) == [[texts.BTN_SKIP]]  # the comment is optional
    return number, thanks


async def test_days_after_rating_a_new_complaint_becomes_its_own_matter(bot: Harness) -> None:
    old, _ = await rated(bot)
    bot.clock.advance(timedelta(days=3))
    since = time.monotonic()
    await bot.send_text(RESIDENT, COMPLAINT)
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    assert "环境卫生" in _text(preview)
    number = await bot.confirm(RESIDENT, preview, "5号楼")
    assert number != old
    assert reload(bot.uows, old).comment is None
    assert reload(bot.uows, number).category == "sanitation"
    await bot.settled()
    assert not any("居民留言" in t for t in bot.api.sent_to(VOLUNTEER))


async def test_a_new_complaint_right_after_rating_is_kept_and_asked_about(
        bot: Harness) -> None:
    old, _ = await rated(bot)
    since = time.monotonic()
    await bot.send_text(RESIDENT, COMPLAINT)
    question = await bot.reply_to(RESIDENT, "还是一件新的事", since=since)
    assert button_labels(question) == [[texts.BTN_IS_ANSWER["comment"]], [texts.BTN_IS_NEW]]
    # The words are stored before anyone presses anything.
    [kept] = drafts(bot, RESIDENT)
    assert (kept.status, kept.text) == ("held", COMPLAINT)
    assert reload(bot.uows, old).comment is None

    since = time.monotonic()
    await bot.press(RESIDENT, question, texts.BTN_IS_NEW)
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    assert preview.method == "editMessageText" and COMPLAINT in _text(preview)
    number = await bot.confirm(RESIDENT, preview, "5号楼")
    assert number != old and reload(bot.uows, number).text == COMPLAINT
    assert reload(bot.uows, old).comment is None

    since = time.monotonic()  # the other button of the same question: too late, politely
    update = await bot.press(RESIDENT, question, texts.BTN_IS_ANSWER["comment"])
    alert = await bot.api.wait_for(lambda c: c.method == "answerCallbackQuery" and c.params.get(
        "callback_query_id") == update["callback_query"]["id"], since=since)
    assert _text(alert) == texts.ERRORS["question_over"]
    assert reload(bot.uows, old).comment is None


async def test_the_resident_can_say_it_was_a_comment_after_all(bot: Harness) -> None:
    old, _ = await rated(bot)
    since = time.monotonic()
    await bot.send_text(RESIDENT, COMPLAINT)
    question = await bot.reply_to(RESIDENT, "还是一件新的事", since=since)
    await bot.press(RESIDENT, question, texts.BTN_IS_ANSWER["comment"])
    saved = await bot.reply_to(RESIDENT, texts.COMMENT_SAVED, since=since)
    assert saved.method == "editMessageText" and button_labels(saved) == []
    assert reload(bot.uows, old).comment == COMPLAINT
    told = await bot.reply_to(VOLUNTEER, "居民留言", since=since)
    assert COMPLAINT in _text(told)
    await bot.settled()
    assert tickets(bot)[-1].id == old  # no new matter
    assert [d.status for d in drafts(bot, RESIDENT)] == ["answer"]


async def test_a_plain_comment_is_taken_and_skip_ends_the_wait(bot: Harness) -> None:
    old, thanks = await rated(bot)
    since = time.monotonic()
    await bot.press(RESIDENT, thanks, texts.BTN_SKIP)
    await bot.reply_to(RESIDENT, texts.SKIPPED, since=since)
    # Skipped: the next words are a new message, even a short one within the half hour.
    since = time.monotonic()
    await bot.send_text(RESIDENT, "志愿者很热心，非常满意")
    await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    assert reload(bot.uows, old).comment is None
    # The old 跳过 again: a polite word, nothing changes.
    since = time.monotonic()
    update = await bot.press(RESIDENT, thanks, texts.BTN_SKIP)
    answer = await bot.api.wait_for(lambda c: c.method == "answerCallbackQuery" and c.params.get(
        "callback_query_id") == update["callback_query"]["id"], since=since)
    assert _text(answer) == texts.QUESTION_OVER
    assert [e[0] for e in events(bot.uows, old)].count("comment") == 0


async def test_a_volunteers_late_note_is_a_new_message_and_cancel_is_polite(
        bot: Harness) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    number = submit(bot.uows, bot.config, bot.clock.now(), reporter=RESIDENT).id or 0
    offer = await bot.reply_to(VOLUNTEER, f"#{number}")
    await bot.press(VOLUNTEER, offer, texts.BTN_ACCEPT)
    details = await bot.reply_to(VOLUNTEER, "详情")
    since = time.monotonic()
    await bot.press(VOLUNTEER, details, texts.BTN_PROGRESS)
    ask = await bot.reply_to(VOLUNTEER, texts.ASK_PROGRESS, since=since)
    assert button_labels(ask) == [[texts.BTN_CANCEL_QUESTION]]  # the note is what it is for

    bot.clock.advance(timedelta(minutes=bot.config.conversation.pending_input_minutes))
    since = time.monotonic()
    await bot.send_text(VOLUNTEER, "已联系物业，明天上午来修")
    await bot.reply_to(VOLUNTEER, texts.BTN_CONFIRM, since=since)  # a preview: new message
    assert reload(bot.uows, number).status == S.CLAIMED
    assert texts.PROGRESS_SAVED not in bot.api.sent_to(VOLUNTEER)

    since = time.monotonic()
    await bot.press(VOLUNTEER, details, texts.BTN_PROGRESS)
    ask = await bot.reply_to(VOLUNTEER, texts.ASK_PROGRESS, since=since)
    await bot.press(VOLUNTEER, ask, texts.BTN_CANCEL_QUESTION)
    await bot.reply_to(VOLUNTEER, texts.QUESTION_CANCELLED, since=since)
    since = time.monotonic()
    await bot.press(VOLUNTEER, details, texts.BTN_PROGRESS)
    ask = await bot.reply_to(VOLUNTEER, texts.ASK_PROGRESS, since=since)
    await bot.send_text(VOLUNTEER, "已联系物业，明天上午来修")  # inside the window: the note
    await bot.reply_to(VOLUNTEER, texts.PROGRESS_SAVED, since=since)
    assert reload(bot.uows, number).status == S.IN_PROGRESS


async def test_a_long_text_during_the_reject_reason_asks_first(bot: Harness) -> None:
    number, resolved = await bot.fixed_lamp(RESIDENT, VOLUNTEER)
    since = time.monotonic()
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_NO)
    ask = await bot.reply_to(RESIDENT, texts.ASK_REJECT_REASON, since=since)
    assert button_labels(ask) == [[texts.BTN_CANCEL_QUESTION]]
    since = time.monotonic()
    await bot.send_text(RESIDENT, "小区门口有人乱停车，把消防通道都堵死了")
    question = await bot.reply_to(RESIDENT, "还是一件新的事", since=since)
    await bot.press(RESIDENT, question, texts.BTN_IS_ANSWER["reject_reason"])
    await bot.reply_to(RESIDENT, part(texts.REOPENED_FOR_RESIDENT), since=since)
    assert reload(bot.uows, number).status == S.REOPENED


async def test_registration_questions_can_be_skipped(bot: Harness) -> None:
    await bot.send_text(COORDINATORS[0], "/invite")
    invite = await bot.reply_to(COORDINATORS[0], "?start=v_")
    token = _text(invite).split("?start=v_")[1].split()[0]
    since = time.monotonic()
    await bot.send_text(NEWCOMER, f"/start v_{token}")
    name = await bot.reply_to(NEWCOMER, since=since)
    assert button_labels(name) == [[texts.BTN_SKIP]]
    await bot.press(NEWCOMER, name, texts.BTN_SKIP)
    unit = await bot.reply_to(NEWCOMER, texts.ASK_UNIT, since=since)
    assert button_labels(unit) == [[texts.BTN_SKIP]]
    await bot.press(NEWCOMER, unit, texts.BTN_SKIP)
    menu = await bot.reply_to(NEWCOMER, texts.PICK_SERVICES, since=since)
    assert "完成" in str(button_labels(menu))
    volunteer = bot.volunteer(NEWCOMER)
    assert volunteer is not None and volunteer.name and volunteer.unit == ""


async def test_a_photo_then_its_description_answers_the_question(bot: Harness) -> None:
    bot.api.push_photo(RESIDENT, "p1")
    ask = await bot.reply_to(RESIDENT, texts.ASK_TEXT_FOR_MEDIA)
    assert button_labels(ask) == [[texts.BTN_SKIP]]
    since = time.monotonic()
    await bot.send_text(RESIDENT, COMPLAINT)  # reads as a matter: it is what was asked for
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    assert COMPLAINT in _text(preview) and "照片 1 张" in _text(preview)
    assert len(drafts(bot, RESIDENT)) == 1
    assert ticket_number(f"#{await bot.confirm(RESIDENT, preview, '5号楼')}") > 0
