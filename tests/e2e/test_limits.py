"""Telegram's limits, end to end: the stand-in refuses what Telegram refuses (over-long text,
caption, callback answer, button data), and a maximum-length ticket still goes round the whole
loop without a single refused call."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.domain.states import TicketStatus as S
from bot.localapi import Call, LocalBotApi
from bot.localapi.core import NOT_MODIFIED
from bot.texts import fit
from bot.texts.sending import FittedBot
from tests.e2e.conftest import COORDINATORS, GROUP, TOKEN, Harness, button_labels
from tests.factories import reload

RESIDENT = 900
VOLUNTEER = 500
LATE_VOLUNTEER = 501
COORDINATOR = COORDINATORS[0]
PHONE = "138 1234 5678"
# A volunteer's name long enough that "来晚一步…已经被 {name} 认领了" exceeds a callback answer.
LONG_NAME = "李明" + "🏠" * 90

_PIECES = ("楼道灯坏了三天了😀", "晚上黑乎乎的🏠", "老人上下楼怕摔👨‍👩‍👧", "孩子放学也害怕🇨🇳",
           "麻烦尽快修一下👍🏽", "谢谢社区")


def _long(head: str, length: int = 4096) -> str:
    """`head`, then sentences dense with emoji (so every cut falls near one), `length`
    characters in all: the most a resident's message may hold (more UTF-16 units)."""
    body, i = head, 0
    while len(body) < length:
        body += _PIECES[i % len(_PIECES)] + ("，" if i % 3 else "。")
        i += 1
    return body[: length - 1] + "。"


TEXT = _long(f"我是王秀英，住3号楼502室，电话{PHONE}，")
NOTE = _long("已联系电工😀，")
SUMMARY = _long("换了新灯泡🏠，", 4096)


def _bare(text: str) -> str:
    """Without white space (dropped where a text is split) nor U+200D (intake drops it)."""
    return re.sub(r"[\s\u200d]", "", text)


def _to(chat: int, since: float, method: str = "sendMessage") -> Callable[[Call], bool]:
    return lambda c: c.method == method and c.chat_id == chat and c.time >= since


async def test_a_maximum_length_ticket_goes_round_the_whole_loop(bot: Harness) -> None:
    assert len(TEXT) == 4096 and fit.units(TEXT) > fit.TEXT_LIMIT
    # Registered for a category the text is not about: the ticket goes to the group to be claimed.
    bot.add_volunteer(VOLUNTEER, LONG_NAME, categories=("culture",))
    bot.add_volunteer(LATE_VOLUNTEER, "张强", categories=("culture",))
    number = await bot.submit(RESIDENT, TEXT, building="3号楼")

    # The group sees a trimmed, masked summary that says where the rest is.
    post = await bot.reply_to(GROUP, f"#{number}")
    group_text = post.params["text"]
    assert group_text.endswith(texts.MORE_AFTER_CLAIM) and fit.units(group_text) < 200
    assert "1234" not in group_text

    since = time.monotonic()
    await bot.press(VOLUNTEER, post, "认领")
    parts = await bot.api.wait_for_all(_to(VOLUNTEER, since), count=2)
    assert parts[0].params["text"].startswith(f"工单 #{number} 详情")
    stored = reload(bot.uows, number).text  # as the bot keeps it (clean_text drops U+200D)
    assert fit.units(stored) > fit.TEXT_LIMIT and PHONE in stored
    assert _bare(stored) in _bare(parts[0].params["text"] + parts[1].params["text"])
    assert button_labels(parts[0]) == [] and texts.BTN_PROGRESS in str(button_labels(parts[1]))
    details = parts[1]

    # A second volunteer is too late: the refusal names the long name, cut to 200 units.
    since = time.monotonic()
    await bot.press(LATE_VOLUNTEER, post, "认领")
    late = await bot.api.wait_for("answerCallbackQuery", since=since)
    assert late.ok and fit.units(late.params["text"]) <= fit.ANSWER_LIMIT
    assert late.params["text"].endswith(texts.TRIMMED_MARK)

    # A long progress note reaches the resident whole, over two messages (what the claim
    # owed them is out first: on a busy machine it may still be on its way).
    await bot.settled()
    since = time.monotonic()
    await bot.press(VOLUNTEER, details, texts.BTN_PROGRESS)
    await bot.reply_to(VOLUNTEER, texts.ASK_PROGRESS[:4], since=since)
    await bot.send_text(VOLUNTEER, NOTE)
    note_parts = await bot.api.wait_for_all(_to(RESIDENT, since), count=2)
    assert _bare(NOTE) in _bare("".join(c.params["text"] for c in note_parts))

    # A maximum-length summary: the resident's 已解决 button sits under its last part.
    since = time.monotonic()
    await bot.press(VOLUNTEER, details, texts.BTN_RESOLVE)
    await bot.reply_to(VOLUNTEER, texts.ASK_RESOLVE[:4], since=since)
    await bot.send_text(VOLUNTEER, SUMMARY)
    resolved = await bot.api.wait_for(
        lambda c: _to(RESIDENT, since)(c) and texts.BTN_RESOLVED_YES in str(button_labels(c)))
    told = [c for c in bot.api.calls("sendMessage") if _to(RESIDENT, since)(c)]
    assert len(told) == 2 and told[-1] is resolved
    assert _bare(SUMMARY) in _bare("".join(c.params["text"] for c in told))
    since = time.monotonic()
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    rating = await bot.api.wait_for(
        lambda c: _to(RESIDENT, since, "editMessageText")(c) and "⭐" in str(button_labels(c)))
    await bot.press(RESIDENT, rating, "⭐⭐⭐⭐⭐")
    await bot.reply_to(VOLUNTEER, "5 分", since=since)
    assert (reload(bot.uows, number).status, reload(bot.uows, number).rating) == (S.CLOSED, 5)

    # The coordinator's digest, and /ticket N with the resident's words in full.
    since = time.monotonic()
    await bot.send_text(COORDINATOR, "/digest")
    await bot.api.wait_for(_to(COORDINATOR, since, "sendPhoto"))
    await bot.api.wait_for(_to(COORDINATOR, since))
    since = time.monotonic()
    await bot.send_text(COORDINATOR, f"/ticket {number}")
    # The resident's words and the volunteer's 4,096-character summary: three messages.
    view = await bot.api.wait_for_all(_to(COORDINATOR, since), count=3)
    await bot.settled()
    assert len([c for c in bot.api.calls() if _to(COORDINATOR, since)(c)]) == 3
    shown = "".join(c.params["text"] for c in view)
    assert view[0].params["text"].startswith(f"工单 #{number}")
    assert _bare(stored) in _bare(shown) and _bare(SUMMARY) in _bare(shown)
    assert LONG_NAME in shown

    await bot.settled()
    refused = [f"{c.method} {c.error}" for c in bot.api.calls() if not c.ok]
    assert refused == []


async def test_ticket_view_is_for_the_tickets_coordinators_only(bot: Harness) -> None:
    number = await bot.submit(RESIDENT, f"楼道灯坏了，电话{PHONE}", building="3号楼")
    since = time.monotonic()
    await bot.send_text(RESIDENT, f"/ticket {number}")
    await bot.reply_to(RESIDENT, texts.NOT_COORDINATOR_COMMAND, since=since)
    since = time.monotonic()
    await bot.send_text(COORDINATOR, "/ticket 999")
    missing = await bot.reply_to(COORDINATOR, since=since)
    assert missing.params["text"] == texts.ERRORS["ticket_not_found"].format(number=999)
    since = time.monotonic()
    await bot.send_text(COORDINATOR, f"/ticket {number}")
    shown = await bot.reply_to(COORDINATOR, f"#{number}", since=since)
    assert PHONE in shown.params["text"] and "3号楼" in shown.params["text"]


async def test_the_offer_keeps_its_buttons_until_the_details_arrived(bot: Harness) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    number = await bot.submit(RESIDENT, "楼道灯坏了三天了", building="3号楼")
    offer = await bot.reply_to(VOLUNTEER, f"#{number}")
    assert texts.BTN_ACCEPT in str(button_labels(offer))
    since = time.monotonic()
    await bot.press(VOLUNTEER, offer, texts.BTN_ACCEPT)
    cleared = await bot.api.wait_for(_to(VOLUNTEER, since, "editMessageReplyMarkup"))
    details = await bot.api.wait_for(
        lambda c: _to(VOLUNTEER, since)(c) and "详情" in c.params["text"])
    assert details.time < cleared.time  # removed only once the replacement was accepted
    assert cleared.params["message_id"] == offer.result["message_id"]
    assert "reply_markup" not in cleared.result  # the offer carries no button now


async def test_the_bot_every_handler_uses_keeps_replies_within_limits(
        fake_api: LocalBotApi) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="t.ok:1")]])
    async with FittedBot(TOKEN, base_url=f"{fake_api.url}/bot") as bot:
        last = await bot.send_message(42, "一句话。" * 2000, reply_markup=keyboard)
        sent = fake_api.calls("sendMessage")
        assert len(sent) == 2 and last.message_id == sent[-1].result["message_id"]
        assert "reply_markup" not in sent[0].params and sent[1].params["reply_markup"]
        assert _bare("".join(c.params["text"] for c in sent)) == "一句话。" * 2000
        assert await bot.edit_message_text(
            "一句话。", chat_id=42, message_id=last.message_id, reply_markup=keyboard) is not True
        # The same again: Telegram's "message is not modified" means it is done, not an error.
        assert await bot.edit_message_text(
            "一句话。", chat_id=42, message_id=last.message_id, reply_markup=keyboard) is True
        assert await bot.edit_message_reply_markup(
            chat_id=42, message_id=last.message_id, reply_markup=keyboard) is True
        edited = await bot.edit_message_text("长" * 5000, chat_id=42, message_id=last.message_id)
        assert not isinstance(edited, bool) and fit.units(edited.text or "") == fit.TEXT_LIMIT
        assert await bot.answer_callback_query("1", "好" * 300, show_alert=True)
        await bot.send_photo(42, "AgAC", caption="图" * 2000)
    answer = fake_api.calls("answerCallbackQuery")[0].params["text"]
    assert fit.units(answer) == fit.ANSWER_LIMIT and answer.endswith(texts.TRIMMED_MARK)
    assert fit.units(fake_api.calls("sendPhoto")[0].params["caption"]) == fit.CAPTION_LIMIT
    # Only the two edits that changed nothing were answered 400, and the bot took them as done.
    assert [c.method for c in fake_api.calls() if not c.ok] == [
        "editMessageText", "editMessageReplyMarkup"]
    assert {c.error for c in fake_api.calls() if not c.ok} == {NOT_MODIFIED}


async def test_a_double_tap_that_changes_nothing_is_not_an_error(bot: Harness) -> None:
    await bot.send_text(RESIDENT, "楼道灯坏了三天了")
    preview = await bot.reply_to(RESIDENT, texts.BTN_CONFIRM)
    since = time.monotonic()
    await bot.press(RESIDENT, preview, texts.BTN_OTHER_CATEGORY)
    picker = await bot.api.wait_for(_to(RESIDENT, since, "editMessageReplyMarkup"))
    for _ in range(2):  # the second tap would edit the preview into what it already says
        since = time.monotonic()
        await bot.press(RESIDENT, picker, "设施维修")
        await bot.api.wait_for("answerCallbackQuery", since=since)
        await bot.api.wait_for(_to(RESIDENT, since, "editMessageText"), include_failed=True)
    await bot.settled()
    refused = [c for c in bot.api.calls() if not c.ok]
    assert [c.error for c in refused] == [NOT_MODIFIED]  # Telegram's answer, taken as done
    answers = [c.params.get("text") for c in bot.api.calls("answerCallbackQuery")]
    assert texts.ERROR_TRY_AGAIN not in answers
    assert texts.ERROR_TRY_AGAIN not in bot.api.sent_to(RESIDENT)
