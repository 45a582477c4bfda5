"""The stand-in Bot API delivers webhook updates as Telegram does, up to max_connections at once
(bot/localapi/delivery.py): parallel across chats, one at a time and in order within a chat, a
failing update holding up only its own chat.

The receiver here answers from a thread per request, so a test can hold answers back until
something happened (a second request arrived) without blocking the others; nothing sleeps.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.localapi import LocalBotApi
from bot.localapi.delivery import order_key
from tests.e2e.test_local_api import make_bot
from tests.waiting import WAIT, until

JSON = dict[str, Any]


class _Endpoint:
    """A webhook receiver on 127.0.0.1 recording what is in flight: `answer(update)` decides
    each answer's status and may block (it runs in the request's own thread)."""

    def __init__(self, answer: Callable[[JSON], int] = lambda update: 200) -> None:
        self.answer = answer
        self.lock = threading.Lock()
        self.arrived: list[JSON] = []  # every POSTed update, in arrival order
        self.statuses: list[tuple[int, int]] = []  # (update_id, status), in answer order
        self.held: list[int] = []  # chat of each request not answered yet
        self.most = 0  # most requests in flight at once
        self.overlaps: list[int] = []  # chats that had two requests in flight at once
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = endpoint.serve(body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def serve(self, update: JSON) -> int:
        chat = _chat(update)
        with self.lock:
            self.arrived.append(update)
            if chat in self.held:
                self.overlaps.append(chat)
            self.held.append(chat)
            self.most = max(self.most, len(self.held))
        try:
            status = self.answer(update)
        finally:
            with self.lock:
                self.held.remove(chat)
        with self.lock:
            self.statuses.append((update["update_id"], status))
        return status

    def ids(self, chat: int | None = None) -> list[int]:
        with self.lock:
            return [u["update_id"] for u in self.arrived if chat is None or _chat(u) == chat]

    def acknowledged(self) -> list[int]:
        with self.lock:
            return [update_id for update_id, status in self.statuses if status == 200]

    def __enter__(self) -> _Endpoint:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _chat(update: JSON) -> int:
    return int(update["message"]["chat"]["id"])


def _acknowledged(api: LocalBotApi) -> list[int]:
    """The updates the stand-in saw acknowledged (it records an answer after the receiver
    sent it: wait for this, not for the receiver)."""
    return [d.update_id for d in api.deliveries() if d.acknowledged]


@pytest.fixture
def api() -> Iterator[LocalBotApi]:
    with LocalBotApi(webhook_retry=0.02, webhook_retry_max=0.1, webhook_timeout=WAIT) as server:
        yield server


def _barrier(parties: int) -> Callable[[JSON], int]:
    """Answer a request only once `parties` requests are in flight together (then 200)."""
    barrier = threading.Barrier(parties)

    def answer(update: JSON) -> int:
        try:
            barrier.wait(timeout=WAIT)
        except threading.BrokenBarrierError:  # they never were: fail the test, not hang it
            return 500
        return 200
    return answer


async def test_two_chats_updates_are_in_flight_at_once(api: LocalBotApi) -> None:
    with _Endpoint(_barrier(2)) as receiver:
        async with make_bot(api) as bot:
            await bot.set_webhook(receiver.url)
            assert (await bot.get_webhook_info()).max_connections == 40  # Telegram's default
            first = api.push_text(1001, "一楼的灯坏了")["update_id"]
            second = api.push_text(1002, "二楼漏水")["update_id"]
            # Each answer waited for the other request to arrive: both were in flight at once.
            await until(lambda: sorted(_acknowledged(api)) == [first, second],
                        why=lambda: receiver.statuses)
            assert receiver.most == 2 and sorted(receiver.acknowledged()) == [first, second]
            assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_each_chats_updates_stay_in_order_while_chats_go_in_parallel(
        api: LocalBotApi) -> None:
    chats = (2001, 2002, 2003)
    with _Endpoint(_barrier(len(chats))) as receiver:
        async with make_bot(api) as bot:
            await bot.set_webhook(receiver.url)
            pushed: dict[int, list[int]] = {chat: [] for chat in chats}
            for n in range(3):  # interleaved: 2001, 2002, 2003, 2001, …
                for chat in chats:
                    pushed[chat].append(api.push_text(chat, f"第{n}条")["update_id"])
            await until(lambda: len(_acknowledged(api)) == 9, why=lambda: receiver.statuses)
        # Three rounds of three, one update of each chat per round, each chat's in order.
        assert receiver.most == len(chats) and receiver.overlaps == []
        assert {chat: receiver.ids(chat) for chat in chats} == pushed
        assert all(status == 200 for _, status in receiver.statuses)


async def test_a_refused_update_holds_up_its_own_chat_only(api: LocalBotApi) -> None:
    refusing = threading.Event()
    refusing.set()
    stuck, free = 3001, 3002

    def answer(update: JSON) -> int:
        return 503 if _chat(update) == stuck and refusing.is_set() else 200

    with _Endpoint(answer) as receiver:
        async with make_bot(api) as bot:
            await bot.set_webhook(receiver.url, secret_token="s3cret")
            held = [api.push_text(stuck, text)["update_id"] for text in ("甲", "乙")]
            going = [api.push_text(free, text)["update_id"] for text in ("丙", "丁")]
            # The other chat's updates are acknowledged while the first is still being retried.
            await until(lambda: receiver.acknowledged() == going
                        and receiver.ids(stuck).count(held[0]) >= 3)
            refusing.clear()
            await until(lambda: len(_acknowledged(api)) == 4)
            info = await bot.get_webhook_info()
            assert "503" in (info.last_error_message or "")
            assert info.pending_update_count == 0
    # Its second update went only after the first was acknowledged, and only once.
    tries = receiver.ids(stuck)
    assert tries[-1] == held[1] and set(tries[:-1]) == {held[0]}
    assert Counter(_acknowledged(api)) == Counter(held + going)


async def test_max_connections_one_delivers_one_update_at_a_time(api: LocalBotApi) -> None:
    answered = threading.Semaphore(0)  # the test lets the receiver answer one at a time

    def answer(update: JSON) -> int:
        return 200 if answered.acquire(timeout=WAIT) else 500

    with _Endpoint(answer) as receiver:
        async with make_bot(api) as bot:
            await bot.set_webhook(receiver.url, max_connections=1)
            assert (await bot.get_webhook_info()).max_connections == 1
            pushed = [api.push_text(chat, "你好")["update_id"] for chat in (4001, 4002, 4003)]
            for n in range(1, 4):
                # Three chats' updates could all go at once; with one connection the next one
                # arrives only after the one before was answered.
                await until(lambda n=n: len(receiver.ids()) >= n)
                with receiver.lock:
                    assert (len(receiver.arrived), len(receiver.held)) == (n, 1)
                answered.release()
            await until(lambda: len(_acknowledged(api)) == 3)
    assert receiver.ids() == pushed  # one connection: the order they were pushed in
    assert receiver.most == 1


async def test_max_connections_is_clamped_as_telegram_clamps_it(api: LocalBotApi) -> None:
    async with make_bot(api) as bot:
        await bot.set_webhook("http://127.0.0.1:9/h", max_connections=1000)
        assert (await bot.get_webhook_info()).max_connections == 100
        await bot.set_webhook("http://127.0.0.1:9/h", max_connections=0)
        assert (await bot.get_webhook_info()).max_connections == 1
        await bot.delete_webhook()


def test_updates_are_ordered_by_chat_else_by_user() -> None:
    user = {"id": 7, "is_bot": False, "first_name": "张"}
    group = {"id": -100, "type": "supergroup"}
    message = {"message_id": 1, "date": 0, "chat": group, "from": user, "text": "x"}
    assert order_key({"update_id": 1, "message": message}) == -100
    assert order_key({"update_id": 2, "edited_message": message}) == -100
    press = {"id": "q", "from": user, "message": message, "data": "d", "chat_instance": "c"}
    assert order_key({"update_id": 3, "callback_query": press}) == -100  # its message's chat
    inline = {"id": "q", "from": user, "query": "", "offset": ""}
    assert order_key({"update_id": 4, "inline_query": inline}) == 7
    assert order_key({"update_id": 5, "poll_answer": {"poll_id": "p", "user": user,
                                                      "option_ids": [0]}}) == 7
    assert order_key({"update_id": 6, "poll": {"id": "p", "question": "?"}}) is None
