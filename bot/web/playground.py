"""The playground's routes: the page, its live events, and what a visitor does on it.

The page acts only as Telegram's people would (messages and button presses through the local
Bot API) and as time would (the clock); it never calls the bot's services directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot import texts

if TYPE_CHECKING:  # the world the page drives, handed in by the playground (bot/playground)
    from bot.playground.world import Person, Playground

log = logging.getLogger(__name__)
KEEP_ALIVE_SECONDS = 15
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit for photos
MAX_TEXT = 4096


class EventHub:
    """Fans the local Bot API's events (from its serving threads) out to every open page."""

    def __init__(self) -> None:
        self._queues: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = set()

    def publish(self, event: dict[str, Any]) -> None:
        """Thread-safe: called from the local Bot API's threads and from the event loop."""
        for loop, queue in list(self._queues):
            with contextlib.suppress(RuntimeError):  # that page's loop is closing
                loop.call_soon_threadsafe(_offer, queue, event)

    async def stream(self) -> AsyncIterator[str]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=2000)
        entry = (asyncio.get_running_loop(), queue)
        self._queues.add(entry)
        try:
            yield "retry: 1000\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
        finally:
            self._queues.discard(entry)


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if queue.full():  # a page that stopped reading: it reloads the state when it comes back
        return
    queue.put_nowait(event)


def _bad(reason: str, status: int = 400) -> JSONResponse:
    """A refusal the page shows as it is: in Chinese, with a code for tests."""
    return JSONResponse({"ok": False, "code": reason, "error": texts.PLAYGROUND_ERRORS[reason]},
                        status_code=status)


def playground_routes(world: Playground, hub: EventHub) -> list[BaseRoute]:
    """Routes of the playground's JSON API (the page itself is served by bot/web/app.py)."""
    world.api.subscribe(hub.publish)

    def state_of_chat(chat_id: int) -> dict[str, Any]:
        return {"messages": world.api.chat_log(chat_id),
                "keyboard": world.api.reply_keyboard(chat_id)}

    async def state(request: Request) -> JSONResponse:
        chats = {str(p.id): state_of_chat(p.id) for p in world.people}
        if world.group_id is not None:
            chats[str(world.group_id)] = state_of_chat(world.group_id)
        tour = await asyncio.to_thread(world.tour)
        return JSONResponse({
            "time": world.time_text(), "tz": str(world.config.tz),
            "people": [p.as_json() for p in world.people],
            "group": {"id": world.group_id, "name": world.group_name},
            "chats": chats, "tour": tour,
        })

    async def tour(request: Request) -> JSONResponse:
        return JSONResponse({"tour": await asyncio.to_thread(world.tour),
                             "time": world.time_text()})

    async def events(request: Request) -> StreamingResponse:
        return StreamingResponse(hub.stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache",
                                          "X-Accel-Buffering": "no"})

    async def read_json(request: Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    def who(value: Any) -> Person | None:
        return world.person(value) if isinstance(value, int) else None

    def chat_of(person: Person, value: Any) -> int | None:
        """The chat a person may write in: their own private chat, or the volunteers' group
        if they are a volunteer, a 网格长 or a coordinator (residents are not in it)."""
        if value in (None, person.id):
            return person.id
        if value == world.group_id and person.role != "resident":
            return world.group_id
        return None

    async def send(request: Request) -> JSONResponse:
        body = await read_json(request)
        person = who(body.get("as")) if body else None
        if body is None or person is None:
            return _bad("unknown_person")
        chat_id = chat_of(person, body.get("chat"))
        kind = body.get("kind", "text")
        if chat_id is None:
            return _bad("not_in_chat", 403)
        if kind == "text":
            text = body.get("text")
            if not isinstance(text, str) or not text.strip():
                return _bad("empty_text")
            world.send_text(person, chat_id, text[:MAX_TEXT])
        elif kind == "location" and chat_id == person.id:
            world.send_location(person)
        elif kind == "voice" and chat_id == person.id:
            world.send_voice(person)
        elif kind == "contact" and chat_id == person.id:
            world.share_contact(person)
        else:
            return _bad("unknown_kind")
        return JSONResponse({"ok": True})

    async def photo(request: Request) -> JSONResponse:
        try:
            person = world.person(int(request.query_params.get("as", "")))
        except ValueError:
            person = None
        if person is None:
            return _bad("unknown_person")
        media_type = request.headers.get("content-type", "")
        if not media_type.startswith("image/"):
            return _bad("not_an_image")
        content = await request.body()
        if not content or len(content) > MAX_PHOTO_BYTES:
            return _bad("photo_size", 413)
        caption = request.query_params.get("caption", "")[:1024]
        world.send_photo(person, person.id, content, media_type, caption)
        return JSONResponse({"ok": True})

    async def press(request: Request) -> JSONResponse:
        body = await read_json(request)
        person = who(body.get("as")) if body else None
        if body is None or person is None:
            return _bad("unknown_person")
        chat_id = chat_of(person, body.get("chat"))
        message_id, data = body.get("message_id"), body.get("data")
        if chat_id is None or not isinstance(message_id, int) or not isinstance(data, str):
            return _bad("bad_press")
        if not world.press(person, chat_id, message_id, data):
            return _bad("no_message", 404)
        return JSONResponse({"ok": True})

    async def clock(request: Request) -> JSONResponse:
        body = await read_json(request)
        step = body.get("step") if body else None
        if step not in ("hour", "morning", "week"):
            return _bad("unknown_step")
        await world.move_clock(step)
        hub.publish({"type": "clock", "time": world.time_text()})
        return JSONResponse({"ok": True, "time": world.time_text()})

    async def reset(request: Request) -> JSONResponse:
        await world.reset()
        hub.publish({"type": "clock", "time": world.time_text()})
        return JSONResponse({"ok": True})

    async def file(request: Request) -> Response:
        kept = world.api.file_info(request.path_params["file_id"])
        if kept is None:
            return _bad("no_file", 404)
        content, media_type, name = kept
        headers = {"Content-Disposition": "inline; filename*=UTF-8''" + quote(name, safe="")}
        return Response(content, media_type=media_type, headers=headers)

    return [
        Route("/api/state", state),
        Route("/api/tour", tour),
        Route("/api/events", events),
        Route("/api/send", send, methods=["POST"]),
        Route("/api/photo", photo, methods=["POST"]),
        Route("/api/press", press, methods=["POST"]),
        Route("/api/clock", clock, methods=["POST"]),
        Route("/api/reset", reset, methods=["POST"]),
        Route("/api/file/{file_id}", file),
    ]
