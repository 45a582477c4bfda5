"""Tests proving FakeBotApi works with a real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
import time
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

from tests.e2e.fake_bot_api import Call, FakeBotApi

# PTB 22.x warns inside RetryAfter.__init__ itself (int-valued `retry_after` is deprecated).
pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

TOKEN = "123456:TEST-TOKEN"
USER = 42
GROUP = -1001234


@pytest.fixture
def fake_api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def make_bot(server: FakeBotApi) -> Bot:
    return Bot(TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot")


@asynccontextmanager
async def running_app(server: FakeBotApi, *handlers: BaseHandler[Any, Any, Any]
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


async def test_command_round_trip(fake_api: FakeBotApi) -> None:
    async with running_app(fake_api, CommandHandler("start", start)):
        update = fake_api.push_text(USER, "/start@community_test_bot 参数 2")
        assert update["message"]["entities"] == [
            {"type": "bot_command", "offset": 0, "length": len("/start@community_test_bot")}]
        call = await fake_api.wait_for("sendMessage", chat_id=USER)
        assert call.params["text"] == "欢迎 args=['参数', '2']"
        assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "confirm:7"
        assert call.result["from"]["username"] == "community_test_bot"
        assert call.result["chat"] == {"id": USER, "first_name": "张", "type": "private"}
        await fake_api.wait_idle()
    assert fake_api.sent_to(USER) == ["欢迎 args=['参数', '2']"]
    assert fake_api.calls("getMe") and fake_api.tokens == {TOKEN}


async def test_callback_button_press(fake_api: FakeBotApi) -> None:
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


async def test_photo_with_caption_and_media_group(fake_api: FakeBotApi) -> None:
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


async def test_other_update_kinds_parse(fake_api: FakeBotApi) -> None:
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
        await fake_api.wait_idle()
    loc, voice, sticker, doc, contact, text = [u.message for u in seen if u.message]
    assert loc.location and loc.location.latitude == 31.23
    assert voice.to_dict()["voice"]["duration"] == 7
    assert sticker.sticker and doc.document and doc.document.file_name == "报告.pdf"
    assert contact.contact and contact.contact.user_id == USER
    assert text.chat.type == "supergroup" and text.from_user and text.from_user.username == "zhang"


async def test_bot_side_methods(fake_api: FakeBotApi) -> None:
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


async def test_edits_follow_telegram_rules(fake_api: FakeBotApi) -> None:
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


async def test_get_updates_offset_semantics(fake_api: FakeBotApi) -> None:
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


async def test_long_poll_wakes_on_push_and_stop_does_not_hang() -> None:
    server = FakeBotApi().start()
    async with make_bot(server) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
        await asyncio.sleep(0.05)  # not an assertion: a push before the poll also works
        started = time.monotonic()
        server.push_text(USER, "hi")
        assert len(await poll) == 1
        assert time.monotonic() - started < 2
        poll = asyncio.create_task(bot.get_updates(offset=0, timeout=20, read_timeout=30))
        await asyncio.sleep(0.05)  # lets the poll reach the server; stop must wake it
        started = time.monotonic()
        await asyncio.to_thread(server.stop)
        assert time.monotonic() - started < 2
        with contextlib.suppress(NetworkError):  # [] or a dropped connection: fine; hanging: not
            await asyncio.wait_for(poll, timeout=3)


@pytest.mark.parametrize(
    ("status", "exc_type", "text"),
    [(429, RetryAfter, "Retry in 3 seconds"), (500, NetworkError, "Internal Server Error"),
     (403, Forbidden, "bot was blocked by the user"), (400, BadRequest, "(?i)chat not found")])
async def test_fault_injection(fake_api: FakeBotApi, status: int, exc_type: type[Exception],
                               text: str) -> None:
    fake_api.fail_next("sendMessage", status=status, retry_after=3)
    async with make_bot(fake_api) as bot:
        with pytest.raises(exc_type, match=text):
            await bot.send_message(USER, "x")
        assert (await bot.send_message(USER, "y")).text == "y"  # only the next call fails
    failed, ok = fake_api.calls("sendMessage")
    assert (failed.status, failed.ok, ok.ok) == (status, False, True)
    assert fake_api.sent_to(USER) == ["y"]


async def test_fault_injection_in_handler_path(fake_api: FakeBotApi) -> None:
    errors: list[object] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    fake_api.fail_next("*", status=403, count=1)
    async with running_app(fake_api, CommandHandler("start", start)) as app:
        app.add_error_handler(on_error)
        fake_api.push_text(USER, "/start")
        await fake_api.wait_for("sendMessage", include_failed=True)
        await fake_api.wait_idle()
    assert len(errors) == 1 and isinstance(errors[0], Forbidden)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_rate_limits() -> None:
    clock = FakeClock()
    with FakeBotApi(enforce_limits=True, group_window=5.0, clock=clock) as server:
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
    with FakeBotApi(enforce_limits=True, private_burst=1, clock=FakeClock()) as server:
        async with make_bot(server) as bot:
            await bot.send_message(USER, "1")
            await bot.send_message(USER, "2")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "3")


async def test_wait_for_timeout_lists_recent_calls(fake_api: FakeBotApi) -> None:
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
    with FakeBotApi() as server:
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


def test_text_limits_are_counted_in_utf16_units_like_telegram(fake_api: FakeBotApi) -> None:
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


def test_caption_callback_answer_and_button_data_limits(fake_api: FakeBotApi) -> None:
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


def test_not_modified_and_which_keyboards_a_message_carries(fake_api: FakeBotApi) -> None:
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


async def test_python_telegram_bot_sees_the_limit_errors(fake_api: FakeBotApi) -> None:
    async with make_bot(fake_api) as bot:
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(USER, "a" * 4097)
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(USER, "a", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="y" * 65)]]))
