"""Tests proving LocalBotApi works with a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.localapi import Call, LocalBotApi
from tests.waiting import WAIT, until

# PTB 22.x warns inside RetryAfter.__init__ itself (int-valued `retry_after` is deprecated).
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

TOKEN = "123456:TEST-TOKEN"
USER = 42
GROUP = -1001234


@pytest.fixture
def fake_api() -> Iterator[LocalBotApi]:
    with LocalBotApi() as server:
        yield server


def make_bot(server: LocalBotApi) -> Bot:
    return Bot(TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")


@asynccontextmanager
async def running_app(server: LocalBotApi, *handlers: BaseHandler[Any, Any, Any]
                      ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A polling PTB Application wired to ``server``; stopped cleanly on exit."""
    app = (ApplicationBuilder().token(TOKEN).base_url(f"{server.url}/bot")
           .base_file_url(f"{server.url}/file/bot").build())
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data="confirm:7")]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"欢迎 args={context.args}", reply_markup=KEYBOARD)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("已确认")
    await query.edit_message_text(f"pressed {query.data}")


async def test_command_round_trip(fake_api: LocalBotApi) -> None:
    async with running_app(fake_api, CommandHandler("start", start)):
        update = fake_api.push_text(USER, "/start@community_test_bot 参数 2")
        assert update["message"]["entities"] == [
            {"type": "bot_command", "offset": 0, "length": len("/start@community_test_bot")}]
        call = await fake_api.wait_for("sendMessage", chat_id=USER)
        assert call.params["text"] == "欢迎 args=['参数', '2']"
        assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "confirm:7"
        assert call.result["from"]["username"] == "community_test_bot"
        assert call.result["chat"] == {"id": USER, "first_name": "张", "type": "private"}
    # Stopped: the Application finished every update it had, so nothing more can be sent.
    assert fake_api.sent_to(USER) == ["欢迎 args=['参数', '2']"]
    assert fake_api.calls("getMe") and fake_api.tokens == {TOKEN}


async def test_callback_button_press(fake_api: LocalBotApi) -> None:
    handlers = (CommandHandler("start", start), CallbackQueryHandler(on_button))
    async with running_app(fake_api, *handlers):
        fake_api.push_text(USER, "/start")
        sent = await fake_api.wait_for("sendMessage")
        pressed = fake_api.push_callback(USER, "confirm:7", sent)
        answer = await fake_api.wait_for("answerCallbackQuery")
        assert answer.params == {"callback_query_id": pressed["callback_query"]["id"],
                                 "text": "已确认"}
        edit = await fake_api.wait_for("editMessageText")
        assert edit.params["message_id"] == sent.result["message_id"]
        assert edit.result["text"] == "pressed confirm:7"
        assert "reply_markup" not in edit.result  # edit without markup drops the keyboard
        again = fake_api.push_callback(USER, "confirm:7", sent)
        assert again["callback_query"]["id"] != pressed["callback_query"]["id"]
        # Same text and markup again: Telegram refuses the no-op edit with 400.
        failed = await fake_api.wait_for(lambda c: c.method == "editMessageText" and not c.ok,
                                    include_failed=True)
        assert failed.error is not None and "message is not modified" in failed.error


async def test_photo_with_caption_and_media_group(fake_api: LocalBotApi) -> None:
    seen: list[Update] = []

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)
        assert update.message is not None
        await update.message.reply_text(f"photo {update.message.caption}")

    async with running_app(fake_api, MessageHandler(filters.PHOTO, on_photo)) as app:
        fake_api.push_photo(USER, file_id="AgACfile", caption="路灯坏了")
        fake_api.push_photo(USER, file_id="p1", media_group_id="album-1")
        fake_api.push_photo(USER, file_id="p2", media_group_id="album-1")
        await fake_api.wait_for("sendMessage", count=3)
        messages = [u.message for u in seen if u.message is not None]
        assert messages[0].photo[-1].file_id == "AgACfile"
        assert messages[0].caption == "路灯坏了"
        assert [m.media_group_id for m in messages[1:]] == ["album-1", "album-1"]

        sent = await app.bot.send_media_group(
            USER, [InputMediaPhoto("p1", caption="一"), InputMediaPhoto(io.BytesIO(b"jpg"))])
        assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id is not None
        assert sent[0].caption == "一" and sent[1].photo
        call = fake_api.calls("sendMediaGroup")[0]
        assert call.params["media"][0] == {"type": "photo", "media": "p1", "caption": "一"}
        assert len(call.files) == 1


async def test_other_update_kinds_parse(fake_api: LocalBotApi) -> None:
    seen: list[Update] = []

    async def collect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    async with running_app(fake_api, TypeHandler(Update, collect)):
        fake_api.push_location(USER, 31.23, 121.47)
        fake_api.push_voice(USER, duration=7)
        fake_api.push_sticker(USER)
        fake_api.push_document(USER, file_name="报告.pdf")
        fake_api.push_contact(USER, "+8613800000000")
        fake_api.push_text(USER, "群里说话", chat_id=GROUP, username="zhang")
        await until(lambda: len(seen) == 6, why=lambda: seen)
    loc, voice, sticker, doc, contact, text = [u.message for u in seen if u.message]
    assert loc.location and loc.location.latitude == 31.23
    assert voice.to_dict()["voice"]["duration"] == 7
    assert sticker.sticker and doc.document and doc.document.file_name == "报告.pdf"
    assert contact.contact and contact.contact.user_id == USER
    assert text.chat.type == "supergroup" and text.from_user and text.from_user.username == "zhang"


async def test_bot_side_methods(fake_api: LocalBotApi) -> None:
    async with make_bot(fake_api) as bot:
        assert bot.username == "community_test_bot" and bot.id == 123456
        scope = BotCommandScopeAllPrivateChats()
        await bot.set_my_commands([BotCommand("start", "开始")])
        await bot.set_my_commands([BotCommand("help", "帮助")], scope=scope)
        assert [c.command for c in await bot.get_my_commands()] == ["start"]
        assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["help"]
        await bot.delete_my_commands(scope=scope)
        assert await bot.get_my_commands(scope=scope) == ()
        assert (await bot.get_chat(GROUP)).type == "supergroup"
        loc = await bot.send_location(GROUP, 1.5, 2.5)
        assert loc.location is not None and loc.chat.type == "supergroup"
        doc = await bot.send_document(USER, io.BytesIO(b"x"), filename="a.txt", caption="附件")
        copy = await bot.copy_message(USER, USER, doc.message_id)
        fwd = await bot.forward_message(USER, USER, doc.message_id)
        assert copy.message_id == doc.message_id + 1 and fwd.forward_origin is not None
        assert await bot.send_contact(USER, "+86100", "张")
        assert (await bot.send_voice(USER, "voice-id")).voice is not None
        file = await bot.get_file("AgACfile")
        assert file.file_path and (await file.download_as_bytearray())
        assert await bot.delete_message(USER, doc.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(USER, doc.message_id)
        assert await bot.do_api_request("someFutureMethod", {"x": 1}) is True
    assert fake_api.sent_to(USER) == ["附件", "附件", "附件", "", ""]


async def test_edits_follow_telegram_rules(fake_api: LocalBotApi) -> None:
    async with make_bot(fake_api) as bot:
        photo = await bot.send_photo(GROUP, "AgACfile", caption="旧", reply_markup=KEYBOARD)
        edited = await bot.edit_message_caption(GROUP, photo.message_id, caption="新",
                                                reply_markup=KEYBOARD)
        assert isinstance(edited, Message) and edited.caption == "新" and edited.reply_markup
        bare = await bot.edit_message_reply_markup(GROUP, photo.message_id)
        assert isinstance(bare, Message) and bare.reply_markup is None and bare.edit_date
        swapped = await bot.edit_message_media(InputMediaPhoto("other", caption="换"),
                                               GROUP, photo.message_id)
        assert isinstance(swapped, Message) and swapped.photo[-1].file_id == "other"
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_caption(GROUP, photo.message_id, caption="换")
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", GROUP, 999)
        assert await bot.edit_message_text("inline", inline_message_id="abc") is True
    assert fake_api.sent_to(GROUP) == ["旧"]  # as sent; edits are in calls()
    assert len(fake_api.calls("editMessageCaption")) == 2


async def test_get_updates_offset_semantics(fake_api: LocalBotApi) -> None:
    async with make_bot(fake_api) as bot:
        first = fake_api.push_text(USER, "一")
        second = fake_api.push_text(USER, "二")
        got = await bot.get_updates(timeout=0)
        assert [u.update_id for u in got] == [first["update_id"], second["update_id"]]
        assert len(await bot.get_updates(offset=second["update_id"], timeout=0)) == 1
        ack = second["update_id"] + 1
        assert await bot.get_updates(offset=ack, timeout=0) == ()  # acknowledged: gone
        fake_api.push_raw(first)  # redelivery of an already processed update: delivered once more
        fake_api.push_raw(first)  # ... and a second time, because it was pushed twice
        redelivered = await bot.get_updates(offset=ack, timeout=0)
        assert [u.update_id for u in redelivered] == [first["update_id"]] * 2
        assert await bot.get_updates(offset=ack, timeout=0) == ()
        third = fake_api.push_text(USER, "三")
        assert third["update_id"] == ack  # ids continue after the highest pushed
        fake_api.push_text(USER, "四")
        assert len(await bot.get_updates(offset=ack, limit=1, timeout=0)) == 1


# A long poll the stand-in would hold this long unless something wakes it: far longer than any
# wait below may take, so only a wake-up (not the poll's end) can make them pass.
LONG_POLL = 10 * WAIT


def polling(server: LocalBotApi) -> int:
    """getUpdates calls the stand-in is serving now (a long poll waiting for updates)."""
    return server._active  # what "a poll is waiting" means inside the stand-in


async def test_long_poll_wakes_on_push_and_stop_does_not_hang() -> None:
    server = LocalBotApi().start()
    async with make_bot(server) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=LONG_POLL, read_timeout=LONG_POLL))
        await until(lambda: polling(server) == 1)  # the poll is waiting at the server
        hi = server.push_text(USER, "hi")
        assert len(await asyncio.wait_for(poll, timeout=WAIT)) == 1
        # "hi" acknowledged, nothing new: this poll waits until something wakes it.
        poll = asyncio.create_task(bot.get_updates(offset=hi["update_id"] + 1,
                                                   timeout=LONG_POLL, read_timeout=LONG_POLL))
        await until(lambda: polling(server) == 1)  # stop must wake it
        await asyncio.wait_for(asyncio.to_thread(server.stop), timeout=2 * WAIT)
        assert polling(server) == 0  # answered, not cut off at stop's own bound
        with contextlib.suppress(NetworkError):  # [] or a dropped connection: fine; hanging: not
            await asyncio.wait_for(poll, timeout=WAIT)


@pytest.mark.parametrize(
    ("status", "exc_type", "text"),
    [(429, RetryAfter, "Retry in 3 seconds"), (500, NetworkError, "Internal Server Error"),
     (403, Forbidden, "bot was blocked by the user"), (400, BadRequest, "(?i)chat not found")])
async def test_fault_injection(fake_api: LocalBotApi, status: int, exc_type: type[Exception],
                               text: str) -> None:
    fake_api.fail_next("sendMessage", status=status, retry_after=3)
    async with make_bot(fake_api) as bot:
        with pytest.raises(exc_type, match=text):
            await bot.send_message(USER, "x")
        assert (await bot.send_message(USER, "y")).text == "y"  # only the next call fails
    failed, ok = fake_api.calls("sendMessage")
    assert (failed.status, failed.ok, ok.ok) == (status, False, True)
    assert fake_api.sent_to(USER) == ["y"]


async def test_fault_injection_in_handler_path(fake_api: LocalBotApi) -> None:
    errors: list[object] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    fake_api.fail_next("*", status=403, count=1)
    async with running_app(fake_api, CommandHandler("start", start)) as app:
        app.add_error_handler(on_error)
        fake_api.push_text(USER, "/start")
        await fake_api.wait_for("sendMessage", include_failed=True)
        await until(lambda: bool(errors))
    assert len(errors) == 1 and isinstance(errors[0], Forbidden)


async def _statuses_of_sends(server: LocalBotApi, seed: int) -> list[int]:
    server.inject_faults(0.5, seed=seed)
    async with make_bot(server) as bot:
        for n in range(20):
            with contextlib.suppress(RetryAfter, NetworkError):
                await bot.send_message(USER, str(n))
        await bot.answer_callback_query("cbq-1")  # not a message: never refused
    server.inject_faults(0.0, seed=seed)
    return [c.status for c in server.calls() if c.method == "sendMessage"]


async def test_random_faults_refuse_a_seeded_share_of_sends_and_carry_none_out() -> None:
    with LocalBotApi() as first, LocalBotApi() as second:
        statuses = await _statuses_of_sends(first, seed=11)
        assert statuses == await _statuses_of_sends(second, seed=11)  # the seed decides
        assert set(statuses) <= {200, 429, 500, 502} and 200 in statuses
        refused = [s for s in statuses if s != 200]
        assert refused and sum(first.random_faults.values()) == len(refused)
        assert len(first.sent_to(USER)) == statuses.count(200)  # a refused send sent nothing
        assert all(c.ok for c in first.calls() if c.method != "sendMessage")
        retry = [c for c in first.calls("sendMessage") if c.status == 429]
        assert all(c.error == "Too Many Requests: retry after 1" for c in retry)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_rate_limits() -> None:
    clock = FakeClock()
    with LocalBotApi(enforce_limits=True, group_window=5.0, clock=clock) as server:
        async with make_bot(server) as bot:
            await bot.send_message(USER, "1")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "2")
            await bot.answer_callback_query("q")  # not a message: never limited
            clock.now += 1.0
            await bot.send_message(USER, "3")

            for i in range(20):
                await bot.send_message(GROUP, str(i))
            clock.now += 1.0  # the global 1 s window is clear again, the group window is not
            with pytest.raises(RetryAfter, match="Retry in 4 seconds"):
                await bot.send_message(GROUP, "too many")
            clock.now += 4.0
            await bot.send_message(GROUP, "again")

            clock.now += 1.0
            for chat in range(1000, 1030):
                await bot.send_message(chat, "bulk")
            with pytest.raises(RetryAfter):
                await bot.send_message(2000, "31st in one second")
        assert [(c, kind) for c, kind, _ in server.limit_violations] == [
            (USER, "private"), (GROUP, "group"), (2000, "global")]
        assert server.sent_to(USER) == ["1", "3"]


async def test_private_burst_tolerance() -> None:
    with LocalBotApi(enforce_limits=True, private_burst=1, clock=FakeClock()) as server:
        async with make_bot(server) as bot:
            await bot.send_message(USER, "1")
            await bot.send_message(USER, "2")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "3")


async def test_wait_for_timeout_lists_recent_calls(fake_api: LocalBotApi) -> None:
    async with make_bot(fake_api) as bot:
        await bot.send_message(USER, "unrelated")
    with pytest.raises(AssertionError) as err:
        await fake_api.wait_for("editMessageText", timeout=0.1)
    message = str(err.value)
    assert "wait_for(editMessageText) timed out after 0.1s: 0/1" in message
    assert "sendMessage chat=42" in message and "unrelated" in message
    with pytest.raises(AssertionError, match="0/2"):
        fake_api.wait_for_sync("sendPhoto", timeout=0.05, count=2)


def test_plain_script_usage_with_form_json_and_get() -> None:
    with LocalBotApi() as server:
        base = f"{server.url}/bot{TOKEN}"

        def client_thread() -> None:
            with httpx.Client() as client:
                client.post(f"{base}/sendMessage", data={"chat_id": "7", "text": "123"})
                client.post(f"{base}/sendMessage", json={"chat_id": -7, "text": "[1]"})
                client.get(f"{base}/getMe?x=1")

        thread = threading.Thread(target=client_thread)
        thread.start()
        form, as_json = server.wait_for_sync("sendMessage", count=2)
        me: Call = server.wait_for_sync("getMe")[0]
        thread.join()
        assert form.params == {"chat_id": 7, "text": "123"} and form.chat_id == 7
        assert as_json.result["chat"]["type"] == "supergroup" and as_json.params["text"] == "[1]"
        assert me.result["is_bot"] and me.params == {"x": 1}
        server.wait_idle_sync(quiet=0.01)
        server.clear()
        assert server.calls() == [] and server.sent_to(7) == []


async def test_uploaded_files_are_kept_and_served_back(fake_api: LocalBotApi) -> None:
    """A chart or a ledger the bot uploads can be downloaded again, as from Telegram."""
    bot = make_bot(fake_api)
    async with bot:
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
        sent = await bot.send_photo(USER, io.BytesIO(png), caption="图表")
        doc = await bot.send_document(USER, io.BytesIO(b"PK\x03\x04ledger"), filename="台账.xlsx")
        photo_file = await bot.get_file(sent.photo[-1].file_id)
        assert bytes(await photo_file.download_as_bytearray()) == png
        doc_file = await bot.get_file(doc.document.file_id)
        assert bytes(await doc_file.download_as_bytearray()) == b"PK\x03\x04ledger"
    assert fake_api.file_info(sent.photo[-1].file_id)[1] == "image/png"  # type: ignore[index]
    assert doc.document.file_name == "台账.xlsx"
    # A file a person sends (the playground's 照片) is served the same way.
    file_id = fake_api.add_file("photo", png, "image/png", "snap.png")
    fake_api.push_photo(USER, file_id)
    assert fake_api.file_content(f"files/{file_id}") == (png, "image/png")


async def test_listeners_hear_messages_edits_keyboards_and_alerts(fake_api: LocalBotApi) -> None:
    """What the playground page is told: every message, edit, reply keyboard and alert."""
    events: list[dict[str, Any]] = []
    fake_api.subscribe(events.append)
    bot = make_bot(fake_api)
    async with bot:
        sent = await bot.send_message(USER, "一", reply_markup=KEYBOARD)
        await bot.edit_message_text("二", chat_id=USER, message_id=sent.message_id)
        from telegram import KeyboardButton, ReplyKeyboardMarkup

        await bot.send_message(USER, "分享？", reply_markup=ReplyKeyboardMarkup(
            [[KeyboardButton("📞 分享手机号", request_contact=True)]]))
        pressed = fake_api.push_callback(USER, "confirm:7", sent.to_dict())
        await bot.answer_callback_query(pressed["callback_query"]["id"], "不行", show_alert=True)
    kinds = [e["type"] for e in events]
    assert kinds == ["message", "edit", "keyboard", "message", "answer"]
    assert events[-1] == {"type": "answer", "user_id": USER, "text": "不行", "show_alert": True}
    assert fake_api.reply_keyboard(USER)["keyboard"][0][0]["request_contact"]  # type: ignore[index]
    assert [m["text"] for m in fake_api.chat_log(USER)] == ["二", "分享？"]
    fake_api.unsubscribe(events.append)


# ---- Telegram's size limits, answered with Telegram's own words ------------------------------
# The descriptions come from tdlib/telegram-bot-api (Client::fail_query_with_error prefixes
# "Bad Request: " and lowercases TDLib's first letter, but passes the server's UPPER_CASE codes
# through) and TDLib (MessageContent.cpp: "Message is too long", "Message caption is too
# long"; Client.cpp: "Message text is empty"; MessageEntity.cpp: "Text must be non-empty").

SMILE = "😀"  # 2 UTF-16 units


def _post(base: str, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    answer = httpx.post(f"{base}/{method}", json=params)
    return answer.status_code, answer.json()


def _refused(answer: tuple[int, dict[str, Any]]) -> str:
    status, body = answer
    assert status == 400 and body["ok"] is False and body["error_code"] == 400
    return str(body["description"])


def _inline(data: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "按钮", "callback_data": data}]]}


def test_text_limits_are_counted_in_utf16_units_like_telegram(fake_api: LocalBotApi) -> None:
    base = f"{fake_api.url}/bot{TOKEN}"
    longest = "楼" * 4094 + SMILE  # 4096 units, 4095 characters
    status, sent = _post(base, "sendMessage", chat_id=USER, text=longest)
    assert status == 200 and sent["result"]["text"] == longest
    assert _refused(_post(base, "sendMessage", chat_id=USER, text="楼" * 4095 + SMILE)) \
        == "Bad Request: message is too long"
    message_id = sent["result"]["message_id"]
    assert _refused(_post(base, "editMessageText", chat_id=USER, message_id=message_id,
                          text="a" * 4097)) == "Bad Request: message is too long"
    assert _refused(_post(base, "sendMessage", chat_id=USER, text="")) \
        == "Bad Request: message text is empty"
    assert _refused(_post(base, "sendMessage", chat_id=USER)) \
        == "Bad Request: message text is empty"
    assert _refused(_post(base, "sendMessage", chat_id=USER, text=" \n ")) \
        == "Bad Request: text must be non-empty"
    assert fake_api.sent_to(USER) == [longest]  # nothing refused was delivered
    assert [c.status for c in fake_api.calls("sendMessage")] == [200, 400, 400, 400, 400]


def test_caption_callback_answer_and_button_data_limits(fake_api: LocalBotApi) -> None:
    base = f"{fake_api.url}/bot{TOKEN}"
    assert _post(base, "sendPhoto", chat_id=USER, photo="AgAC", caption="图" * 1024)[0] == 200
    assert _refused(_post(base, "sendPhoto", chat_id=USER, photo="AgAC",
                          caption="图" * 1023 + SMILE)) \
        == "Bad Request: message caption is too long"
    album = [{"type": "photo", "media": "AgAC", "caption": "图" * 1025},
             {"type": "photo", "media": "AgAD"}]
    assert _refused(_post(base, "sendMediaGroup", chat_id=USER, media=album)) \
        == "Bad Request: message caption is too long"
    assert _post(base, "answerCallbackQuery", callback_query_id="1", text="好" * 200)[0] == 200
    assert _refused(_post(base, "answerCallbackQuery", callback_query_id="1",
                          text="好" * 199 + SMILE, show_alert=True)) \
        == "Bad Request: MESSAGE_TOO_LONG"
    assert _post(base, "sendMessage", chat_id=USER, text="按",
                 reply_markup=_inline("x" * 64))[0] == 200
    for data in ("x" * 65, "类" * 22, ""):  # 65 bytes, 66 bytes of UTF-8, empty
        assert _refused(_post(base, "sendMessage", chat_id=USER, text="按",
                              reply_markup=_inline(data))) == "Bad Request: BUTTON_DATA_INVALID"


def test_not_modified_and_which_keyboards_a_message_carries(fake_api: LocalBotApi) -> None:
    base = f"{fake_api.url}/bot{TOKEN}"
    status, sent = _post(base, "sendMessage", chat_id=USER, text="同样", reply_markup=_inline("a"))
    assert status == 200 and sent["result"]["reply_markup"] == _inline("a")
    message_id = sent["result"]["message_id"]
    assert _refused(_post(base, "editMessageText", chat_id=USER, message_id=message_id,
                          text="同样", reply_markup=_inline("a"))) == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message")
    reply_keyboard = {"keyboard": [[{"text": "分享", "request_contact": True}]]}
    for markup in (reply_keyboard, {"remove_keyboard": True}, {"force_reply": True}):
        status, plain = _post(base, "sendMessage", chat_id=USER, text="键盘",
                              reply_markup=markup)
        assert status == 200 and "reply_markup" not in plain["result"]
    status, edited = _post(base, "editMessageText", chat_id=USER, message_id=message_id,
                           text="改了")  # no reply_markup: the buttons go
    assert status == 200 and "reply_markup" not in edited["result"]


async def test_python_telegram_bot_sees_the_limit_errors(fake_api: LocalBotApi) -> None:
    async with make_bot(fake_api) as bot:
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(USER, "a" * 4097)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(USER, "a", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="y" * 65)]]))


# Webhooks (issue 13 §2): set, delivered by POST with the secret header, retried until a 2xx.

class _Receiver:
    """A webhook endpoint on 127.0.0.1: records each POST, answers the statuses it is given
    (then 200)."""

    def __init__(self, *statuses: int) -> None:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        from bot.localapi.server import ThreadedServer

        self.statuses = list(statuses)
        self.got: list[tuple[str, dict[str, Any], str | None]] = []  # path, body, secret

        async def hook(request: Request) -> Response:
            self.got.append((request.url.path, await request.json(),
                             request.headers.get("x-telegram-bot-api-secret-token")))
            return Response(status_code=self.statuses.pop(0) if self.statuses else 200)

        self.server = ThreadedServer(Starlette(routes=[Route("/{p:path}", hook,
                                                             methods=["POST"])]))

    def __enter__(self) -> _Receiver:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    @property
    def url(self) -> str:
        return self.server.url

    def ids(self) -> list[int]:
        return [body["update_id"] for _, body, _ in self.got]


@pytest.fixture
def quick_api() -> Iterator[LocalBotApi]:
    with LocalBotApi(webhook_retry=0.02, webhook_retry_max=0.1, webhook_timeout=5) as server:
        yield server


async def test_a_webhook_receives_each_update_with_the_secret_and_blocks_get_updates(
        quick_api: LocalBotApi) -> None:
    with _Receiver() as receiver:
        async with make_bot(quick_api) as bot:
            assert await bot.set_webhook(f"{receiver.url}/telegram/abc", secret_token="s3cret_-X",
                                         allowed_updates=Update.ALL_TYPES)
            info = await bot.get_webhook_info()
            assert info.url == f"{receiver.url}/telegram/abc"
            with pytest.raises(Exception, match="webhook is active") as refused:
                await bot.get_updates(timeout=0)
            assert "Conflict" in type(refused.value).__name__
            first = quick_api.push_text(USER, "你好")
            second = quick_api.push_text(USER, "/start")
            await until(lambda: len(receiver.got) == 2)
            assert receiver.ids() == [first["update_id"], second["update_id"]]
            path, body, secret = receiver.got[0]
            assert path == "/telegram/abc" and secret == "s3cret_-X"
            assert body["message"]["text"] == "你好" and body == first
            await quick_api.wait_idle(quiet=0)
            assert (await bot.get_webhook_info()).pending_update_count == 0
    assert all(d.acknowledged for d in quick_api.deliveries())


async def test_a_webhook_delivery_is_retried_until_acknowledged_in_order(
        quick_api: LocalBotApi) -> None:
    with _Receiver(500, 403, 502) as receiver:
        async with make_bot(quick_api) as bot:
            await bot.set_webhook(f"{receiver.url}/hook", secret_token="abc")
            first = quick_api.push_text(USER, "一")
            second = quick_api.push_text(USER, "二")
            # Five answers recorded (not only five requests received: the last answer is
            # recorded after the receiver saw it).
            await until(lambda: len(quick_api.deliveries()) == 5)
            # The first is tried until a 2xx; the second waits behind it.
            assert receiver.ids() == [first["update_id"]] * 4 + [second["update_id"]]
            statuses = [d.status for d in quick_api.deliveries()]
            assert statuses[:4] == [500, 403, 502, 200]
            info = await bot.get_webhook_info()
            assert "502" in (info.last_error_message or "")
            assert info.pending_update_count == 0


async def test_a_webhook_nobody_answers_keeps_the_update_until_someone_does() -> None:
    from bot.localapi.server import ThreadedServer

    receiver = _Receiver()
    with socket.socket() as probe:  # a free port where nothing listens yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    receiver.server = ThreadedServer(receiver.server.app, port=port)
    with LocalBotApi(webhook_retry=0.02, webhook_retry_max=0.05) as api:
        async with make_bot(api) as bot:
            await bot.set_webhook(f"http://127.0.0.1:{port}/later")
            pushed = api.push_text(USER, "有人吗")
            await until(lambda: len(api.deliveries()) >= 2)
            assert all(d.status == 0 for d in api.deliveries())
            assert (await bot.get_webhook_info()).pending_update_count == 1
            with receiver:
                await until(lambda: receiver.ids() == [pushed["update_id"]])
                await until(lambda: (api.deliveries()[-1].acknowledged))
            assert receiver.got[0][2] is None  # no secret set, no header


async def test_delete_webhook_hands_pending_updates_back_to_get_updates(
        quick_api: LocalBotApi) -> None:
    with _Receiver(*[500] * 1000) as failing:
        async with make_bot(quick_api) as bot:
            await bot.set_webhook(f"{failing.url}/h")
            kept = quick_api.push_text(USER, "留着")
            await until(lambda: len(failing.got) >= 1)
            assert await bot.delete_webhook(drop_pending_updates=False)
            assert (await bot.get_webhook_info()).url == ""
            updates = await bot.get_updates(timeout=0)
            assert [u.update_id for u in updates] == [kept["update_id"]]
            # Set again with drop_pending_updates: what was queued is gone.
            await bot.set_webhook(f"{failing.url}/h", drop_pending_updates=True)
            assert (await bot.get_webhook_info()).pending_update_count == 0
            await bot.delete_webhook(drop_pending_updates=True)


async def test_set_webhook_follows_telegram_rules(quick_api: LocalBotApi) -> None:
    async with make_bot(quick_api) as bot:
        with pytest.raises(BadRequest, match="unallowed characters"):
            await bot.set_webhook("http://127.0.0.1:9/h", secret_token="not allowed!")
        with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
            await bot.set_webhook("ftp://example.org/h")
        assert (await bot.get_webhook_info()).url == ""
        await bot.set_webhook("http://127.0.0.1:9/h", allowed_updates=["callback_query"])
        assert (await bot.get_webhook_info()).allowed_updates == ("callback_query",)
        quick_api.push_text(USER, "不要的")  # a message: not among allowed_updates
        await quick_api.wait_idle(quiet=0)
        assert quick_api.deliveries() == []
        await bot.set_webhook("")  # an empty url deletes it, as on Telegram
        assert (await bot.get_webhook_info()).url == ""


async def test_load_balance_delivers_to_each_replica_in_turn(quick_api: LocalBotApi) -> None:
    with _Receiver() as one, _Receiver(500) as two:
        quick_api.load_balance([one.url, two.url + "/"])
        async with make_bot(quick_api) as bot:
            await bot.set_webhook("https://bot.example.org/telegram/p", secret_token="k")
            pushed = [quick_api.push_text(USER, str(n))["update_id"] for n in range(3)]
            await until(lambda: sum(d.acknowledged for d in quick_api.deliveries()) == 3)
        # one: #0; two: #1 refused (500); one: #1 again; two: #2.
        assert one.ids() == [pushed[0], pushed[1]] and two.ids() == [pushed[1], pushed[2]]
        assert {path for path, _, _ in one.got + two.got} == {"/telegram/p"}
