"""POST /telegram/<path>: Telegram's webhook, a route of the one web app (decisions 7).

Telegram sends each update as JSON with the header X-Telegram-Bot-Api-Secret-Token (the secret
`run --webhook` gave setWebhook). Wrong or missing: 403. A body that is not an update: 400.
Otherwise the receiver stores it in the inbox and only then is it answered 200: an answer
Telegram gets means the update is safe, whatever happens next (issue 13 §1). Before the bot
has started, after it began stopping, or when the database fails: 503/500, and Telegram tries
again (another replica, or this one a moment later).

The path is derived from the secret, so it is not guessable from the bot's name or token; the
header check stays the real gate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

log = logging.getLogger(__name__)

SECRET_HEADER = "x-telegram-bot-api-secret-token"
# Updates are a few kilobytes; a body this large is not one (the secret was right, though).
MAX_BODY = 1 << 20


def webhook_path(secret: str) -> str:
    """The route's last part: 32 hex digits of a hash of the secret (every replica with the
    same secret serves the same path)."""
    return hashlib.sha256(b"telegram-webhook-path\n" + secret.encode()).hexdigest()[:32]


class Receiver(Protocol):
    """What the route hands a checked update to (bot/app/webhook.py)."""

    secret: str

    @property
    def ready(self) -> bool:
        """False before the bot started and once it began stopping: answer 503."""

    async def receive(self, payload: dict[str, Any]) -> bool:
        """Store the update (ValueError: not an update); True when it was new."""


def webhook_routes(receiver: Receiver) -> list[BaseRoute]:
    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), receiver.secret.encode()):
            return PlainTextResponse("forbidden: wrong secret token\n", status_code=403)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY:
            return PlainTextResponse("too large\n", status_code=413)
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return PlainTextResponse("not JSON\n", status_code=400)
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return PlainTextResponse("not an update\n", status_code=400)
        if not receiver.ready:
            return PlainTextResponse("not ready\n", status_code=503, headers={"Retry-After": "1"})
        try:
            await receiver.receive(payload)
        except ValueError:
            return PlainTextResponse("not an update\n", status_code=400)
        except Exception:  # the database: not stored, so not acknowledged; Telegram retries
            log.exception("could not store update %s; Telegram will send it again", update_id)
            return PlainTextResponse("not stored\n", status_code=500)
        return Response(status_code=200)

    return [Route(f"/telegram/{webhook_path(receiver.secret)}", telegram, methods=["POST"])]
