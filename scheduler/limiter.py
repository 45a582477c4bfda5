"""Every Bot API request the bot makes, within Telegram's limits: python-telegram-bot's rate
limiter for the application's bot (bot/app/application.py installs it).

Handlers reply straight into a person's chat (sendMessage, editMessageText, a photo…); those
messages take their slot from the same Pacer as the outbox sender (scheduler/pacing.py), so
the overall limit counts both and one person's chat is paced the same whoever writes to it.
A 429 is waited out for its retry_after (every send waits with it: the Pacer is told) and the
call is made again, a few times at most; after that it is logged and raised as before. A 5xx
answer (Telegram's side failed: "Bad Gateway", "Internal Server Error") is retried too, after a
short pause, twice at most: a reply to a person is not dropped for one bad moment of
Telegram's (the outbox sender retries its own). Network failures without an answer are not
retried here: the request may have reached Telegram (a timeout), and the owed replies are
handed to the outbox instead (handlers/common.py, deliver_owed).

What is not a message does not wait behind the messages' pacing: answering a button press
(answerCallbackQuery), setting the command menus, getFile… go at once, and a 429 on one of
them is waited out all the same. Calls made inside a Pacer slot (the outbox sender's, already
paced, which handles its own 429s) pass straight through. With `[telegram] pace = false` only
a 429's retry_after and a chat's backoff are kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sized
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import BaseRateLimiter

from bot.services.replies import delivering_owed
from scheduler.pacing import Pacer, Sleep, in_slot
from scheduler.parts import retry_seconds

log = logging.getLogger(__name__)
ATTEMPTS = 5  # a call refused with 429 this many times in a row is given up (and raised)
SERVER_ERROR_PAUSES = (0.5, 2.0)  # the waits before each retry of a call Telegram answered 5xx

Result = bool | dict[str, Any] | list[dict[str, Any]]


def message_cost(endpoint: str, data: dict[str, Any]) -> int:
    """How many messages Telegram counts for this call (0: not a message: no pacing). As the
    stand-in counts them (bot/localapi): sends, copies, forwards and edits, not chat actions;
    an album is one per photo."""
    method = endpoint.lower()
    if not method.startswith(("send", "copymessage", "forwardmessage", "editmessage")) \
            or method == "sendchataction":
        return 0
    media = data.get("media")
    if method == "sendmediagroup" and isinstance(media, Sized) and len(media):
        return len(media)
    return 1


def chat_of(data: dict[str, Any]) -> int | None:
    """The numeric chat a call writes to; None for an inline message or an @username."""
    chat = data.get("chat_id")
    if isinstance(chat, bool):
        return None
    if isinstance(chat, int):
        return chat
    if isinstance(chat, str) and chat.lstrip("-").isdigit():
        return int(chat)
    return None


def server_failed(exc: NetworkError) -> bool:
    """Telegram answered, with a server error (python-telegram-bot raises NetworkError for a
    5xx); not a refusal (BadRequest) and not a request whose fate is unknown: a timeout, or a
    connection that failed (HTTPXRequest names the httpx error: "httpx.ReadError: …")."""
    if isinstance(exc, BadRequest | TimedOut):
        return False
    return not exc.message.startswith(("httpx.", "Unknown error in HTTP implementation"))


class Limiter(BaseRateLimiter[None]):
    """The application's bot's rate limiter: messages paced by the shared Pacer, 429s retried."""

    def __init__(self, pacer: Pacer, attempts: int = ATTEMPTS,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.pacer = pacer
        self.attempts = max(1, attempts)
        self._sleep = sleep

    async def initialize(self) -> None:
        """Nothing to set up: the Pacer is plain memory."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Result:
        if in_slot():  # the outbox sender's call: paced already, its 429s are its own
            return await callback(*args, **kwargs)
        cost = message_cost(endpoint, data)
        chat = chat_of(data)
        attempt, server_errors = 1, 0
        while True:
            try:
                if not cost or not self.pacer.holds(chat):  # not a message, or pace = false
                    return await callback(*args, **kwargs)
                async with self.pacer.slot(chat, cost, self._sleep):
                    return await callback(*args, **kwargs)
            except NetworkError as exc:
                if not server_failed(exc) or server_errors >= len(SERVER_ERROR_PAUSES) \
                        or endpoint.lower() == "getupdates" \
                        or delivering_owed():  # the poller, the outbox: their own retries
                    raise
                log.warning("%s to chat %s: Telegram answered %s; retrying", endpoint, chat, exc)
                await self._sleep(SERVER_ERROR_PAUSES[server_errors])
                server_errors += 1
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                if delivering_owed():  # an owed reply: the outbox waits it out and sends it
                    if cost:
                        self.pacer.flood(chat, seconds)
                    raise
                if attempt >= self.attempts:
                    log.error("%s to chat %s: refused with 429 %d times in a row; given up",
                              endpoint, chat, attempt)
                    raise
                log.warning("%s to chat %s: flood control, retrying in %.1f s (attempt %d of %d)",
                            endpoint, chat, seconds, attempt + 1, self.attempts)
                attempt += 1
                if cost:
                    self.pacer.flood(chat, seconds)  # the next slot() waits it out
                else:
                    await self._sleep(seconds)
