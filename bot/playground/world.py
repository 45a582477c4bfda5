"""The playground's world: demo people, the movable clock, the guided tour, starting over.

Everything here drives the real bot from outside, as Telegram and time would: people act
through the local Bot API (updates the bot polls), time moves through the injected clock, and
what is due runs through the same sweep as in production. Nothing in the bot is mocked.
"""

from __future__ import annotations

import asyncio
import io
import math
import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from bot import texts
from bot.config import Config
from bot.localapi import LocalBotApi
from bot.playground.clock import MovableClock
from bot.services.deps import Deps
from bot.services.roster import import_volunteers
from scheduler.sweep import sweep_once
from storage.db import Engine, create_schema
from storage.playground import (
    erase_everything,
    loop_milestones,
    mark_digest_sent,
    next_due_after,
    owed_now,
)
from storage.tallies import ensure_tallies

MAX_STEPS = 400  # a week holds a few dozen deadlines and seven digests; this is a guard
# The demo day: a visitor arriving in the evening would meet quiet hours at the first
# 一小时后, so the clock starts at the next 09:00 unless it is already office hours.
DAY_STARTS, DAY_ENDS = time(9, 0), time(17, 0)
DELIVERY_BOUND = 120.0  # seconds a step waits for its messages to go out (a failure bound)
PIN = (39.9163, 116.3972)  # the fixed pin the page's 位置 button sends


@dataclass(frozen=True)
class Person:
    """Someone the visitor can be: their Telegram id is their private chat's id."""

    id: int
    name: str
    role: str  # resident | volunteer | leader | coordinator
    label: str
    phone: str = ""
    start_payload: str = ""  # what their 开始 button sends (a building's QR code)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "label": self.label,
                "start": self.start_payload}


def demo_people(config: Config) -> list[Person]:
    """Residents, the three demo volunteers, a 网格长 and a coordinator of the first community."""
    community = config.communities[0]
    people = [Person(tg, name, "resident", texts.PLAYGROUND_ROLE_RESIDENT, phone, f"b_{code}")
              for tg, name, code, phone in texts.PLAYGROUND_RESIDENTS]
    people += [Person(tg, name, "volunteer", texts.PLAYGROUND_ROLE_VOLUNTEER.format(unit=unit))
               for tg, name, unit, _, _ in texts.PLAYGROUND_VOLUNTEERS]
    # Every 网格长 and coordinator the bot may write to, so no message goes to someone the
    # visitor cannot be.
    leaders = [g for g in community.grids if g.leader_id is not None]
    for grid, name in zip(leaders, _names(texts.PLAYGROUND_LEADER_NAMES, len(leaders)),
                          strict=True):
        assert grid.leader_id is not None
        people.append(Person(grid.leader_id, name, "leader",
                             texts.PLAYGROUND_ROLE_LEADER.format(grid=grid.name)))
    coordinators = community.coordinators
    for tg_id, name in zip(coordinators, _names(texts.PLAYGROUND_COORDINATOR_NAMES,
                                                len(coordinators)), strict=True):
        people.append(Person(tg_id, name, "coordinator", texts.PLAYGROUND_ROLE_COORDINATOR))
    return people


def _names(names: tuple[str, ...], count: int) -> list[str]:
    """The demo names, numbered on once a config has more people than names."""
    return [names[i] if i < len(names) else f"{names[-1]}{i + 1}" for i in range(count)]


def demo_day_start(config: Config, now: datetime) -> datetime:
    """`now` if it is office hours, else the next 09:00 (local)."""
    local = now.astimezone(config.tz)
    if DAY_STARTS <= local.time() < DAY_ENDS:
        return now
    day = local.date() if local.time() < DAY_STARTS else local.date() + timedelta(days=1)
    return datetime.combine(day, DAY_STARTS, tzinfo=config.tz)


def seed(deps: Deps, engine: Engine) -> None:
    """Create the tables and register the demo volunteers (an import, as an office would)."""
    create_schema(engine)
    community = deps.config.communities[0]
    rows = ["telegram_id,name,unit,community,categories,buildings"]
    for tg, name, unit, categories, buildings in texts.PLAYGROUND_VOLUNTEERS:
        rows.append(f"{tg},{name},{unit},{community.code},{';'.join(categories)},"
                    f"{';'.join(buildings)}")
    import_volunteers(deps, "\n".join(rows) + "\n")
    # As if the bot had been running: today's digest went out this morning, so the first one
    # the visitor sees is the one 明天早上 brings.
    now = deps.clock.now()
    with deps.uows() as uow:
        for c in deps.config.communities:
            mark_digest_sent(uow.session, c.code, now.astimezone(deps.config.tz).date(), now)
        uow.commit()


def voice_sample() -> bytes:
    """Two seconds of a soft two-tone chime as a WAV file: the page's 语音 button sends it."""
    rate, out = 8000, io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(rate * 2):
            tone = 523.25 if i < rate else 659.25
            fade = min(1.0, (rate * 2 - i) / 800, i / 800)
            frames += struct.pack("<h", int(6000 * fade * math.sin(2 * math.pi * tone * i / rate)))
        w.writeframes(bytes(frames))
    return out.getvalue()


class Playground:
    """One running playground: the bot's dependencies, its local Bot API and its clock."""

    def __init__(self, deps: Deps, engine: Engine, api: LocalBotApi,
                 clock: MovableClock, look_now: Callable[[], None] | None = None) -> None:
        self.deps, self.engine, self.api, self.clock = deps, engine, api, clock
        # Wakes the outbox sender unconditionally: moving the clock makes held rows due
        # without any commit, which deps.wake_sender (woken by commits) would not notice.
        self._look_now = look_now or deps.wake_sender
        self.config = deps.config
        self.people = demo_people(deps.config)
        community = deps.config.communities[0]
        self.group_id = community.volunteer_chat_id
        self.group_name = texts.PLAYGROUND_GROUP_NAME.format(community=community.name)
        self._moving = asyncio.Lock()
        self._voice = voice_sample()

    def person(self, person_id: int) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    # ---- time --------------------------------------------------------------------------

    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.config.tz)

    def time_text(self) -> str:
        now = self.local_now()
        return texts.PLAYGROUND_TIME.format(
            month=now.month, day=now.day, weekday=texts.DIGEST_WEEKDAYS[now.weekday()],
            hour=now.hour, minute=now.minute)

    def target(self, step: str) -> datetime:
        """Where 一小时后 / 明天早上 / 一周后 lead from now."""
        now = self.clock.now()
        if step == "hour":
            return now + timedelta(hours=1)
        if step == "week":
            return now + timedelta(days=7)
        if step == "morning":
            local = now.astimezone(self.config.tz)
            morning = datetime.combine(local.date() + timedelta(days=1), self.config.digest.time,
                                       tzinfo=self.config.tz)
            return morning + timedelta(minutes=1)
        raise ValueError(step)

    def _next_digest(self, now: datetime) -> datetime:
        local = now.astimezone(self.config.tz)
        today = datetime.combine(local.date(), self.config.digest.time, tzinfo=self.config.tz)
        return today if today > now else today + timedelta(days=1)

    async def move_clock(self, step: str) -> datetime:
        """Move time forward to the step's target, stopping at every moment something falls
        due on the way (a deadline, a held message, a digest) to run it then, so days pass as
        they would: the offer lapses before the 催办, Monday's digest comes before Tuesday's."""
        async with self._moving:
            target = self.target(step)
            for _ in range(MAX_STEPS):
                now = self.clock.now()
                if now >= target:
                    break
                due = await asyncio.to_thread(self._next_due, now)
                stop = min(m for m in (due, self._next_digest(now), target) if m is not None)
                self.clock.advance_to(max(stop, now + timedelta(seconds=1)))
                await asyncio.to_thread(sweep_once, self.deps)
                self._look_now()
                # What fell due goes out before time moves on: the page then shows each day's
                # messages in order, and the button returns when the jump has arrived.
                await self._delivered()
            return self.clock.now()

    async def _delivered(self) -> None:
        deadline = asyncio.get_running_loop().time() + DELIVERY_BOUND
        while await asyncio.to_thread(self._owed_now) > 0:
            if asyncio.get_running_loop().time() > deadline:
                return  # a refused or paced send: it still goes out, the clock need not wait
            self._look_now()
            await asyncio.sleep(0.05)

    def _owed_now(self) -> int:
        with self.deps.uows() as uow:
            return owed_now(uow.session, self.clock.now())

    def _next_due(self, now: datetime) -> datetime | None:
        with self.deps.uows() as uow:
            return next_due_after(uow.session, now)

    # ---- the tour ----------------------------------------------------------------------

    def tour(self) -> list[dict[str, Any]]:
        """The steps of 一领四单 with what to press, ticked from the database."""
        with self.deps.uows() as uow:
            done = loop_milestones(uow.session)
        return [{"key": key, "title": title, "hint": hint, "done": done.get(key, False)}
                for key, title, hint in texts.PLAYGROUND_TOUR]

    # ---- what people do ----------------------------------------------------------------

    def send_text(self, person: Person, chat_id: int, text: str) -> None:
        self.api.push_text(person.id, text, chat_id=chat_id, first_name=person.name)

    def send_photo(self, person: Person, chat_id: int, content: bytes, media_type: str,
                   caption: str | None) -> None:
        file_id = self.api.add_file("photo", content, media_type, "photo")
        self.api.push_photo(person.id, file_id, caption=caption or None, chat_id=chat_id,
                            first_name=person.name)

    def send_location(self, person: Person) -> None:
        self.api.push_location(person.id, *PIN, first_name=person.name)

    def send_voice(self, person: Person) -> None:
        file_id = self.api.add_file("voice", self._voice, "audio/wav", "voice.wav")
        self.api.push_voice(person.id, file_id, duration=2, first_name=person.name)

    def share_contact(self, person: Person) -> None:
        self.api.push_contact(person.id, person.phone or "+8613800000000",
                              first_name=person.name)

    def press(self, person: Person, chat_id: int, message_id: int, data: str) -> bool:
        """Press an inline button of a message the bot sent; False if there is no such message."""
        message = next((m for m in self.api.chat_log(chat_id) if m["message_id"] == message_id),
                       None)
        if message is None:
            return False
        self.api.push_callback(person.id, data, message, first_name=person.name)
        return True

    # ---- starting over -----------------------------------------------------------------

    async def reset(self) -> None:
        """重新开始: an empty database with the demo people, and empty chats."""
        async with self._moving:
            await asyncio.to_thread(self._reset)

    def _reset(self) -> None:
        self.clock.advance_to(demo_day_start(self.config, self.clock.now()))
        erase_everything(self.engine)
        ensure_tallies(self.engine, self.config.tz, self.clock.now())
        seed(self.deps, self.engine)
        self.api.forget_chats()
