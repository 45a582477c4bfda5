"""Replies owed like any notice (issue 13 §1): a new draft's preview and the receipt are
outbox rows written with what they answer. The handler delivers them at once and says so
(marked sent a moment later, bot/services/replies.py); a reply it could not deliver is sent
by the outbox at once; one it never got to (the process stopped) once its grace is over.

The real Application against the stand-in Bot API; the bot's clock is moved by hand.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import select

from bot import texts
from bot.localapi import LocalBotApi
from bot.services.notices import REPLY_GRACE
from bot.services.volunteers import accept_ticket
from storage.models import Outbox
from tests.e2e.conftest import Harness, button_labels
from tests.factories import deps_at, submit
from tests.waiting import until
from tests.wording import part

RESIDENT, NEIGHBOUR = 911, 912
LAMP = "楼道灯坏了好几天了，晚上黑乎乎的"


def _previews(api: LocalBotApi, chat_id: int) -> list[int]:
    """The message ids of the previews (messages with 确认提交) the chat was sent."""
    return [int(c.result["message_id"]) for c in api.calls("sendMessage")
            if c.ok and c.chat_id == chat_id
            and texts.BTN_CONFIRM in str(c.params.get("reply_markup"))]


def _rows(h: Harness, notice: str) -> list[Outbox]:
    with h.uows() as uow:
        return list(uow.session.exec(select(Outbox).where(Outbox.notice == notice)
                                     .order_by(Outbox.id)).all())


def _all_sent(h: Harness, notice: str, count: int) -> bool:
    rows = _rows(h, notice)
    return len(rows) == count and all(r.status == "sent" for r in rows)


def _past_grace(h: Harness) -> None:
    """The bot's clock past the handlers' grace, and the sender told to look."""
    h.clock.advance(REPLY_GRACE + timedelta(seconds=1))
    h.app.bot_data["dispatcher"].wake()


async def test_a_preview_the_handler_showed_is_marked_sent_and_never_shown_again(
        bot: Harness) -> None:
    since = time.monotonic()
    await bot.send_text(RESIDENT, LAMP)
    await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await until(lambda: _all_sent(bot, "preview", 1))
    shown = _previews(bot.api, RESIDENT)
    assert [r.sent_message_id for r in _rows(bot, "preview")] == shown
    _past_grace(bot)
    await bot.settled()
    assert _previews(bot.api, RESIDENT) == shown  # one preview, not a second from the outbox


async def test_a_preview_telegram_did_not_take_is_sent_by_the_outbox_at_once(
        bot: Harness) -> None:
    """The connection drops on the handler's send: the resident still sees their preview,
    without waiting for the grace (the clock does not move), and it works."""
    since = time.monotonic()
    bot.api.drop_next("sendMessage")
    await bot.send_text(RESIDENT, LAMP)
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.settled()
    assert len(_previews(bot.api, RESIDENT)) == 1
    assert texts.ERROR_TRY_AGAIN not in bot.api.sent_to(RESIDENT)
    number = await bot.confirm(RESIDENT, preview)
    assert number > 0


async def test_a_preview_the_handler_never_sent_comes_from_the_outbox_after_the_grace(
        bot: Harness) -> None:
    """As if the process stopped between storing the draft and showing it: the row stays
    held, and the outbox shows the preview once the handler's grace is over."""
    replies = bot.app.bot_data["deps"].replies
    replies.not_delivered = lambda row_id: None  # the handler's word never comes
    since = time.monotonic()
    bot.api.drop_next("sendMessage")
    await bot.send_text(RESIDENT, LAMP)
    await until(lambda: len(_rows(bot, "preview")) == 1 and not bot.unhandled())
    dispatcher = bot.app.bot_data["dispatcher"]
    passes = dispatcher.passes
    dispatcher.wake()
    await until(lambda: dispatcher.passes > passes)  # the sender looked, and left it alone
    [held] = _rows(bot, "preview")  # held for its handler: the sender leaves it alone
    assert held.status == "pending" and held.lease_until is not None
    assert held.lease_until.replace(tzinfo=None) > bot.clock.now().replace(tzinfo=None)
    assert _previews(bot.api, RESIDENT) == []
    _past_grace(bot)
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    assert await bot.confirm(RESIDENT, preview) > 0


async def test_a_preview_owed_for_a_draft_submitted_meanwhile_is_not_sent(bot: Harness) -> None:
    replies = bot.app.bot_data["deps"].replies
    replies.delivered = lambda row_id, message_id: None  # shown, but the mark is lost
    since = time.monotonic()
    await bot.send_text(RESIDENT, LAMP)
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.confirm(RESIDENT, preview)
    _past_grace(bot)
    await bot.settled()
    assert len(_previews(bot.api, RESIDENT)) == 1  # submitted: nothing left to confirm


async def test_the_receipt_is_owed_with_the_ticket_and_delivered_once(bot: Harness) -> None:
    """The receipt (已提交，编号 N) is owed in the transaction that stores the ticket. The
    handler delivers it at once; when its edit never reaches Telegram, the outbox makes it,
    at once, on the preview they pressed."""
    since = time.monotonic()
    await bot.send_text(RESIDENT, LAMP)
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM, since=since)
    await bot.press(RESIDENT, preview, texts.BTN_CONFIRM)
    question = await bot.reply_to(RESIDENT, "哪个楼院", since=since)
    bot.api.drop_next("editMessageText")  # the handler's own delivery is lost
    await bot.press(RESIDENT, question, "1号楼")
    receipt = await bot.reply_to(RESIDENT, "已提交", since=since)
    assert receipt.method == "editMessageText"
    assert receipt.params["message_id"] == preview.result["message_id"]
    await bot.settled()
    # A receipt the handler delivered is marked so: nobody sends it again.
    number = await bot.submit(NEIGHBOUR, "小区门口垃圾堆了三天没人清")
    await until(lambda: _all_sent(bot, "submitted", 2))
    _past_grace(bot)
    await bot.settled()
    receipts = [c for c in bot.api.calls("editMessageText")
                if c.ok and "已提交" in c.params["text"]]
    assert [c.chat_id for c in receipts] == [RESIDENT, NEIGHBOUR]
    assert f"编号 {number}" in receipts[-1].params["text"]


# ---- replies promised with a change (bot/services/replies.py, promise_reply_from) -----------

def _cancelled(api: LocalBotApi, number: int) -> list[str]:
    said = texts.CANCELLED.format(number=number)
    return [t for t in api.sent_to(RESIDENT) if t == said]


async def test_a_reply_promised_with_a_change_is_owed_in_its_transaction(bot: Harness) -> None:
    number = await bot.submit(RESIDENT, LAMP)
    await bot.send_text(RESIDENT, f"/cancel {number}")
    await until(lambda: _all_sent(bot, "reply", 1))
    [row] = _rows(bot, "reply")
    assert row.chat_id == RESIDENT and row.payload["text"] == texts.CANCELLED.format(
        number=number)
    _past_grace(bot)
    await bot.settled()
    assert len(_cancelled(bot.api, number)) == 1


async def test_a_promised_reply_the_handler_could_not_send_comes_from_the_outbox(
        bot: Harness) -> None:
    number = await bot.submit(RESIDENT, LAMP)
    await bot.settled()
    bot.api.drop_next("sendMessage")
    await bot.send_text(RESIDENT, f"/cancel {number}")
    await until(lambda: len(_cancelled(bot.api, number)) == 1)
    await bot.settled()
    assert len(_cancelled(bot.api, number)) == 1


async def test_a_promised_reply_never_sent_comes_after_the_grace(bot: Harness) -> None:
    number = await bot.submit(RESIDENT, LAMP)
    await bot.settled()
    bot.app.bot_data["deps"].replies.not_delivered = lambda row_id: None  # as if it stopped
    bot.api.drop_next("sendMessage")
    await bot.send_text(RESIDENT, f"/cancel {number}")
    await until(lambda: len(_rows(bot, "reply")) == 1 and not bot.unhandled())
    assert _cancelled(bot.api, number) == []
    _past_grace(bot)
    await until(lambda: len(_cancelled(bot.api, number)) == 1)


async def test_a_refused_change_owes_no_reply(bot: Harness) -> None:
    """Another resident's ticket cannot be withdrawn: the refusal is said, and nothing is owed
    (the promised 已撤回 was for a change that did not happen)."""
    number = await bot.submit(RESIDENT, LAMP)
    since = time.monotonic()
    await bot.send_text(NEIGHBOUR, f"/cancel {number}")
    await bot.reply_to(NEIGHBOUR, since=since)
    await bot.settled()
    assert _rows(bot, "reply") == []
    assert texts.CANCELLED.format(number=number) not in bot.api.sent_to(NEIGHBOUR)


async def test_an_answer_to_a_question_owes_the_reply_made_from_what_was_found(
        bot: Harness) -> None:
    """A comment after rating: its 已记下 is owed with the comment (made from what the text
    turned out to be); Telegram failing on it, the outbox still delivers it."""
    _, resolved = await bot.fixed_lamp(RESIDENT, 500)
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    rating = await bot.reply_to(RESIDENT, part(texts.ASK_RATING))
    await until(lambda: _all_sent(bot, "reply", 1))  # 已解决's stars: owed with the closing
    assert part(texts.ASK_RATING) in _rows(bot, "reply")[0].payload["text"]
    since = time.monotonic()
    await bot.press(RESIDENT, rating, "⭐⭐⭐⭐⭐")
    await bot.reply_to(RESIDENT, texts.RATED, since=since)
    await bot.settled()
    # The handler's send fails (an owed reply is not retried there: the outbox retries it).
    bot.api.fail_next("sendMessage", status=502, chat_id=RESIDENT)
    await bot.send_text(RESIDENT, "志愿者很热心，谢谢")
    await until(lambda: texts.COMMENT_SAVED in bot.api.sent_to(RESIDENT))
    await bot.settled()
    [row] = [r for r in _rows(bot, "reply") if r.payload["text"] == texts.COMMENT_SAVED]
    assert row.status == "sent" and row.chat_id == RESIDENT
    assert bot.api.sent_to(RESIDENT).count(texts.COMMENT_SAVED) == 1


async def test_a_question_asked_after_a_check_is_owed_with_the_wait(bot: Harness) -> None:
    """添加进展 checks the volunteer holds the matter (no change), then waits for their note:
    the question, with its 取消 button, is owed with the wait; Telegram failing on it, the
    outbox still asks it, and the note that follows is taken."""
    bot.add_volunteer(500, "李明", categories=("repairs",))
    number = submit(bot.uows, bot.config, bot.clock.now(), reporter=RESIDENT).id or 0
    accept_ticket(deps_at(bot.uows, bot.config, bot.clock.now()), number, 500)
    await bot.settled()
    [work] = [c for c in bot.api.calls("sendMessage") if c.ok and c.chat_id == 500
              and texts.BTN_PROGRESS in str(c.params.get("reply_markup"))]
    bot.api.fail_next("sendMessage", status=502, chat_id=500)
    since = time.monotonic()
    await bot.press(500, work, texts.BTN_PROGRESS)
    asked = await bot.reply_to(500, texts.ASK_PROGRESS, since=since)
    assert asked.ok and button_labels(asked)
    [row] = [r for r in _rows(bot, "reply") if r.payload["text"] == texts.ASK_PROGRESS]
    await until(lambda: _all_sent(bot, "reply", len(_rows(bot, "reply"))))
    since = time.monotonic()
    await bot.send_text(500, "已经换了新灯泡")
    await bot.reply_to(500, texts.PROGRESS_SAVED, since=since)
    assert row.chat_id == 500


async def test_the_thanks_for_a_rating_is_owed_with_the_wait_for_a_comment(bot: Harness) -> None:
    _, resolved = await bot.fixed_lamp(RESIDENT, 500)
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    rating = await bot.reply_to(RESIDENT, part(texts.ASK_RATING))
    since = time.monotonic()
    await bot.press(RESIDENT, rating, "⭐⭐⭐⭐⭐")
    thanks = await bot.reply_to(RESIDENT, texts.RATED, since=since)
    assert button_labels(thanks) == [[texts.BTN_SKIP]]
    await until(lambda: any(r.payload["text"] == texts.RATED and r.status == "sent"
                            for r in _rows(bot, "reply")))
