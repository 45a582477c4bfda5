"""The residents bench/intake.py lets loose on a bot: what they write, what they press on the
bot's messages, and the driver that has them all act at once through the stand-in Bot API.

A resident writes one of MESSAGES (no building named, so the bot must ask for it); presses
确认提交 on the message carrying it; presses a building (or the community) on the message asking
您住在哪个楼院; and is done when the message with the ticket number (已提交，编号 N) arrives.
"""

from __future__ import annotations

import queue
import re
import time
from collections.abc import Callable
from typing import Any

from bot import texts
from bot.localapi import LocalBotApi

# No building named (the bot must ask for it) and nothing urgent; six categories.
MESSAGES = [
    "楼道灯坏了好几天了，晚上黑乎乎的，老人上下楼看不见",
    "小区门口垃圾堆了三天没人清，味道很大",
    "楼下天天有人把车停在消防通道上，希望管一管",
    "希望社区能给独居的张奶奶安排助餐",
    "楼上漏水把我家天花板泡坏了，找物业也不管",
    "建议在小广场多放几张长椅，老人们散步累了能歇歇",
]
NUMBER = re.compile(re.escape(texts.SUBMITTED.split("{number}")[0]) + r"\d+")
ASKS = (texts.PICK_BUILDING, texts.PICK_COMMUNITY)
WARMUP = 1_000_001  # a resident who goes through the flow once before each measurement


def action(message: dict[str, Any]) -> str | bool | None:
    """What a resident does on a bot's message: True when it carries the ticket number, else
    the button to press (确认提交; or a building, or the community, when asked), else None."""
    text = message.get("text") or ""
    if NUMBER.search(text):
        return True
    buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
               for b in row if "callback_data" in b]
    confirm = [b for b in buttons if b["text"] == texts.BTN_CONFIRM]
    if confirm:
        return str(confirm[0]["callback_data"])
    if text.startswith(ASKS) and buttons:
        return str(buttons[0]["callback_data"])
    return None


class Driver:
    """Residents acting on what the bot sends them, as the stand-in stores it (event-driven:
    each one presses as soon as their message is there)."""

    def __init__(self, api: LocalBotApi, texts_of: dict[int, str]) -> None:
        self.api, self.texts_of = api, texts_of
        self.events: queue.SimpleQueue[tuple[int, dict[str, Any], float]] = queue.SimpleQueue()
        self.done: dict[int, float] = {}
        self.stage: dict[int, str] = dict.fromkeys(texts_of, "text")
        self.pushed = 0
        self.start = 0.0
        self._pressed: set[tuple[int, int, str]] = set()

    def _listen(self, event: dict[str, Any]) -> None:  # the stand-in's thread: must not block
        message = event.get("message") or {}
        if (event.get("type") in ("message", "edit") and event["chat_id"] in self.texts_of
                and message.get("from", {}).get("is_bot")):
            self.events.put((event["chat_id"], message, time.monotonic()))

    def drive(self, stall: float, alive: Callable[[], bool]) -> Driver:
        """All texts at once, then presses as asked, until all are done or nothing happens
        for `stall` seconds (or the bot's process ended)."""
        self.api.subscribe(self._listen)
        try:
            self.start = time.monotonic()
            for resident, text in self.texts_of.items():
                self.api.push_text(resident, text)
                self.pushed += 1
            quiet_since = time.monotonic()
            while len(self.done) < len(self.texts_of) and alive():
                try:
                    resident, message, at = self.events.get(timeout=1.0)
                except queue.Empty:
                    if time.monotonic() - quiet_since > stall:
                        break
                    continue
                quiet_since = time.monotonic()
                self._act(resident, message, at)
        finally:
            self.api.unsubscribe(self._listen)
        return self

    def _act(self, resident: int, message: dict[str, Any], at: float) -> None:
        what = action(message)
        if resident in self.done or what is None:
            return
        if what is True:
            self.done[resident], self.stage[resident] = at, "done"
            return
        key = (resident, int(message["message_id"]), str(what))
        if key not in self._pressed:  # each button once, as a person would
            self._pressed.add(key)
            self.stage[resident] = "building" if self.stage[resident] != "text" else "confirm"
            self.api.push_callback(resident, str(what), message)
            self.pushed += 1

    @property
    def finished(self) -> bool:
        return len(self.done) == len(self.texts_of)

    def rate(self) -> float:
        return self.pushed / (max(self.done.values()) - self.start)
