"""The local Bot API: Telegram's Bot API methods the bot uses, with Telegram's own rules.

Product code since the playground (`python -m bot try`): one implementation serves the e2e
tests, the benchmarks and the page a person clicks, so what the tests trust is what a person
sees. It stands for Telegram, so it imports nothing else of ours. The HTTP side is a Starlette
app (bot/localapi/asgi.py); `start()` serves it alone on 127.0.0.1 in a background thread.

Usage::

    with LocalBotApi() as server:  # or server.start() / server.stop()
        app = (ApplicationBuilder().token("123:ABC")
               .base_url(f"{server.url}/bot").base_file_url(f"{server.url}/file/bot").build())
        ...  # app.initialize(); app.start(); app.updater.start_polling(poll_interval=0, timeout=1)
        server.push_text(42, "/start")
        call = await server.wait_for("sendMessage", chat_id=42)  # or wait_for_sync in scripts
        button_msg = call.result
        server.push_callback(42, "yes", button_msg)
        assert server.sent_to(42) == ["hi", ...]

PTB posts ``application/x-www-form-urlencoded`` (``multipart/form-data`` when uploading) where
string values are sent raw and every other value is JSON-dumped; ``_decode`` reverses that.
Uploaded files are kept, and served back under ``/file/bot<token>/files/<file_id>``.
Faults: ``fail_next("sendMessage", status=429, retry_after=3)``; ``drop_next("sendMessage")``
hangs up without a complete answer (the call is not carried out: a connection reset);
``inject_faults(0.05, seed=7)`` answers that share of every send and edit, chosen by a seeded
random draw, with a 429 or a 5xx instead of carrying it out (the chaos test's weather);
``stop()`` then ``start()`` again serves on the same port, so calls in between are refused.
Telegram-like rate limits: ``LocalBotApi(enforce_limits=True, group_window=0.5,
clock=fake_clock)``; violations are answered 429 and listed in ``limit_violations``. Every
message counts, so a media group of n photos is n sends against the global and group limits
(against a private chat's limit it is one: albums to one person are not flood).
``subscribe(listener)`` tells a listener (the playground page) of every message stored,
edited or deleted and of every answer to a button press.

Telegram's size limits are enforced as Telegram answers them (the descriptions are those of
tdlib/telegram-bot-api and TDLib, which lowercase TDLib's first letter and pass the server's
UPPER_CASE codes through): a text over 4,096 UTF-16 units is "Bad Request: message is too
long", an empty one "Bad Request: message text is empty" (blank: "Bad Request: text must be
non-empty"), a caption over 1,024 "Bad Request: message caption is too long", a callback answer
over 200 "Bad Request: MESSAGE_TOO_LONG", callback_data outside 1–64 bytes "Bad Request:
BUTTON_DATA_INVALID", and an edit that changes nothing "Bad Request: message is not modified…".
A Message carries ``reply_markup`` only for an inline keyboard, as on Telegram.

Webhooks, as on Telegram (bot/localapi/delivery.py): ``setWebhook`` (with max_connections,
default 40), ``deleteWebhook`` and ``getWebhookInfo``. While a webhook is set, getUpdates answers
409 and up to max_connections updates are POSTed at once, parallel across chats and in order
within one; a 2xx acknowledges, a failure is retried with a doubling backoff (``webhook_retry``
s up to ``webhook_retry_max``); ``load_balance([base, …])`` spreads the attempts over replicas
in turn, and ``deliveries()`` lists them.

Deliberate simplifications: ``parse_mode`` is not applied (text is echoed raw); an update
re-pushed with an already acknowledged ``update_id`` is still delivered once, which is how
redelivery is simulated.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import itertools
import json
import logging
import math
import random
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from bot.localapi.delivery import BadWebhook, Queued, WebhookDelivery

if TYPE_CHECKING:
    from bot.localapi.server import ThreadedServer

JSON = dict[str, Any]
Matcher = str | Callable[["Call"], bool]
# Every wait's failure bound: generous, because a busy machine can be very slow, and free when
# the call arrives (the wait returns at once). Never a pace: nothing here waits for time.
WAIT = 60.0
_log = logging.getLogger(__name__)

# Free text must never be JSON-decoded: a message "123" or "[1]" has to stay a string.
_TEXT_FIELDS = frozenset({
    "text", "caption", "data", "callback_query_id", "first_name", "last_name", "phone_number",
    "title", "address", "description", "query", "url", "parse_mode", "file_id", "photo",
    "document", "voice", "video", "audio", "animation", "sticker", "inline_message_id",
    "language_code", "short_description", "name", "emoji", "vcard", "thumbnail",
})
_CONTENT_KEYS = ("text", "entities", "caption", "caption_entities", "photo", "video", "audio",
                 "document", "voice", "sticker", "animation", "location", "contact", "venue")
_MEDIA_KINDS = ("photo", "video", "audio", "animation", "document", "voice", "sticker")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found", 403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request", 500: "Internal Server Error",
    502: "Bad Gateway",
}
WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; use "
                  "deleteWebhook to delete the webhook first")
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                 "markup are exactly the same as a current content and reply markup of the message")
# Telegram's limits, in UTF-16 code units (callback_data in bytes), and its answers to excess.
TEXT_LIMIT, CAPTION_LIMIT, ANSWER_LIMIT, DATA_LIMIT = 4096, 1024, 200, 64
TOO_LONG = "Bad Request: message is too long"
EMPTY_TEXT = "Bad Request: message text is empty"
BLANK_TEXT = "Bad Request: text must be non-empty"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"


class ApiError(Exception):
    """Raised by method implementations; becomes a Telegram error body."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after
        self.chat_id: int | None = None  # a fault injected for one chat only


@dataclass
class Call:
    method: str
    params: JSON
    chat_id: int | None
    time: float
    token: str = ""
    result: Any = None
    status: int = 200
    error: str | None = None
    files: dict[str, JSON] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    def summary(self, t0: float = 0.0) -> str:
        shown = {k: v for k, v in self.params.items() if k != "chat_id"}
        text = json.dumps(shown, ensure_ascii=False, default=str)
        err = f" -> {self.status} {self.error}" if not self.ok else ""
        return f"  +{self.time - t0:.3f}s {self.method} chat={self.chat_id} {text[:120]}{err}"


def _decode(key: str, raw: str) -> Any:
    if key in _TEXT_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


_MAGIC = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
          (b"%PDF", "application/pdf"), (b"OggS", "audio/ogg"),
          (b"PK\x03\x04", "application/zip"))


def _sniff(content: bytes) -> str:
    """A media type from the first bytes, for uploads sent as application/octet-stream (python-
    telegram-bot sends files so), as Telegram's clients recognise a photo by its content."""
    if content[:4] == b"RIFF" and content[8:12] in (b"WAVE", b"WEBP"):
        return "audio/wav" if content[8:12] == b"WAVE" else "image/webp"
    return next((kind for magic, kind in _MAGIC if content.startswith(magic)),
                "application/octet-stream")


def _as_chat_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None  # "@channelusername"


def _utf16_len(text: str) -> int:
    # Telegram entity offsets/lengths are measured in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _check_text(text: Any) -> None:
    if text is None or text == "":
        raise ApiError(400, EMPTY_TEXT)
    if not str(text).strip():
        raise ApiError(400, BLANK_TEXT)
    if _utf16_len(str(text)) > TEXT_LIMIT:
        raise ApiError(400, TOO_LONG)


def _check_caption(caption: Any) -> None:
    if caption and _utf16_len(str(caption)) > CAPTION_LIMIT:
        raise ApiError(400, CAPTION_TOO_LONG)


def _check_markup(markup: Any) -> None:
    """Inline buttons' callback_data must be 1–64 bytes of UTF-8."""
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= DATA_LIMIT:
                raise ApiError(400, BUTTON_DATA_INVALID)


def _check_content(method: str, params: JSON) -> None:
    """Telegram's size limits on what a call would send: 400 with Telegram's own words."""
    if method in ("sendmessage", "editmessagetext"):
        _check_text(params.get("text"))
    if method == "answercallbackquery":
        if _utf16_len(str(params.get("text") or "")) > ANSWER_LIMIT:
            raise ApiError(400, ANSWER_TOO_LONG)
        return
    _check_caption(params.get("caption"))
    media = params.get("media")
    for item in media if isinstance(media, list) else [media] if isinstance(media, dict) else []:
        _check_caption(item.get("caption"))
    _check_markup(params.get("reply_markup"))


def _is_counted(method: str) -> bool:
    m = method.lower()
    return (m.startswith(("send", "copymessage", "forwardmessage", "editmessage"))
            and m != "sendchataction")


class LocalBotApi(WebhookDelivery):
    """In-process fake of ``https://api.telegram.org`` (see module docstring)."""

    def __init__(self, *, bot_username: str = "community_test_bot", enforce_limits: bool = False,
                 global_limit: int = 30, global_window: float = 1.0, group_limit: int = 20,
                 group_window: float = 60.0, private_limit: int = 1, private_window: float = 1.0,
                 private_burst: int = 0, latency: float = 0.0,
                 clock: Callable[[], float] = time.monotonic, port: int = 0,
                 wall_clock: Callable[[], float] = time.time, webhook_retry: float = 1.0,
                 webhook_retry_max: float = 30.0, webhook_timeout: float = 10.0) -> None:
        self.bot_username = bot_username
        self.enforce_limits = enforce_limits
        self.global_limit, self.global_window = global_limit, global_window
        self.group_limit, self.group_window = group_limit, group_window
        self.private_limit, self.private_window = private_limit, private_window
        self.private_burst = private_burst
        self.latency = latency  # artificial per-request delay, for benchmarks
        self.clock = clock  # rate-limit clock only; injectable so tests need not sleep
        # Messages' `date`: the playground passes its movable clock, so times match the bot's.
        self.wall_clock = wall_clock
        self.url = ""
        self.port = port  # 0: any free port; kept after the first start, so a restart reuses it
        self.tokens: set[str] = set()
        self.limit_violations: list[tuple[int | None, str, float]] = []
        lock = threading.RLock()
        self._cond = threading.Condition(lock)
        self._calls: list[Call] = []
        self._queue: list[Queued] = []
        self._pushed: list[int] = []  # update_id of every update pushed, repeats included
        self._allowed_updates: list[str] | None = None
        self._next_update_id = 100_000_001
        self._ids = itertools.count(1)  # callback query ids, file ids, media group ids
        self._message_ids: dict[int, int] = defaultdict(int)
        self._messages: dict[tuple[int, int], JSON] = {}
        self._sent: list[tuple[int, JSON]] = []
        self._chats: dict[int, JSON] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._faults: dict[str, deque[ApiError]] = defaultdict(deque)
        # inject_faults(): a share of sends and edits refused at random (seeded), and how many
        # of each status were answered so.
        self._fault_rate = 0.0
        self._fault_random = random.Random(0)
        self._fault_statuses: tuple[int, ...] = ()
        self._fault_retry_after = 1
        self.random_faults: Counter[int] = Counter()
        self._sends: dict[Any, deque[float]] = defaultdict(deque)
        self._active = 0  # requests being served, including long polls
        self._busy = 0  # requests being served, excluding getUpdates
        self._last_activity = time.monotonic()
        self._stopping = False
        self._server: ThreadedServer | None = None
        self._t0 = time.monotonic()
        # Uploaded and pushed files by file_id: (content, media type, file name).
        self._files: dict[str, tuple[bytes, str, str]] = {}
        self._callback_users: dict[str, int] = {}  # callback query id -> who pressed
        self._uploads: dict[str, JSON] = {}  # the files of the call being served
        self._listeners: list[Callable[[JSON], None]] = []
        self._keyboards: dict[int, JSON | None] = {}  # the reply keyboard each chat shows
        self._init_delivery(lock, webhook_retry, webhook_retry_max, webhook_timeout)

    def start(self) -> LocalBotApi:
        """Serve on 127.0.0.1 in a background thread (the port is kept for a restart)."""
        from bot.localapi.asgi import local_api_app
        from bot.localapi.server import ThreadedServer

        with self._cond:
            self._stopping = False
        server = ThreadedServer(local_api_app(self), port=self.port)
        server.start()
        self._server, self.port, self.url = server, server.port, server.url
        self.start_delivery()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.end_polls()
        self.stop_delivery()
        self._server.stop()
        self._server = None

    def end_polls(self) -> None:
        """Answer every waiting getUpdates now (with what there is), as before a shutdown."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def __enter__(self) -> LocalBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method.lower() == method.lower()]

    def sent_to(self, chat_id: int) -> list[str]:
        """Text (or caption) of every message the bot sent to ``chat_id``, as sent (pre-edit)."""
        return [m.get("text") or m.get("caption") or "" for m in self.messages_to(chat_id)]

    def messages_to(self, chat_id: int) -> list[JSON]:
        with self._cond:
            return [m for cid, m in self._sent if cid == chat_id]

    def current(self, chat_id: int, message_id: int) -> JSON | None:
        """A message as the chat sees it now: after every edit, None once deleted."""
        with self._cond:
            return self._messages.get((chat_id, message_id))

    def pushed(self) -> list[int]:
        """The update_id of every update pushed so far, in order (redeliveries repeat it)."""
        with self._cond:
            return list(self._pushed)

    def clear(self) -> None:
        """Forget recorded calls, sent messages and violations (queued updates are kept)."""
        with self._cond:
            self._calls.clear()
            self._sent.clear()
            self.limit_violations.clear()

    def fail_next(self, method: str, status: int = 429, retry_after: int = 1, count: int = 1,
                  description: str | None = None, chat_id: int | None = None) -> None:
        """Fail the next ``count`` calls of ``method`` (``"*"``: any send/copy/forward/edit);
        with ``chat_id``, only calls to that chat (so the fault lands where the test means it
        to, whichever of several chats' calls reaches the server first)."""
        if description is None:
            description = (f"Too Many Requests: retry after {retry_after}" if status == 429
                           else _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}"))
        with self._cond:
            for _ in range(count):
                fault = ApiError(status, description, retry_after if status == 429 else None)
                fault.chat_id = chat_id
                self._faults[method.lower()].append(fault)

    def drop_next(self, method: str, count: int = 1) -> None:
        """Close the connection of the next ``count`` calls of ``method`` without answering.

        The call is not carried out (nothing is sent), as when a connection is reset before the
        request reaches Telegram; the client sees a network error. Recorded with status 0.
        """
        with self._cond:
            for _ in range(count):
                self._faults[method.lower()].append(ApiError(0, "connection dropped"))

    def inject_faults(self, rate: float, seed: int, statuses: tuple[int, ...] = (429, 500, 502),
                      retry_after: int = 1) -> None:
        """From now on refuse a share `rate` (0 stops it) of every send and edit, drawn by a
        random.Random(seed), with one of `statuses` (429 carries `retry_after`), without
        carrying the call out, as Telegram's flood control or a bad moment of its servers
        would. Queued faults (fail_next, drop_next) go first. `random_faults` counts them."""
        with self._cond:
            self._fault_rate = max(0.0, min(1.0, rate))
            self._fault_random = random.Random(seed)
            self._fault_statuses = tuple(statuses) or (500,)
            self._fault_retry_after = retry_after

    def _random_fault(self, method: str) -> ApiError | None:
        if not self._fault_rate or not _is_counted(method) \
                or self._fault_random.random() >= self._fault_rate:
            return None
        status = self._fault_random.choice(self._fault_statuses)
        self.random_faults[status] += 1
        if status == 429:
            return ApiError(429, f"Too Many Requests: retry after {self._fault_retry_after}",
                            self._fault_retry_after)
        return ApiError(status, _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}"))

    def _take_fault(self, method: str, chat_id: int | None) -> ApiError | None:
        """The first injected fault for this call: its method's, else one for any send; else,
        with inject_faults(), maybe a random one."""
        for key in (method.lower(), "*" if _is_counted(method) else ""):
            queue = self._faults.get(key)
            for fault in queue or ():
                if fault.chat_id is None or fault.chat_id == chat_id:
                    queue.remove(fault)  # type: ignore[union-attr]
                    return fault
        return self._random_fault(method)

    def _select(self, what: Matcher, chat_id: int | None, since: float | None,
                include_failed: bool) -> list[Call]:
        if isinstance(what, str):
            name = what.lower()
            pred: Callable[[Call], bool] = lambda c: c.method.lower() == name  # noqa: E731
        else:
            pred = what
        return [c for c in self._calls
                if (include_failed or c.ok) and (since is None or c.time >= since)
                and (chat_id is None or c.chat_id == chat_id) and pred(c)]

    def _timeout_error(self, what: Matcher, found: int, count: int,
                       timeout: float) -> AssertionError:
        desc = what if isinstance(what, str) else getattr(what, "__name__", repr(what))
        recent = [c.summary(self._t0) for c in self.calls() if c.method != "getUpdates"][-20:]
        return AssertionError(f"wait_for({desc}) timed out after {timeout}s: {found}/{count} "
                              "matching calls. Recent calls:\n" + ("\n".join(recent) or "  (none)"))

    def _wait(self, ready: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:  # short waits: "quiet for N s" turns true without any notify
            while not ready():
                if time.monotonic() >= deadline:
                    return False
                self._cond.wait(0.01)
            return True

    async def _await(self, ready: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:  # polls with short awaits so the event loop keeps running PTB
            with self._cond:
                if ready():
                    return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.005)

    def wait_for_sync(self, what: Matcher, timeout: float = WAIT, count: int = 1, *,
                      chat_id: int | None = None, since: float | None = None,
                      include_failed: bool = False) -> list[Call]:
        """Block until ``count`` matching calls exist; return the first ``count`` of them.

        ``what`` is a method name (case-insensitive) or a predicate over :class:`Call`; ``since``
        is a ``time.monotonic()`` value. Failed calls (faults, rate limits) only match with
        ``include_failed=True``. Raises AssertionError listing recent calls on timeout.
        """
        def select() -> list[Call]:
            return self._select(what, chat_id, since, include_failed)
        if not self._wait(lambda: len(select()) >= count, timeout):
            raise self._timeout_error(what, len(select()), count, timeout)
        return select()[:count]

    async def wait_for_all(self, what: Matcher, timeout: float = WAIT, count: int = 1, *,
                           chat_id: int | None = None, since: float | None = None,
                           include_failed: bool = False) -> list[Call]:
        """Async :meth:`wait_for_sync`."""
        def select() -> list[Call]:
            return self._select(what, chat_id, since, include_failed)
        if not await self._await(lambda: len(select()) >= count, timeout):
            raise self._timeout_error(what, len(select()), count, timeout)
        return select()[:count]

    async def wait_for(self, what: Matcher, timeout: float = WAIT, count: int = 1, *,
                       chat_id: int | None = None, since: float | None = None,
                       include_failed: bool = False) -> Call:
        """Like :meth:`wait_for_all` but returns only the ``count``-th matching call."""
        found = await self.wait_for_all(what, timeout, count, chat_id=chat_id, since=since,
                                        include_failed=include_failed)
        return found[-1]

    def _is_idle(self, quiet: float) -> bool:
        return (all(q.delivered for q in self._queue) and self._busy == 0
                and time.monotonic() - self._last_activity >= quiet)

    async def wait_idle(self, quiet: float = 0.15, timeout: float = WAIT) -> None:
        """Return once every pushed update was fetched and no call arrived for ``quiet`` s.

        A guess, not a fact: handlers that work longer than ``quiet`` without calling the API
        (a busy machine) are not waited for. Tests must not prove that something did not
        happen with it; the e2e harness's ``settled()`` waits for the bot itself instead.
        """
        if not await self._await(lambda: self._is_idle(quiet), timeout):
            raise self._timeout_error("<idle>", 0, 1, timeout)

    def wait_idle_sync(self, quiet: float = 0.15, timeout: float = WAIT) -> None:
        if not self._wait(lambda: self._is_idle(quiet), timeout):
            raise self._timeout_error("<idle>", 0, 1, timeout)

    def _user(self, user_id: int, first_name: str = "张", username: str | None = None) -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name,
                      "language_code": "zh-hans"}
        if username:
            user["username"] = username
        return user

    def _chat(self, chat_id: int) -> JSON:
        if chat_id in self._chats:
            return self._chats[chat_id]
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "张"}
        return {"id": chat_id, "type": "supergroup", "title": f"测试群 {chat_id}"}

    def _push_message(self, user_id: int, content: JSON, chat_id: int | None = None,
                      first_name: str = "张", username: str | None = None,
                      chat_type: str | None = None) -> JSON:
        with self._cond:
            user = self._user(user_id, first_name, username)
            cid = user_id if chat_id is None else chat_id
            ctype = chat_type or ("private" if cid > 0 else "supergroup")
            if ctype == "private":
                chat = {k: v for k, v in user.items() if k in ("id", "first_name", "username")}
                chat["id"] = cid
            else:
                chat = {"id": cid, "title": f"测试群 {cid}"}
            self._chats[cid] = chat = {**chat, "type": ctype}
            msg = {"message_id": self._next_message_id(cid), "date": int(self.wall_clock()),
                   "chat": chat, "from": user, **content}
            self._messages[(cid, msg["message_id"])] = msg
            self._emit({"type": "message", "chat_id": cid, "message": msg})
            return self.push_raw({"message": msg})

    def push_text(self, user_id: int, text: str, chat_id: int | None = None,
                  first_name: str = "张", username: str | None = None,
                  chat_type: str | None = None) -> JSON:
        content: JSON = {"text": text}
        if text.startswith("/"):  # "/cmd", "/cmd@bot arg" -> entity covers "/cmd@bot" only
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": _utf16_len(text.split(maxsplit=1)[0])}]
        return self._push_message(user_id, content, chat_id, first_name, username, chat_type)

    def push_photo(self, user_id: int, file_id: str = "photo-file-id", caption: str | None = None,
                   media_group_id: str | None = None, chat_id: int | None = None,
                   first_name: str = "张") -> JSON:
        content: JSON = {"photo": self._media("photo", file_id)}
        if caption is not None:
            content["caption"] = caption
        if media_group_id is not None:
            content["media_group_id"] = media_group_id
        return self._push_message(user_id, content, chat_id, first_name)

    def push_location(self, user_id: int, lat: float, lon: float,
                      chat_id: int | None = None, first_name: str = "张") -> JSON:
        return self._push_message(user_id, {"location": {"latitude": lat, "longitude": lon}},
                                  chat_id, first_name)

    def push_voice(self, user_id: int, file_id: str = "voice-file-id", duration: int = 5,
                   first_name: str = "张") -> JSON:
        return self._push_message(user_id, {"voice": self._media("voice", file_id, duration)},
                                  first_name=first_name)

    def push_sticker(self, user_id: int, file_id: str = "sticker-file-id") -> JSON:
        return self._push_message(user_id, {"sticker": self._media("sticker", file_id)})

    def push_document(self, user_id: int, file_name: str = "report.pdf",
                      file_id: str = "document-file-id") -> JSON:
        doc = {**self._media("document", file_id), "file_name": file_name}
        return self._push_message(user_id, {"document": doc})

    def push_contact(self, user_id: int, phone_number: str, first_name: str = "张") -> JSON:
        contact = {"phone_number": phone_number, "first_name": first_name, "user_id": user_id}
        return self._push_message(user_id, {"contact": contact}, first_name=first_name)

    def push_callback(self, user_id: int, data: str, message: JSON | Call,
                      first_name: str = "张", username: str | None = None) -> JSON:
        """Press a button of ``message`` (a bot message dict or the Call that sent it)."""
        msg = message.result if isinstance(message, Call) else message
        with self._cond:
            key = (msg["chat"]["id"], msg["message_id"])
            self._messages.setdefault(key, msg)
            n = next(self._ids)
            self._callback_users[f"cbq-{n}"] = user_id
            return self.push_raw({"callback_query": {
                "id": f"cbq-{n}", "from": self._user(user_id, first_name, username),
                "message": self._messages[key], "chat_instance": f"ci-{key[0]}", "data": data}})

    def add_file(self, kind: str, content: bytes, content_type: str, filename: str) -> str:
        """Keep a file a person sends (a photo, a voice note) and give it a file_id."""
        with self._cond:
            file_id = f"{kind}-{next(self._ids)}"
            self._keep_file(file_id, content, content_type, filename)
            return file_id

    def _keep_file(self, file_id: str, content: bytes, content_type: str, filename: str) -> None:
        if not content_type or content_type == "application/octet-stream":
            content_type = _sniff(content)
        self._files[file_id] = (content, content_type, filename)

    def _kept_file(self, file_id: str) -> tuple[bytes, str, str] | None:
        # A photo's smaller size ("<id>-s") shows the same picture.
        return self._files.get(file_id) or self._files.get(file_id.removesuffix("-s"))

    def file_content(self, path: str) -> tuple[bytes, str]:
        """What GET /file/bot<token>/<path> answers: a kept file, or a stand-in for others."""
        file_id = path.removeprefix("files/").removesuffix(".bin")
        with self._cond:
            kept = self._kept_file(file_id)
        if kept is None:
            return b"local file content: " + path.encode(), "application/octet-stream"
        return kept[0], kept[1]

    def file_info(self, file_id: str) -> tuple[bytes, str, str] | None:
        """A kept file's content, media type and name (None for files nobody uploaded)."""
        with self._cond:
            return self._kept_file(file_id)

    def chat_log(self, chat_id: int) -> list[JSON]:
        """The messages of a chat as they are now (edits applied, deleted ones gone)."""
        with self._cond:
            found = [m for (cid, _), m in self._messages.items() if cid == chat_id]
        return sorted(found, key=lambda m: m["message_id"])

    def reply_keyboard(self, chat_id: int) -> JSON | None:
        """The reply keyboard (e.g. 分享手机号) the chat shows now, if any."""
        with self._cond:
            return self._keyboards.get(chat_id)

    def subscribe(self, listener: Callable[[JSON], None]) -> None:
        """Call `listener(event)` on every message stored, edited or deleted and on every
        answer to a button press. It runs in the serving thread: it must not block."""
        with self._cond:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[JSON], None]) -> None:
        with self._cond:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _emit(self, event: JSON) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a listener's bug must not fail the Bot API call
                _log.exception("local bot api listener failed")

    def forget_chats(self) -> None:
        """Start over (the playground's 重新开始): messages, calls and files go; update ids keep
        counting up, so a bot still polling takes the next updates as new."""
        with self._cond:
            self._calls.clear()
            self._sent.clear()
            self._messages.clear()
            self._message_ids.clear()
            self._chats.clear()
            self._files.clear()
            self._callback_users.clear()
            self._keyboards.clear()
            self._queue = [q for q in self._queue if not q.delivered]
            self.limit_violations.clear()
        self._emit({"type": "reset"})

    def push_raw(self, update: JSON) -> JSON:
        """Queue ``update``; pushing the same ``update_id`` twice delivers it twice."""
        with self._cond:
            if "update_id" not in update:
                update = {"update_id": self._next_update_id, **update}
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
            self._queue_update(update)
            self._pushed.append(update["update_id"])
            self._last_activity = time.monotonic()
            self._cond.notify_all()
            return update

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    def _bot_user(self, token: str) -> JSON:
        prefix = token.split(":", 1)[0]
        return {"id": int(prefix) if prefix.isdigit() else 1_000_001, "is_bot": True,
                "first_name": "Community Test Bot", "username": self.bot_username,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _media(self, kind: str, value: Any, duration: int | None = None) -> Any:
        size = 1024
        if isinstance(value, str) and not value.startswith(("attach://", "http://", "https://")):
            file_id = value
        else:  # uploads and URLs get a fresh server-side file_id, as on Telegram
            file_id = f"{kind}-{next(self._ids)}"
            upload = value if isinstance(value, dict) else (
                self._uploads.get(value[len("attach://"):])
                if isinstance(value, str) and value.startswith("attach://") else None)
            if upload is not None and "content" in upload:
                self._keep_file(file_id, upload["content"], upload.get("content_type") or "",
                                upload.get("filename") or file_id)
                size = len(upload["content"])
        base: JSON = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size}
        if kind == "photo":
            small = {**base, "file_id": f"{file_id}-s", "file_unique_id": f"u-{file_id}-s"}
            return [{**small, "width": 90, "height": 90, "file_size": 512},
                    {**base, "width": 1280, "height": 960}]
        if kind in ("video", "animation", "sticker"):
            base.update(width=512, height=512)
        if kind == "sticker":
            base.update(type="regular", is_animated=False, is_video=False, emoji="👍")
        if kind in ("video", "animation", "audio", "voice"):
            base["duration"] = duration or 1
        if kind == "voice":
            base["mime_type"] = "audio/ogg"
        return base

    def _store(self, chat_id: int, token: str, params: JSON, content: JSON) -> JSON:
        msg: JSON = {"message_id": self._next_message_id(chat_id), "date": int(self.wall_clock()),
                     "chat": self._chat(chat_id), "from": self._bot_user(token), **content}
        for key in ("caption", "entities", "caption_entities", "media_group_id"):
            if key in params and key not in msg:
                msg[key] = params[key]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            msg["reply_markup"] = markup  # Telegram only echoes inline keyboards
        elif isinstance(markup, dict) and ("keyboard" in markup or "remove_keyboard" in markup):
            # A reply keyboard is not part of the message: the chat shows it until replaced.
            self._keyboards[chat_id] = markup if "keyboard" in markup else None
            self._emit({"type": "keyboard", "chat_id": chat_id,
                        "keyboard": self._keyboards[chat_id]})
        reply = params.get("reply_parameters") or {}
        if (target := self._messages.get((chat_id, reply.get("message_id", 0)))) is not None:
            msg["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        self._messages[(chat_id, msg["message_id"])] = msg
        self._sent.append((chat_id, msg))
        self._emit({"type": "message", "chat_id": chat_id, "message": msg})
        return msg

    def _find(self, params: JSON, action: str, chat_key: str = "chat_id") -> JSON:
        key = (_as_chat_id(params.get(chat_key)) or 0, int(params.get("message_id", 0)))
        if key not in self._messages:
            raise ApiError(400, f"Bad Request: message to {action} not found")
        return self._messages[key]

    def _edit(self, params: JSON, changes: JSON) -> JSON:
        old = self._find(params, "edit")
        new = {k: v for k, v in {**old, **changes}.items() if v is not None}
        new.pop("reply_markup", None)
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            new["reply_markup"] = markup  # omitting reply_markup removes the keyboard
        if all(new.get(k) == old.get(k) for k in ("text", "caption", "reply_markup",
                                                  *_MEDIA_KINDS)):
            raise ApiError(400, NOT_MODIFIED)
        new["edit_date"] = int(self.wall_clock())
        self._messages[(old["chat"]["id"], old["message_id"])] = new
        self._emit({"type": "edit", "chat_id": old["chat"]["id"], "message": new})
        return new

    def _check_limits(self, method: str, chat_id: int | None, messages: int = 1) -> None:
        """429 if ``messages`` more (an album's photos) would overfill a sliding window."""
        if not self.enforce_limits or not _is_counted(method):
            return
        now = self.clock()
        checks = [("global", self.global_limit, self.global_window, messages)]
        if chat_id is not None and chat_id < 0:
            checks.append(("group", self.group_limit, self.group_window, messages))
        elif chat_id is not None:
            checks.append(("private", self.private_limit + self.private_burst,
                           self.private_window, 1))
        for name, limit, window, count in checks:
            times = self._sends["global" if name == "global" else chat_id]
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) + count > limit:
                # When enough of the window will have passed for `count` more to fit.
                oldest = times[min(len(times) - 1, max(0, len(times) + count - limit - 1))] \
                    if times else now
                retry = max(1, math.ceil(oldest + window - now))
                self.limit_violations.append((chat_id, name, now))
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        for name, _, _, count in checks:
            self._sends["global" if name == "global" else chat_id].extend([now] * count)

    def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._cond:
            if self._webhook is not None:
                raise ApiError(409, WEBHOOK_ACTIVE)
            if "allowed_updates" in params:
                self._allowed_updates = params["allowed_updates"] or None
            if offset > 0:  # confirms every update handed out before with a smaller id
                self._queue = [q for q in self._queue
                               if not q.delivered or q.update["update_id"] >= offset]
            if self._allowed_updates:
                allowed = set(self._allowed_updates) | {"update_id"}
                self._queue = [q for q in self._queue if set(q.update) <= allowed]
            while True:
                ready = self._queue[offset:] if offset < 0 else self._queue
                remaining = deadline - time.monotonic()
                if ready or self._stopping or remaining <= 0:
                    break
                self._cond.wait(remaining)
                if self._webhook is not None:  # set meanwhile: the webhook delivers them
                    return []
            batch = ready[:limit]
            for q in batch:
                q.delivered = True
            if batch:
                self._last_activity = time.monotonic()
            return [q.update for q in batch]

    def _method(self, method: str, token: str, params: JSON) -> Any:
        m = method.lower()
        chat_id = _as_chat_id(params.get("chat_id"))
        if m == "getme":
            return self._bot_user(token)
        if m == "setwebhook" and params.get("url"):
            try:
                return self._set_webhook(params)
            except BadWebhook as exc:
                raise ApiError(400, str(exc)) from None
        if m in ("deletewebhook", "setwebhook"):  # setWebhook with an empty url deletes
            self._delete_webhook(bool(params.get("drop_pending_updates")))
            return True
        if m in ("close", "logout"):
            self._drop_pending(bool(params.get("drop_pending_updates")))
            return True
        if m == "getwebhookinfo":
            return self._webhook_info()
        if m in ("setmycommands", "getmycommands", "deletemycommands"):
            scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
            key = (scope, params.get("language_code") or "")
            if m == "setmycommands":
                self._commands[key] = list(params.get("commands") or [])
            elif m == "deletemycommands":
                self._commands.pop(key, None)
            return list(self._commands.get(key, [])) if m == "getmycommands" else True
        if m == "getchat":
            if chat_id is None:
                raise ApiError(400, "Bad Request: chat not found")
            gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts",
                                   "premium_subscription", "gifts_from_channels"), False)
            return {**self._chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11,
                    "accepted_gift_types": gifts}
        if m == "getfile":
            fid = str(params["file_id"])
            kept = self._kept_file(fid)
            return {"file_id": fid, "file_unique_id": f"u-{fid}",
                    "file_size": len(kept[0]) if kept else 1024, "file_path": f"files/{fid}"}
        if _is_counted(m) or m == "answercallbackquery":
            _check_content(m, params)
        if m == "answercallbackquery":
            query_id = str(params.get("callback_query_id") or "")
            self._emit({"type": "answer", "user_id": self._callback_users.get(query_id),
                        "text": params.get("text") or "",
                        "show_alert": bool(params.get("show_alert"))})
            return True
        if m == "sendchataction" or not (_is_counted(m) or m == "deletemessage"):
            return True
        if m.startswith("editmessage") and "inline_message_id" in params:
            return True  # inline messages are not stored, and Telegram answers just True
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat not found")
        if m == "sendmessage":
            return self._store(chat_id, token, params, {"text": params["text"]})
        if m == "sendlocation":
            loc = {"latitude": params["latitude"], "longitude": params["longitude"]}
            return self._store(chat_id, token, params, {"location": loc})
        if m == "sendcontact":
            contact = {k: params[k] for k in ("phone_number", "first_name", "last_name")
                       if k in params}
            return self._store(chat_id, token, params, {"contact": contact})
        if m == "sendmediagroup":
            group_id, out = str(next(self._ids)), []
            for item in params["media"]:
                content = {"media_group_id": group_id,
                           item["type"]: self._media(item["type"], item.get("media"))}
                if item.get("caption"):
                    content["caption"] = item["caption"]
                out.append(self._store(chat_id, token, {}, content))
            return out
        if (kind := m[4:]) in _MEDIA_KINDS:
            media = self._media(kind, params.get(kind), params.get("duration"))
            if kind == "document" and isinstance(params.get(kind), dict):
                media["file_name"] = params[kind].get("filename", "file")
            return self._store(chat_id, token, params, {kind: media})
        if m in ("copymessage", "forwardmessage"):
            src = self._find(params, m[:-7], "from_chat_id")
            content = {k: src[k] for k in _CONTENT_KEYS if k in src}
            if m == "forwardmessage":
                origin = {"type": "user", "date": src["date"], "sender_user": src.get("from")}
                content["forward_origin"] = origin if src.get("from") else {
                    "type": "hidden_user", "date": src["date"], "sender_user_name": "?"}
                return self._store(chat_id, token, {}, content)
            if "caption" in params and "caption" in content:
                content["caption"] = params["caption"]
            return {"message_id": self._store(chat_id, token, params, content)["message_id"]}
        if m == "editmessagetext":
            return self._edit(params, {"text": params["text"],
                                       "entities": params.get("entities")})
        if m == "editmessagecaption":
            return self._edit(params, {"caption": params.get("caption"),
                                       "caption_entities": params.get("caption_entities")})
        if m == "editmessagereplymarkup":
            return self._edit(params, {})
        if m == "editmessagemedia":
            media, kind = params["media"], params["media"]["type"]
            return self._edit(params, {kind: self._media(kind, media.get("media")),
                                       "caption": media.get("caption")})
        if m.startswith("editmessage"):  # live locations, checklists: content left unchanged
            return {**self._find(params, "edit"), "edit_date": int(self.wall_clock())}
        if m == "deletemessage":
            msg = self._find(params, "delete")
            del self._messages[(msg["chat"]["id"], msg["message_id"])]
            self._emit({"type": "delete", "chat_id": msg["chat"]["id"],
                        "message_id": msg["message_id"]})
            return True
        return self._store(chat_id, token, params, {})  # unknown send*: an empty message

    def dispatch(self, token: str, method: str, content_type: str, body: bytes,
                 query: str = "") -> tuple[int, bytes]:
        """Serve one Bot API call; returns (HTTP status, JSON body)."""
        start = time.monotonic()
        polling = method.lower() == "getupdates"
        with self._cond:
            self._active += 1
            self._busy += not polling
            self._last_activity = start
        params: JSON = {k: _decode(k, v) for k, v in parse_qsl(query)}
        files: dict[str, JSON] = {}
        call = Call(method, params, None, start, token)
        try:
            if self.latency:
                time.sleep(self.latency)
            ctype = content_type.split(";")[0].strip().lower()
            if ctype == "application/json" and body:
                params.update(json.loads(body))
            elif ctype == "application/x-www-form-urlencoded":
                params.update({k: _decode(k, v) for k, v in parse_qsl(body.decode())})
            elif ctype == "multipart/form-data":
                msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
                for part in msg.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    raw = part.get_payload(decode=True)
                    payload = raw if isinstance(raw, bytes) else b""
                    if part.get_filename() is None:
                        params[str(name)] = _decode(str(name), payload.decode())
                    else:
                        files[str(name)] = {"filename": part.get_filename(), "size": len(payload),
                                            "content_type": part.get_content_type(),
                                            "content": payload}
                for name, info in files.items():
                    params.setdefault(name, info)  # uploads without an attach:// reference
            call.chat_id, call.files = _as_chat_id(params.get("chat_id")), files
            with self._cond:
                self.tokens.add(token)
                if (fault := self._take_fault(method, call.chat_id)) is not None:
                    raise fault
                if not polling:
                    media = params.get("media") if method.lower() == "sendmediagroup" else None
                    self._check_limits(method, call.chat_id,
                                       len(media) if isinstance(media, list) and media else 1)
                    self._uploads = files
                    try:
                        call.result = self._method(method, token, params)
                    finally:
                        self._uploads = {}
            if polling:
                call.result = self._get_updates(params)
            payload_out: JSON = {"ok": True, "result": call.result}
        except ApiError as exc:
            call.status, call.error = exc.status, exc.description
            payload_out = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.retry_after is not None:
                payload_out["parameters"] = {"retry_after": exc.retry_after}
        except (KeyError, ValueError, TypeError) as exc:
            call.status, call.error = 400, f"Bad Request: invalid parameters ({exc!r})"
            payload_out = {"ok": False, "error_code": 400, "description": call.error}
        except Exception as exc:  # a bug in this fake: still answer, so counters stay right
            _log.exception("fake bot api failed on %s", method)
            call.status, call.error = 500, f"Internal Server Error: fake bot api bug ({exc!r})"
            payload_out = {"ok": False, "error_code": 500, "description": call.error}
        with self._cond:
            self._calls.append(call)
            self._active -= 1
            self._busy -= not polling
            if not polling or call.result:
                self._last_activity = time.monotonic()
            self._cond.notify_all()
        return call.status, json.dumps(payload_out, ensure_ascii=False).encode()
