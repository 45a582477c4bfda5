"""Residents in private chat, end to end over real HTTP: albums, redelivery, /cancel, /my,
/start deep links, bad input, forged buttons, drafts completed later, command menus, contact."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from sqlmodel import select

from bot import texts
from bot.domain.states import TicketStatus as S
from bot.localapi import Call
from bot.services import residents as T
from bot.services import volunteers as V
from storage.models import Draft, Resident, Ticket
from tests.e2e.conftest import COORDINATORS, GROUP, Harness, button_labels
from tests.e2e.conftest import ticket_number as number_in
from tests.factories import deps_at, events, reload, submit
from tests.wording import part

RESIDENT = 900
OTHER = 901
VOLUNTEER = 500
VOLUNTEER_2 = 501
CJK = re.compile(r"[\u4e00-\u9fff]")


# ---- helpers -------------------------------------------------------------------------------------


def drafts(bot: Harness, user_id: int) -> list[Draft]:
    with bot.uows() as uow:
        return list(uow.session.exec(select(Draft).where(Draft.user_id == user_id)
                                     .order_by(Draft.id)).all())


def all_tickets(bot: Harness) -> list[Ticket]:
    with bot.uows() as uow:
        return list(uow.session.exec(select(Ticket).order_by(Ticket.id)).all())


def resident(bot: Harness, user_id: int) -> Resident | None:
    with bot.uows() as uow:
        return uow.session.exec(select(Resident).where(Resident.tg_id == user_id)).first()


def previews_to(bot: Harness, chat_id: int) -> list[Call]:
    return [c for c in bot.api.calls("sendMessage")
            if c.chat_id == chat_id and texts.BTN_CONFIRM in _labels(c)]


def _labels(call: Call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def ticket_number(submitted: Call) -> int:
    return number_in(submitted.params["text"])


async def alert_for(bot: Harness, update: dict[str, Any]) -> Call:
    """The answerCallbackQuery that answered this very button press."""
    query_id = update["callback_query"]["id"]
    return await bot.api.wait_for(
        lambda c: c.method == "answerCallbackQuery"
        and c.params.get("callback_query_id") == query_id)


async def any_message(bot: Harness, user_id: int) -> Call:
    """Some message the bot sent this person, so a (forged) button can be pressed on it."""
    since = time.monotonic()
    await bot.send_text(user_id, "/help")
    return await bot.reply_to(user_id, "怎么用", since=since)


def assert_no_crash(bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """No handler blew up: no apology was sent and nothing was logged at ERROR."""
    apologies = [c for c in bot.api.calls()
                 if texts.ERROR_TRY_AGAIN in str(c.params.get("text", ""))]
    assert not apologies, [c.summary() for c in apologies]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def submit_via_chat(bot: Harness, user_id: int, text: str, building: str = "1号楼") -> int:
    """Type, check the preview, 确认提交, pick the building if asked; the ticket number."""
    since = time.monotonic()
    await bot.send_text(user_id, text)
    shown = await bot.reply_to(user_id, "确认提交", since=since)
    await bot.press(user_id, shown, "确认提交")
    answer = await bot.api.wait_for(
        lambda c: c.method == "editMessageText" and c.chat_id == user_id
        and ("已提交" in c.params["text"] or texts.PICK_BUILDING in c.params["text"]),
        since=since)
    if texts.PICK_BUILDING in answer.params["text"]:
        await bot.press(user_id, answer, building)
        answer = await bot.reply_to(user_id, "已提交", since=since)
    return ticket_number(answer)


# ---- 1. albums -----------------------------------------------------------------------------------


async def test_album_becomes_one_ticket_and_the_claimer_gets_all_photos(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("elderly",))  # not sanitation: group claim
    caption = "5号楼门口垃圾堆了好几天没人清理，臭得很"
    bot.api.push_photo(RESIDENT, "p1", caption=caption, media_group_id="album-1")
    bot.api.push_photo(RESIDENT, "p2", media_group_id="album-1")
    bot.api.push_photo(RESIDENT, "p3", media_group_id="album-1")
    preview = await bot.reply_to(RESIDENT, "确认提交")
    assert "环境卫生" in preview.params["text"] and "垃圾" in preview.params["text"]
    await bot.settled()
    assert len(previews_to(bot, RESIDENT)) == 1  # one preview for the whole album...
    counted = [c.params["text"] for c in bot.api.calls("editMessageText")
               if c.chat_id == RESIDENT and c.params.get("message_id") == preview.result[
                   "message_id"]]
    assert "照片 3 张" in counted[-1]  # ...kept up to date as the photos arrive
    assert texts.BTN_CONFIRM in str(bot.api.calls("editMessageText")[-1].params["reply_markup"])
    assert texts.ASK_TEXT_FOR_MEDIA not in bot.api.sent_to(RESIDENT)  # the caption was enough
    [draft] = drafts(bot, RESIDENT)
    assert draft.photo_file_ids == ["p1", "p2", "p3"]

    # The caption names the building: no building question (the preview can change it).
    assert "楼院：5号楼" in preview.params["text"]
    await bot.press(RESIDENT, preview, "确认提交")
    number = ticket_number(await bot.reply_to(RESIDENT, "已提交"))
    [ticket] = all_tickets(bot)
    assert ticket.id == number
    assert ticket.photo_file_ids == ["p1", "p2", "p3"]
    assert (ticket.building, ticket.category) == ("b5", "sanitation")

    post = await bot.reply_to(GROUP, f"#{number}")
    since = time.monotonic()
    await bot.press(VOLUNTEER, post, "认领")
    details = await bot.reply_to(VOLUNTEER, "详情", since=since)
    assert caption in details.params["text"]
    album = await bot.api.wait_for("sendMediaGroup", chat_id=VOLUNTEER, since=since)
    assert [m["media"] for m in album.params["media"]] == ["p1", "p2", "p3"]
    assert all(m["type"] == "photo" for m in album.params["media"])
    assert not any(c.chat_id == GROUP for c in bot.api.calls("sendMediaGroup"))  # privacy
    assert_no_crash(bot, caplog)


# ---- 2. redelivery and double presses ------------------------------------------------------------


async def test_redelivered_update_and_double_confirm_give_one_ticket(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "/start b_b1")
    await bot.reply_to(RESIDENT, part(texts.START_BUILDING))
    update = await bot.send_text(RESIDENT, "1号楼楼道灯坏了三天了，晚上上楼看不见")
    bot.api.push_raw(update)  # Telegram delivers the very same update again
    preview = await bot.reply_to(RESIDENT, "确认提交")
    await bot.settled()
    assert len(previews_to(bot, RESIDENT)) == 1
    assert len(drafts(bot, RESIDENT)) == 1

    first = await bot.press(RESIDENT, preview, "确认提交")
    second = await bot.press(RESIDENT, preview, "确认提交")
    await alert_for(bot, first)
    again = await alert_for(bot, second)
    submitted = await bot.reply_to(RESIDENT, "已提交")
    await bot.settled()
    [ticket] = all_tickets(bot)
    assert ticket.id == ticket_number(submitted)
    # The second press is told politely that it was already submitted, with the number.
    assert again.params["text"] == texts.ERRORS["draft_submitted"].format(number=ticket.id)
    assert again.params.get("show_alert") is True
    assert len([c for c in bot.api.calls("editMessageText") if c.chat_id == RESIDENT]) == 1
    assert ticket.building == "b1"
    assert [e[0] for e in events(bot.uows, ticket.id or 0)].count("submit") == 1
    [draft] = drafts(bot, RESIDENT)
    assert (draft.status, draft.ticket_id) == ("submitted", ticket.id)
    # The phone was offered once, with the /start greeting; not again per press or ticket.
    assert sum(texts.ASK_PHONE in sent for sent in bot.api.sent_to(RESIDENT)) == 1
    assert_no_crash(bot, caplog)


# ---- 3. /cancel ----------------------------------------------------------------------------------


async def test_cancel_withdraws_an_unclaimed_ticket_and_tells_the_volunteer(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    ticket = submit(bot.uows, bot.config, bot.clock.now(), reporter=RESIDENT)
    number = ticket.id or 0
    await bot.reply_to(VOLUNTEER, f"#{number}")  # the offer reached the volunteer
    assert reload(bot.uows, number).status == S.ASSIGNED

    await bot.send_text(RESIDENT, f"/cancel {number}")
    done = await bot.reply_to(RESIDENT, part(texts.CANCELLED))
    assert done.params["text"] == texts.CANCELLED.format(number=number)
    told = await bot.reply_to(VOLUNTEER, part(texts.NOTICE_WITHDRAWN))
    assert f"#{number}" in told.params["text"]
    after = reload(bot.uows, number)
    assert after.status == S.CANCELLED and after.closed_at is not None
    assert events(bot.uows, number)[-1] == ("cancel", S.ASSIGNED, S.CANCELLED)
    assert_no_crash(bot, caplog)


async def test_cancel_is_refused_for_claimed_or_foreign_tickets_and_needs_a_number(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    now = bot.clock.now()
    claimed = submit(bot.uows, bot.config, now, reporter=RESIDENT).id or 0
    V.accept_ticket(deps_at(bot.uows, bot.config, now), claimed, VOLUNTEER)
    foreign = submit(bot.uows, bot.config, now, reporter=OTHER, text="2号楼门口的路灯不亮").id or 0
    before = {n: (reload(bot.uows, n).status, events(bot.uows, n)) for n in (claimed, foreign)}
    await bot.settled()

    since = time.monotonic()
    await bot.send_text(RESIDENT, f"/cancel {claimed}")
    await bot.reply_to(RESIDENT, texts.ERRORS["bad_state"].format(
        number=claimed, status=texts.STATUS_NAMES[S.CLAIMED],
        action=texts.ACTION_NAMES["cancel"]), since=since)

    since = time.monotonic()
    await bot.send_text(RESIDENT, f"/cancel {foreign}")
    refused = await bot.reply_to(RESIDENT, since=since)
    assert refused.params["text"] == texts.ERRORS["not_reporter"]

    for bad in ("/cancel", "/cancel 十二"):
        since = time.monotonic()
        await bot.send_text(RESIDENT, bad)
        hint = await bot.reply_to(RESIDENT, since=since)
        assert hint.params["text"] == texts.COMMAND_NEEDS_NUMBER.format(example="/cancel 12")

    await bot.settled()
    after = {n: (reload(bot.uows, n).status, events(bot.uows, n)) for n in (claimed, foreign)}
    assert after == before
    assert not any("撤回" in t for t in bot.api.sent_to(VOLUNTEER) + bot.api.sent_to(OTHER))
    assert_no_crash(bot, caplog)


# ---- 4. /my and /start ---------------------------------------------------------------------------


async def test_my_lists_the_residents_tickets_with_their_state(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "/my")
    empty = await bot.reply_to(RESIDENT)
    assert empty.params["text"] == texts.MY_EMPTY

    now = bot.clock.now()
    lamp = submit(bot.uows, bot.config, now, reporter=RESIDENT, text="1号楼楼道灯坏了").id or 0
    trash = submit(bot.uows, bot.config, now, reporter=RESIDENT, text="垃圾桶满了没人清",
                   category="sanitation").id or 0
    submit(bot.uows, bot.config, now, reporter=OTHER, text="别人的事：电梯异响")
    T.cancel_ticket(deps_at(bot.uows, bot.config, now), trash, RESIDENT)

    since = time.monotonic()
    await bot.send_text(RESIDENT, "/my")
    listed = (await bot.reply_to(RESIDENT, part(texts.MY_HEADER), since=since)).params["text"]
    assert texts.MY_LINE.format(number=lamp, category="设施维修", summary="1号楼楼道灯坏了",
                                status=texts.STATUS_NAMES[S.SUBMITTED]) in listed
    assert texts.MY_LINE.format(number=trash, category="环境卫生",
                                status=texts.STATUS_NAMES[S.CANCELLED],
                                summary="垃圾桶满了没人清") in listed
    assert "电梯" not in listed  # only the resident's own
    assert_no_crash(bot, caplog)


async def test_start_greets_with_the_privacy_note(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "/start")
    greeting = await bot.reply_to(RESIDENT)
    assert greeting.params["text"] == texts.START
    assert "电话" in greeting.params["text"] and "/" not in greeting.params["text"]
    assert button_labels(greeting) == START_BUTTONS
    # The phone is offered next, with Telegram's own contact button, and it is optional.
    phone = await bot.reply_to(RESIDENT, texts.ASK_PHONE)
    keyboard = phone.params["reply_markup"]["keyboard"]
    assert keyboard[0][0].get("request_contact") is True
    assert keyboard[1][0]["text"] == texts.BTN_NO_PHONE
    await bot.settled()
    assert bot.api.sent_to(RESIDENT) == [texts.START, texts.ASK_PHONE]

    since = time.monotonic()
    await bot.send_text(RESIDENT, "/start")  # a second /start does not ask again
    again = await bot.reply_to(RESIDENT, since=since)
    assert again.params["text"] == texts.START and button_labels(again) == START_BUTTONS
    await bot.settled()
    assert bot.api.sent_to(RESIDENT) == [texts.START, texts.ASK_PHONE, texts.START]
    assert_no_crash(bot, caplog)


START_BUTTONS = [[texts.BTN_START_REPORT, texts.BTN_START_WISH],
                 [texts.BTN_START_MY, texts.BTN_START_PRIVACY]]


async def test_the_greeting_buttons_do_what_the_commands_do(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    lamp = submit(bot.uows, bot.config, bot.clock.now(), reporter=RESIDENT,
                  text="1号楼楼道灯坏了").id or 0
    await bot.send_text(RESIDENT, "/start")
    greeting = await bot.reply_to(RESIDENT, texts.START)
    await bot.reply_to(RESIDENT, texts.ASK_PHONE)  # the greeting's second message
    for label, answer in ((texts.BTN_START_REPORT, texts.REPORT_PROMPT),
                          (texts.BTN_START_WISH, texts.WISH_PROMPT),
                          (texts.BTN_START_PRIVACY, texts.PRIVACY)):
        since = time.monotonic()
        await bot.press(RESIDENT, greeting, label)
        assert (await bot.reply_to(RESIDENT, since=since)).params["text"] == answer
    since = time.monotonic()
    await bot.press(RESIDENT, greeting, texts.BTN_START_MY)
    listed = (await bot.reply_to(RESIDENT, since=since)).params["text"]
    assert part(texts.MY_HEADER) in listed and f"编号 {lamp}" in listed

    # Typing after 说个心愿 is a submission like any other: a preview to confirm.
    since = time.monotonic()
    await bot.send_text(RESIDENT, "希望小区里能多放几张长椅")
    await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    since = time.monotonic()
    await bot.send_text(RESIDENT, "/privacy")
    assert (await bot.reply_to(RESIDENT, since=since)).params["text"] == texts.PRIVACY
    # The buttons stay usable: the greeting is never edited away.
    assert not [c for c in bot.api.calls("editMessageText") if c.chat_id == RESIDENT
                and c.params.get("message_id") == greeting.result["message_id"]]
    assert_no_crash(bot, caplog)


async def test_phone_is_asked_once_for_a_resident_who_never_sent_start(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    texts_sent = ["楼道灯坏了三天了，晚上上楼看不见", "小区门口垃圾堆了三天没人清"]
    for n, text in enumerate(texts_sent):
        since = time.monotonic()
        await bot.send_text(RESIDENT, text)
        preview = await bot.reply_to(RESIDENT, "确认提交", since=since)
        await bot.press(RESIDENT, preview, "确认提交")
        if n == 0:  # the first time the bot also asks which building (then remembers it)
            question = await bot.reply_to(RESIDENT, texts.PICK_BUILDING, since=since)
            await bot.press(RESIDENT, question, "1号楼")
        await bot.reply_to(RESIDENT, "已提交", since=since)
        if n == 0:
            await bot.reply_to(RESIDENT, texts.ASK_PHONE, since=since)
        await bot.settled()
    assert bot.api.sent_to(RESIDENT).count(texts.ASK_PHONE) == 1
    assert_no_crash(bot, caplog)


async def test_start_with_a_building_code_skips_the_building_question(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "/start b_b5")
    remembered = await bot.reply_to(RESIDENT, part(texts.START_BUILDING))
    assert "5号楼" in remembered.params["text"] and "和兴社区" in remembered.params["text"]
    stored = resident(bot, RESIDENT)
    assert stored is not None and (stored.community, stored.building) == ("hx", "b5")

    since = time.monotonic()
    await bot.send_text(RESIDENT, "楼下的路灯不亮了，晚上黑乎乎的")
    preview = await bot.reply_to(RESIDENT, "确认提交", since=since)
    assert "楼院：5号楼" in preview.params["text"]
    await bot.press(RESIDENT, preview, "确认提交")
    submitted = await bot.reply_to(RESIDENT, "已提交", since=since)
    assert not any(texts.PICK_BUILDING in (c.params.get("text") or "")
                   for c in bot.api.calls() if c.chat_id == RESIDENT)
    assert reload(bot.uows, ticket_number(submitted)).building == "b5"
    assert_no_crash(bot, caplog)


async def test_start_with_an_unknown_building_code_is_answered_politely(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "/start b_nonexistent")
    await bot.reply_to(RESIDENT, texts.START_UNKNOWN_BUILDING)
    await bot.settled()
    assert bot.api.sent_to(RESIDENT) == [
        texts.START, "\n\n".join([texts.START_UNKNOWN_BUILDING, texts.ASK_PHONE])]
    stored = resident(bot, RESIDENT)
    assert stored is None or stored.building is None
    assert_no_crash(bot, caplog)


# ---- 5. bad input --------------------------------------------------------------------------------


async def test_bad_input_gets_helpful_replies_and_creates_nothing(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    cases = [
        (lambda: bot.api.push_sticker(RESIDENT), texts.UNSUPPORTED_MESSAGE),
        (lambda: bot.api.push_document(RESIDENT), texts.UNSUPPORTED_MESSAGE),
        (lambda: bot.api.push_text(RESIDENT, "/foo"), texts.UNKNOWN_COMMAND),
        (lambda: bot.api.push_text(RESIDENT, "👍👍👍"), texts.NOT_MEANINGFUL),
        (lambda: bot.api.push_text(RESIDENT, " \n\t　 "), texts.NOT_MEANINGFUL),
        # no words either: interjections, keyboard mash, one character again and again
        (lambda: bot.api.push_text(RESIDENT, "啊啊啊"), texts.NOT_MEANINGFUL),
        (lambda: bot.api.push_text(RESIDENT, "asdfgh"), texts.NOT_MEANINGFUL),
        (lambda: bot.api.push_text(RESIDENT, "灯灯灯灯"), texts.NOT_MEANINGFUL),
    ]
    for push, expected in cases:
        since = time.monotonic()
        push()
        reply = await bot.reply_to(RESIDENT, since=since)
        assert reply.params["text"] == expected
        assert CJK.search(expected)
    await bot.settled()
    assert len(bot.api.sent_to(RESIDENT)) == len(cases)  # one answer each, nothing more
    assert drafts(bot, RESIDENT) == [] and all_tickets(bot) == []
    # A real two-character report still gets its preview.
    await bot.send_text(RESIDENT, "漏水")
    shown = await bot.reply_to(RESIDENT, "漏水")
    assert texts.BTN_CONFIRM in _labels(shown)
    assert_no_crash(bot, caplog)


async def test_a_text_of_4096_chinese_characters_is_a_valid_submission(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    long_text = ("3号楼楼道灯坏了好几天晚上上楼很不方便" * 300)[:4096]
    assert len(long_text) == 4096
    await bot.send_text(RESIDENT, long_text)
    preview = await bot.reply_to(RESIDENT, "确认提交")
    assert len(preview.params["text"]) <= 4096
    assert "设施维修" in preview.params["text"]
    [draft] = drafts(bot, RESIDENT)
    assert draft.text == long_text
    assert all_tickets(bot) == []  # a preview only: nothing is submitted before 确认提交
    assert_no_crash(bot, caplog)


# ---- 6. forged and stale buttons -----------------------------------------------------------------


@pytest.mark.parametrize("data", ["x", "t.clm:abc", "t.clm:1:2", "t.clm:" + "9" * 58, "z" * 64])
async def test_garbage_button_data_is_refused_politely(
        bot: Harness, caplog: pytest.LogCaptureFixture, data: str) -> None:
    assert len(data.encode()) <= 64
    ticket = submit(bot.uows, bot.config, bot.clock.now(), reporter=RESIDENT)
    message = await any_message(bot, RESIDENT)
    before = (reload(bot.uows, ticket.id or 0).status, events(bot.uows, ticket.id or 0))
    update = bot.api.push_callback(RESIDENT, data, message)
    alert = await alert_for(bot, update)
    assert alert.params["text"] == texts.BUTTON_NOT_UNDERSTOOD
    assert alert.params.get("show_alert") is True
    await bot.settled()
    assert (reload(bot.uows, ticket.id or 0).status, events(bot.uows, ticket.id or 0)) == before
    assert_no_crash(bot, caplog)


async def _resolved_ticket(bot: Harness) -> int:
    """RESIDENT's ticket, accepted and marked 已办结 by VOLUNTEER: waiting for 已解决."""
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    now = bot.clock.now()
    number = submit(bot.uows, bot.config, now, reporter=RESIDENT).id or 0
    d = deps_at(bot.uows, bot.config, now)
    V.accept_ticket(d, number, VOLUNTEER)
    V.resolve_ticket(d, number, VOLUNTEER, "换了新灯泡")
    return number


async def test_another_resident_cannot_confirm_a_resolution(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    number = await _resolved_ticket(bot)
    resolved = await bot.reply_to(RESIDENT, part(texts.NOTICE_RESOLVED))  # the reporter's buttons
    before = events(bot.uows, number)
    ok = next(b["callback_data"] for row in resolved.params["reply_markup"]["inline_keyboard"]
              for b in row if b["text"] == texts.BTN_RESOLVED_YES)
    message = await any_message(bot, OTHER)
    for data in (ok, f"t.no:{number}", f"t.rate:{number}:1"):
        alert = await alert_for(bot, bot.api.push_callback(OTHER, data, message))
        assert alert.params.get("show_alert") is True
        assert alert.params["text"] == texts.ERRORS["not_reporter"]
    await bot.settled()
    assert reload(bot.uows, number).status == S.RESOLVED
    assert events(bot.uows, number) == before
    assert not any(part(texts.ASK_RATING) in t for t in bot.api.sent_to(OTHER))
    assert_no_crash(bot, caplog)


async def test_claim_button_on_a_closed_ticket_is_refused(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    number = await _resolved_ticket(bot)
    T.confirm_resolution(deps_at(bot.uows, bot.config, bot.clock.now()), number, RESIDENT)
    bot.add_volunteer(VOLUNTEER_2, "赵强", categories=("repairs",))
    before = events(bot.uows, number)
    message = await any_message(bot, VOLUNTEER_2)
    alert = await alert_for(bot, bot.api.push_callback(VOLUNTEER_2, f"t.clm:{number}", message))
    assert alert.params.get("show_alert") is True
    assert alert.params["text"] == texts.ERRORS["bad_state_button"].format(
        number=number, status=texts.STATUS_NAMES_BY_ROLE["volunteer"][S.CLOSED])
    await bot.settled()
    after = reload(bot.uows, number)
    assert after.status == S.CLOSED and events(bot.uows, number) == before
    assert not any("详情" in t for t in bot.api.sent_to(VOLUNTEER_2))
    assert_no_crash(bot, caplog)


async def test_resident_cannot_press_coordinator_buttons(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    now = bot.clock.now()
    number = submit(bot.uows, bot.config, now, reporter=RESIDENT, text="有件事说不清",
                    category="other").id or 0
    await bot.reply_to(COORDINATORS[0], "需要分类")  # really waiting for triage
    before = (reload(bot.uows, number).model_dump(), events(bot.uows, number))
    message = await any_message(bot, RESIDENT)
    forged = (f"t.tri:{number}:repairs", f"t.asg:{number}:{VOLUNTEER}",
              f"t.cls:{number}:duplicate")
    for data in forged:
        alert = await alert_for(bot, bot.api.push_callback(RESIDENT, data, message))
        assert alert.params.get("show_alert") is True
        assert alert.params["text"] == texts.ERRORS["not_coordinator"]
    await bot.settled()
    assert (reload(bot.uows, number).model_dump(), events(bot.uows, number)) == before
    assert not any(c.chat_id == VOLUNTEER for c in bot.api.calls("sendMessage"))
    assert_no_crash(bot, caplog)


async def test_confirm_on_someone_elses_draft_is_refused(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "2号楼门口的井盖松了，走上去咣当响")
    preview = await bot.reply_to(RESIDENT, "确认提交")
    [draft] = drafts(bot, RESIDENT)
    ok = next(b["callback_data"] for row in preview.params["reply_markup"]["inline_keyboard"]
              for b in row if "确认提交" in b["text"])
    message = await any_message(bot, OTHER)
    for data in (ok, f"d.bld:{draft.id}:b2", f"d.setcat:{draft.id}:other", f"d.no:{draft.id}",
                 f"d.setb:{draft.id}:b5"):
        alert = await alert_for(bot, bot.api.push_callback(OTHER, data, message))
        assert alert.params.get("show_alert") is True
        assert alert.params["text"] == texts.ERRORS["draft_gone"]
    await bot.settled()
    [still] = drafts(bot, RESIDENT)
    # (2号楼 is the building the text names)
    assert (still.status, still.building, still.category) == ("open", "b2", draft.category)
    assert all_tickets(bot) == [] and resident(bot, OTHER) is None
    assert_no_crash(bot, caplog)


# ---- 7. drafts completed by later messages -------------------------------------------------------


async def test_photo_then_text_then_location_complete_one_draft(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bot.api.push_photo(RESIDENT, "p-lonely")
    first = await bot.reply_to(RESIDENT, "确认提交")
    assert texts.PREVIEW_NO_TEXT in first.params["text"] and "照片 1 张" in first.params["text"]
    await bot.reply_to(RESIDENT, texts.ASK_TEXT_FOR_MEDIA)

    since = time.monotonic()
    await bot.send_text(RESIDENT, "楼道里堆满了杂物，过不去人")
    completed = await bot.reply_to(RESIDENT, "确认提交", since=since)
    assert "楼道里堆满了杂物" in completed.params["text"]
    assert "照片 1 张" in completed.params["text"]
    [draft] = drafts(bot, RESIDENT)
    assert draft.photo_file_ids == ["p-lonely"] and "杂物" in draft.text

    since = time.monotonic()
    bot.api.push_location(RESIDENT, 39.91, 116.40)
    located = await bot.reply_to(RESIDENT, "确认提交", since=since)
    assert "位置" in located.params["text"] and "杂物" in located.params["text"]
    [draft] = drafts(bot, RESIDENT)
    assert (draft.location_lat, draft.location_lon) == (39.91, 116.40)

    await bot.press(RESIDENT, located, "确认提交")
    building = await bot.reply_to(RESIDENT, texts.PICK_BUILDING)
    await bot.press(RESIDENT, building, "2号楼")
    number = ticket_number(await bot.reply_to(RESIDENT, "已提交"))
    [ticket] = all_tickets(bot)
    assert ticket.id == number
    assert ticket.photo_file_ids == ["p-lonely"] and "杂物" in ticket.text
    # The earlier previews of the same draft are stale now: 确认提交 there submits nothing new.
    # Its press writes nothing and reads nothing (the building buttons carry the draft: issue
    # 12), so the building question comes; picking a building says it was submitted already.
    since = time.monotonic()
    await bot.press(RESIDENT, first, "确认提交")
    stale = await bot.reply_to(RESIDENT, texts.PICK_BUILDING, since=since)
    again = await alert_for(bot, await bot.press(RESIDENT, stale, "2号楼"))
    assert again.params["text"] == texts.ERRORS["draft_submitted"].format(number=number)
    assert len(all_tickets(bot)) == 1
    assert (ticket.location_lat, ticket.location_lon) == (39.91, 116.40)
    assert_no_crash(bot, caplog)


# ---- 8. command menus ----------------------------------------------------------------------------


async def test_command_menus_are_registered_per_scope_in_chinese(bot: Harness) -> None:
    calls = await bot.api.wait_for_all("setMyCommands", count=2 + len(COORDINATORS))
    by_scope = {(c.params["scope"]["type"], c.params["scope"].get("chat_id")):
                {cmd["command"]: cmd["description"] for cmd in c.params["commands"]}
                for c in calls}
    private = by_scope[("all_private_chats", None)]
    group = by_scope[("all_group_chats", None)]
    assert {"start", "my", "cancel", "wish", "report", "privacy", "help"} <= set(private)
    assert "assign" not in private
    assert set(group) == {"help"}
    for coordinator in COORDINATORS:
        menu = by_scope[("chat", coordinator)]
        assert {"assign", "close", "stats", "my"} <= set(menu)
    for menu in by_scope.values():
        assert all(CJK.search(description) for description in menu.values()), menu


# ---- 9. sharing a phone number -------------------------------------------------------------------


def _contact_update(bot: Harness, user_id: int, phone: str, owner: int | None) -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone, "first_name": "李"}
    if owner is not None:
        contact["user_id"] = owner
    sender = {"id": user_id, "is_bot": False, "first_name": "张"}
    return bot.api.push_raw({"message": {
        "message_id": 90_000 + len(bot.api.calls()), "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "张"}, "from": sender,
        "contact": contact}})


async def test_sharing_own_phone_is_saved_on_the_ticket(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    number = await submit_via_chat(bot, RESIDENT, "1号楼电梯按钮坏了按不亮")
    ask = await bot.reply_to(RESIDENT, texts.ASK_PHONE)
    keyboard = ask.params["reply_markup"]["keyboard"]
    assert keyboard[0][0].get("request_contact") is True

    since = time.monotonic()
    bot.api.push_contact(RESIDENT, "+8613900001111")
    saved = await bot.reply_to(RESIDENT, texts.PHONE_SAVED, since=since)
    assert saved.params["reply_markup"].get("remove_keyboard") is True
    assert reload(bot.uows, number).contact_phone == "+8613900001111"
    stored = resident(bot, RESIDENT)
    assert stored is not None and stored.phone == "+8613900001111"
    assert_no_crash(bot, caplog)


async def test_someone_elses_contact_asks_to_use_the_button(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    number = await submit_via_chat(bot, RESIDENT, "1号楼电梯按钮坏了按不亮")
    await bot.reply_to(RESIDENT, texts.ASK_PHONE)
    for owner in (OTHER, None):  # a friend's Telegram contact, or a number from the address book
        since = time.monotonic()
        _contact_update(bot, RESIDENT, "13700002222", owner)
        refused = await bot.reply_to(RESIDENT, since=since)
        assert refused.params["text"] == texts.PHONE_NOT_OWN
        assert refused.params["reply_markup"]["keyboard"][0][0].get("request_contact") is True
    await bot.settled()
    assert reload(bot.uows, number).contact_phone is None
    stored = resident(bot, RESIDENT)
    assert stored is not None and stored.phone is None
    assert texts.PHONE_SAVED not in bot.api.sent_to(RESIDENT)
    assert_no_crash(bot, caplog)


# ---- 10. black-box findings (bugsintake) ---------------------------------------------------------


async def test_a_building_named_in_the_text_is_the_drafts_and_the_preview_can_change_it(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "/start b_b1")  # saved as 1号楼
    await bot.reply_to(RESIDENT, part(texts.START_BUILDING))

    since = time.monotonic()
    await bot.send_text(RESIDENT, "3号楼门口的下水道堵了")
    shown = await bot.reply_to(RESIDENT, "确认提交", since=since)
    assert "楼院：3号楼" in shown.params["text"]
    [draft] = drafts(bot, RESIDENT)
    assert draft.building == "b3"
    # The preview offers another building, as the building question does.
    assert texts.BTN_CHANGE_BUILDING in _labels(shown)
    since = time.monotonic()
    await bot.press(RESIDENT, shown, texts.BTN_CHANGE_BUILDING)
    choices = await bot.api.wait_for(
        lambda c: c.method in ("editMessageReplyMarkup", "editMessageText")
        and c.chat_id == RESIDENT and "5号楼" in _labels(c), since=since)
    since = time.monotonic()
    await bot.press(RESIDENT, choices, "5号楼")
    changed = await bot.reply_to(RESIDENT, "楼院：5号楼", since=since)
    assert texts.BTN_CONFIRM in _labels(changed)
    [draft] = drafts(bot, RESIDENT)
    assert draft.building == "b5" and draft.status == "open"  # changed, not submitted
    await bot.press(RESIDENT, changed, "确认提交")
    submitted = await bot.reply_to(RESIDENT, "已提交", since=since)
    assert reload(bot.uows, ticket_number(submitted)).building == "b5"

    # A building the text does not name leaves the saved one.
    since = time.monotonic()
    await bot.send_text(RESIDENT, "楼下的路灯不亮了")
    plain = await bot.reply_to(RESIDENT, "确认提交", since=since)
    assert "楼院：1号楼" in plain.params["text"]
    assert_no_crash(bot, caplog)


def live_previews(bot: Harness, chat_id: int) -> list[int]:
    """Message ids of the previews in the chat whose 确认提交 is still there (the last send or
    edit of each message decides)."""
    last: dict[int, Call] = {}
    for c in bot.api.calls():
        if c.chat_id != chat_id or not c.ok:
            continue
        if c.method == "sendMessage" and isinstance(c.result, dict):
            last[c.result["message_id"]] = c
        elif c.method in ("editMessageText", "editMessageReplyMarkup"):
            last[c.params["message_id"]] = c
    return [m for m, c in last.items() if texts.BTN_CONFIRM in _labels(c)]


async def test_voice_then_location_leave_one_live_preview(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bot.api.push_voice(RESIDENT, "v-1")
    first = await bot.reply_to(RESIDENT, "确认提交")
    since = time.monotonic()
    bot.api.push_location(RESIDENT, 39.91, 116.40)
    second = await bot.reply_to(RESIDENT, "位置", since=since)
    assert "语音" in second.params["text"] and texts.BTN_CONFIRM in _labels(second)
    retired = await bot.api.wait_for(
        lambda c: c.method == "editMessageText" and c.chat_id == RESIDENT
        and c.params["message_id"] == first.result["message_id"], since=since)
    assert retired.params["text"] == texts.PREVIEW_REPLACED and not _labels(retired)
    await bot.settled()
    assert live_previews(bot, RESIDENT) == [second.result["message_id"]]
    [draft] = drafts(bot, RESIDENT)
    assert draft.voice_file_id == "v-1" and draft.location_lat == 39.91

    # Words for them: again one live preview, the newest.
    since = time.monotonic()
    await bot.send_text(RESIDENT, "小区东门这个井盖松了，踩上去咣当响")
    third = await bot.reply_to(RESIDENT, "井盖", since=since)
    await bot.api.wait_for(
        lambda c: c.method == "editMessageText"
        and c.params["message_id"] == second.result["message_id"], since=since)
    await bot.settled()
    assert live_previews(bot, RESIDENT) == [third.result["message_id"]]
    await bot.press(RESIDENT, third, "确认提交")
    building = await bot.reply_to(RESIDENT, texts.PICK_BUILDING)
    await bot.press(RESIDENT, building, "2号楼")
    await bot.reply_to(RESIDENT, "已提交")
    [ticket] = all_tickets(bot)
    assert ticket.voice_file_id == "v-1" and ticket.location_lat == 39.91
    assert_no_crash(bot, caplog)


async def test_text_then_photo_then_location_leave_one_live_preview(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "单元门口的灯坏了")
    await bot.reply_to(RESIDENT, "确认提交")
    for push in (lambda: bot.api.push_photo(RESIDENT, "p-1"),
                 lambda: bot.api.push_location(RESIDENT, 39.9, 116.4)):
        since = time.monotonic()
        push()
        await bot.reply_to(RESIDENT, texts.PREVIEW_REPLACED, since=since)
        await bot.settled()
        assert len(live_previews(bot, RESIDENT)) == 1
    newest = previews_to(bot, RESIDENT)[-1]
    assert "照片 1 张" in newest.params["text"] and "位置" in newest.params["text"]
    assert live_previews(bot, RESIDENT) == [newest.result["message_id"]]
    assert_no_crash(bot, caplog)


async def test_the_residents_own_preview_shows_their_phone_as_typed(
        bot: Harness, caplog: pytest.LogCaptureFixture) -> None:
    await bot.send_text(RESIDENT, "楼下水管漏了，联系我13812345678")
    shown = await bot.reply_to(RESIDENT, "确认提交")
    assert "13812345678" in shown.params["text"]  # their own chat: nothing to hide from them
    assert "138****5678" not in shown.params["text"]
    assert_no_crash(bot, caplog)
