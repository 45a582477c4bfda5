"""The application bot's rate limiter (scheduler/limiter.py): a message waits for its slot in
the shared Pacer, anything else goes at once; a 429 is waited out and the call made again, a
few times at most; the outbox sender's calls (inside a slot already) pass straight through."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.services.replies import owed_delivery
from scheduler.limiter import SERVER_ERROR_PAUSES, Limiter, chat_of, message_cost
from scheduler.pacing import Limits, Pacer
from tests.unit.test_pacing import Asked, Sleeps

pytestmark = pytest.mark.filterwarnings("ignore:.*attribute `retry_after`:DeprecationWarning")

PRIVATE = 6000
UNPACED = replace(Limits(), paced=False)


class Telegram:
    """The call the limiter makes: answers 429 (retry after `retry_after`) `refusals` times,
    then True."""

    def __init__(self, refusals: int = 0, retry_after: int = 3) -> None:
        self.refusals, self.retry_after = refusals, retry_after
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.calls <= self.refusals:
            raise RetryAfter(self.retry_after)
        return True


async def request(limiter: Limiter, telegram: Telegram, endpoint: str,
                  **data: Any) -> Any:
    return await limiter.process_request(telegram, (endpoint, data), {}, endpoint, data, None)


class Noted:
    """A sleep that notes each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_what_counts_as_a_message_as_telegram_counts_it() -> None:
    assert message_cost("sendMessage", {"chat_id": 1}) == 1
    assert message_cost("editMessageText", {"chat_id": 1}) == 1
    assert message_cost("sendMediaGroup", {"chat_id": -5, "media": [1, 2, 3]}) == 3
    assert message_cost("copyMessage", {"chat_id": 1}) == 1
    for endpoint in ("answerCallbackQuery", "sendChatAction", "setMyCommands", "getFile",
                     "deleteMessage", "getMe"):
        assert message_cost(endpoint, {"chat_id": 1}) == 0
    assert [chat_of({"chat_id": c}) for c in (42, "-1001", "@town", None, True)] == [
        42, -1001, None, None, None]


async def test_a_message_waits_for_its_slot_in_the_shared_pacer() -> None:
    pacer = Pacer(Limits(private_burst=0))
    telegram = Telegram()
    assert await request(Limiter(pacer, sleep=Sleeps()), telegram, "sendMessage",
                         chat_id=PRIVATE) is True
    assert PRIVATE in pacer.paced()  # what the outbox sender sees: this person just got one
    sleeps = Sleeps()
    with pytest.raises(Asked):
        await request(Limiter(pacer, sleep=sleeps), telegram, "editMessageText",
                      chat_id=PRIVATE)
    assert sleeps.waits[-1] > 0.9 and telegram.calls == 1  # the edit waits its second


async def test_a_button_answer_never_waits_behind_the_messages() -> None:
    pacer = Pacer(Limits())
    pacer.flood(PRIVATE, 30.0)  # every message waits half a minute
    sleeps = Sleeps()
    telegram = Telegram()
    assert await request(Limiter(pacer, sleep=sleeps), telegram, "answerCallbackQuery",
                         callback_query_id="7") is True
    assert sleeps.waits == [] and telegram.calls == 1


@pytest.mark.parametrize("limits", [Limits(), UNPACED], ids=["paced", "unpaced"])
async def test_a_429_on_a_message_holds_every_send_for_retry_after(limits: Limits) -> None:
    pacer = Pacer(limits)
    telegram = Telegram(refusals=1, retry_after=20)
    sleeps = Sleeps()
    with pytest.raises(Asked):  # the retry waits: for 20 s, and so does everybody else
        await request(Limiter(pacer, sleep=sleeps), telegram, "sendMessage", chat_id=PRIVATE)
    assert telegram.calls == 1 and 19 < sleeps.waits[-1] <= 20
    assert 19 < pacer.paced()[PRIVATE] <= 20
    other = Sleeps()
    with pytest.raises(Asked):
        await request(Limiter(pacer, sleep=other), Telegram(), "sendMessage",
                      chat_id=PRIVATE + 1)
    assert 19 < other.waits[-1] <= 20


async def test_a_429_on_a_button_answer_is_waited_out_and_retried() -> None:
    noted = Noted()
    telegram = Telegram(refusals=2, retry_after=4)
    assert await request(Limiter(Pacer(Limits()), sleep=noted), telegram,
                         "answerCallbackQuery", callback_query_id="7") is True
    assert telegram.calls == 3 and noted.waits == [4.0, 4.0]


async def test_retries_are_bounded_and_the_last_429_is_raised(
        caplog: pytest.LogCaptureFixture) -> None:
    noted = Noted()
    telegram = Telegram(refusals=100, retry_after=1)
    # Earlier tests in the same process may have configured logging (uvicorn's dictConfig
    # disables loggers that exist by then): this test is about the limiter's own record.
    logging.getLogger("scheduler.limiter").disabled = False
    caplog.set_level(logging.ERROR, logger="scheduler.limiter")
    with pytest.raises(RetryAfter):
        await request(Limiter(Pacer(Limits()), attempts=3, sleep=noted), telegram,
                      "answerCallbackQuery", callback_query_id="7")
    assert telegram.calls == 3 and len(noted.waits) == 2
    assert "given up" in caplog.text


async def test_the_outbox_senders_calls_are_not_paced_twice() -> None:
    pacer = Pacer(Limits(private_burst=0))
    limiter = Limiter(pacer, sleep=Sleeps())
    telegram = Telegram(refusals=1)
    async with pacer.slot(PRIVATE, 1, Sleeps()):  # as scheduler/dispatch.py sends a part
        # Paced again, either call would wait for the slot it is in (the Sleeps would raise).
        with pytest.raises(RetryAfter):  # not retried here: the sender handles its 429s
            await request(limiter, telegram, "sendMessage", chat_id=PRIVATE)
        assert await request(limiter, telegram, "sendMessage", chat_id=PRIVATE) is True
    assert telegram.calls == 2


class Failing:
    """The call the limiter makes: fails with `error` `failures` times, then True."""

    def __init__(self, error: Exception, failures: int) -> None:
        self.error, self.failures = error, failures
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return True


async def test_a_reply_telegram_answered_with_a_server_error_is_sent_again() -> None:
    noted = Noted()
    telegram = Failing(NetworkError("Internal Server Error"), failures=2)
    assert await request(Limiter(Pacer(UNPACED), sleep=noted), telegram, "sendMessage",
                         chat_id=PRIVATE) is True
    assert telegram.calls == 3 and noted.waits == list(SERVER_ERROR_PAUSES)


async def test_server_errors_are_retried_twice_at_most() -> None:
    telegram = Failing(NetworkError("Bad Gateway"), failures=5)
    with pytest.raises(NetworkError):
        await request(Limiter(Pacer(UNPACED), sleep=Noted()), telegram, "sendMessage",
                      chat_id=PRIVATE)
    assert telegram.calls == 1 + len(SERVER_ERROR_PAUSES)


@pytest.mark.parametrize("error", [
    TimedOut(), NetworkError("httpx.ReadError: connection reset"),
    BadRequest("Message is not modified")])
async def test_a_call_whose_fate_is_unknown_or_refused_is_not_made_again(
        error: Exception) -> None:
    """A timeout or a dropped connection may have reached Telegram (sent again, it could
    show twice); a 400 would be refused again."""
    telegram = Failing(error, failures=1)
    with pytest.raises(type(error)):
        await request(Limiter(Pacer(UNPACED), sleep=Noted()), telegram, "sendMessage",
                      chat_id=PRIVATE)
    assert telegram.calls == 1


async def test_get_updates_is_left_to_the_poller_on_server_errors() -> None:
    telegram = Failing(NetworkError("Bad Gateway"), failures=1)
    with pytest.raises(NetworkError):
        await request(Limiter(Pacer(UNPACED), sleep=Noted()), telegram, "getUpdates")
    assert telegram.calls == 1


async def test_an_owed_reply_is_not_retried_by_its_handler() -> None:
    """A 429 or 5xx on an owed reply goes back to its handler at once (the outbox sends it,
    waiting out retry_after): a handler waiting past the row's grace would send it twice."""
    noted = Noted()
    pacer = Pacer(UNPACED)
    flooded = Telegram(refusals=1, retry_after=7)
    with owed_delivery(), pytest.raises(RetryAfter):
        await request(Limiter(pacer, sleep=noted), flooded, "sendMessage", chat_id=PRIVATE)
    assert pacer.holds(PRIVATE)  # the 429's pause still holds every other send
    failing = Failing(NetworkError("Bad Gateway"), failures=1)
    with owed_delivery(), pytest.raises(NetworkError):
        await request(Limiter(Pacer(UNPACED), sleep=noted), failing, "sendMessage",
                      chat_id=PRIVATE)
    assert flooded.calls == 1 and failing.calls == 1 and noted.waits == []
