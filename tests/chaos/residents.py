"""Simulated residents: each sends a text, waits for the bot's preview, presses 确认提交 (and a
building when asked) and reads the receipt with its ticket number. One who hears nothing for
a while does what a person does: sends the message again, or presses again.

What a resident sees is the stand-in's own record of its chat (LocalBotApi.subscribe), applied
on the test's event loop; a resident waits for its chat to change, for as long as its patience
lasts. Patience is the resident's behaviour, not the test's pace: the test itself waits for
the bot's state (tests/chaos/test_chaos.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot import texts
from bot.localapi import LocalBotApi

JSON = dict[str, Any]
T = TypeVar("T")

PATIENCE = 20.0  # s a resident waits for an answer before sending or pressing again
SENDS = 3  # a message is sent at most this often...
PRESSES = 5  # ...and the buttons of one submission pressed at most this often
# What the residents write: some name their building (3号楼, 5号楼, 2号楼), the others are
# asked for it. None is urgent or the coordinators' to sort (category "other").
MATTERS = (
    "楼道灯坏了好几天了，晚上黑乎乎的",
    "3号楼电梯又坏了，老人上下楼很不方便",
    "小区门口垃圾堆了三天没人清",
    "5号楼下水道堵了，一股臭味",
    "想借一辆轮椅给老伴用几天",
    "单元门的门禁坏了，谁都能进来",
    "楼下的路灯不亮了",
    "2号楼楼道里堆满了杂物，过不去人",
)
NUMBER = re.compile(r"编号\s*(\d+)")
_APOLOGY = "apology"


@dataclass
class Send:
    """One time the resident sent the submission's text."""

    message_id: int
    update_id: int
    at: float  # wall clock
    apology: bool = False  # the bot said 抱歉，刚才没办成 (and the resident sent it again)


@dataclass
class Submission:
    resident: int
    seq: int
    due: float  # s after the traffic's start the resident means to send it
    text: str
    sends: list[Send] = field(default_factory=list)
    preview_id: int | None = None  # the preview the resident pressed on
    confirmed: bool = False  # pressed 确认提交 (and a building, when asked)
    number: int | None = None  # the ticket number the resident read
    presses: int = 0
    repressed: int = 0  # presses of a button pressed before (no answer came in time)

    @property
    def marker(self) -> str:
        return marker(self.resident, self.seq)


def marker(resident: int, seq: int) -> str:
    """What makes each submission's words its own: tickets are matched to submissions by it."""
    return f"[c{resident}x{seq}]"


def plan(rng: random.Random, residents: list[int], submissions: int,
         rate: float) -> list[Submission]:
    """`submissions` in turn from the residents, one every 1/rate s."""
    return [Submission(r, i // len(residents), i / rate,
                       f"{rng.choice(MATTERS)} {marker(r, i // len(residents))}")
            for i in range(submissions) for r in [residents[i % len(residents)]]]


class Chats:
    """Each chat as the stand-in shows it: the bot's messages as they are now (edits applied),
    every text it sent, and the alerts it answered presses with."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.messages: dict[int, dict[int, JSON]] = defaultdict(dict)
        self.sent: dict[int, list[str]] = defaultdict(list)
        self.alerts: dict[int, list[str]] = defaultdict(list)
        self._changed: dict[int, asyncio.Event] = defaultdict(asyncio.Event)

    def listener(self, event: JSON) -> None:
        """LocalBotApi.subscribe's listener: runs in the stand-in's serving thread."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: the run is over
            self._loop.call_soon_threadsafe(self._apply, event)

    def _apply(self, event: JSON) -> None:
        if event.get("type") in ("message", "edit"):
            message = event["message"]
            if not message.get("from", {}).get("is_bot"):
                return  # what a resident sent
            chat = int(event["chat_id"])
            self.messages[chat][message["message_id"]] = message
            if event["type"] == "message":
                self.sent[chat].append(message.get("text") or "")
        elif event.get("type") == "answer" and event.get("text") and event.get("user_id"):
            chat = int(event["user_id"])
            self.alerts[chat].append(str(event["text"]))
        else:
            return
        self._changed[chat].set()

    async def until(self, chat: int, check: Callable[[], T | None], patience: float) -> T | None:
        """What `check` finds in the chat, as soon as it does; None when patience ran out."""
        deadline = time.monotonic() + patience
        while True:
            changed = self._changed[chat]
            changed.clear()
            found = check()
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)


def buttons(message: JSON) -> list[tuple[str, str]]:
    """(label, callback data) of a message's inline buttons."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b.get("callback_data") or "") for row in rows for b in row]


def number_in(text: str) -> int | None:
    found = NUMBER.search(text)
    return int(found.group(1)) if found else None


class Resident:
    def __init__(self, api: LocalBotApi, chats: Chats, user_id: int, rng: random.Random,
                 patience: float = PATIENCE) -> None:
        self.api, self.chats, self.id = api, chats, user_id
        self.rng, self.patience = rng, patience

    async def run(self, submissions: list[Submission], start: float) -> None:
        """Each submission in turn, none before its time (the traffic's schedule)."""
        for sub in submissions:
            ahead = start + sub.due - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
            await self.submit(sub)

    def _preview(self, sub: Submission) -> JSON | None:
        """The first preview of this submission's words (with 确认提交) in the chat."""
        for _, message in sorted(self.chats.messages[self.id].items()):
            if sub.marker in (message.get("text") or "") and any(
                    label == texts.BTN_CONFIRM for label, _ in buttons(message)):
                return message
        return None

    async def submit(self, sub: Submission) -> None:
        preview: JSON | None = None
        for _ in range(SENDS):
            seen = len(self.chats.sent[self.id])
            update = self.api.push_text(self.id, sub.text)
            send = Send(update["message"]["message_id"], update["update_id"], time.time())
            sub.sends.append(send)

            def answered(seen: int = seen) -> JSON | str | None:
                found = self._preview(sub)
                if found is not None:
                    return found
                return _APOLOGY if texts.ERROR_TRY_AGAIN in self.chats.sent[self.id][seen:] \
                    else None

            got = await self.chats.until(self.id, answered, self.patience)
            if isinstance(got, dict):
                preview = got
                break
            send.apology = got == _APOLOGY
        if preview is not None:
            sub.preview_id = preview["message_id"]
            await self._press_through(sub, preview["message_id"])

    async def _press_through(self, sub: Submission, message_id: int) -> None:
        """Press 确认提交 (then a building, when asked) until the receipt shows the number."""
        building = ""
        pressed: set[str] = set()
        for _ in range(PRESSES):
            shown = self.chats.messages[self.id][message_id]
            if (number := number_in(shown.get("text") or "")) is not None:
                sub.number = number
                return
            choices = buttons(shown)
            confirm = [data for label, data in choices if label == texts.BTN_CONFIRM]
            places = [data for _, data in choices if data.startswith("d.bld:")]
            if confirm:
                data = confirm[0]
            elif places:
                building = building or self.rng.choice(places)
                data = building
            else:
                return  # nothing left to press (not a state this flow reaches)
            sub.confirmed |= data.startswith(("d.ok:", "d.bld:"))  # d.okb only asks
            alerts = len(self.chats.alerts[self.id])
            self.api.push_callback(self.id, data, shown)
            sub.presses += 1
            sub.repressed += data in pressed
            pressed.add(data)

            def moved(shown: JSON = shown, alerts: int = alerts) -> JSON | str | None:
                now = self.chats.messages[self.id][message_id]
                if now is not shown:
                    return now
                said = self.chats.alerts[self.id][alerts:]
                return said[-1] if said else None

            got = await self.chats.until(self.id, moved, self.patience)
            if isinstance(got, str) and (number := number_in(got)) is not None:
                sub.number = number  # 这件事已经提交了，编号 N: a press after the receipt was lost
                return
