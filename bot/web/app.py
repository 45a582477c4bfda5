"""The one ASGI app: everything the bot serves over HTTP, on one port ([web] in config.toml).

Today: /healthz and /metrics (bot/web/ops.py, in `run` and `try` alike), and in `try` the
playground (its page, its JSON API and, mounted at /tg, the local Bot API the playground's bot
talks to). Later issues add the webhook and the dashboard as routes of this same app.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.digest.chart import font_path
from bot.localapi import LocalBotApi
from bot.localapi.asgi import local_api_app
from bot.web.ops import Ops, ops_routes
from bot.web.playground import EventHub, playground_routes

if TYPE_CHECKING:  # handed in by `try` (bot/playground/run.py)
    from bot.playground.world import Playground

STATIC = Path(__file__).resolve().parent / "static"
# No inline script or style anywhere: the pages load theirs from /static.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
        "font-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeaders:
    """Adds the security headers to every answer of the app (the local Bot API's too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


async def cjk_font(request: Request) -> Response:
    """The CJK font the chart ships (Noto Sans CJK SC), so Chinese shows on machines without
    Chinese fonts, in screenshots too."""
    return FileResponse(font_path(), media_type="font/otf",
                        headers={"Cache-Control": "public, max-age=86400"})


def build_web_app(*, playground: Playground | None = None,
                  local_api: LocalBotApi | None = None, ops: Ops | None = None) -> Starlette:
    """The ASGI app with the parts this run mode serves."""
    routes: list[BaseRoute] = [
        Route("/static/cjk.otf", cjk_font),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if ops is not None:
        routes += ops_routes(ops)
    if playground is not None:
        async def page(request: Request) -> Response:
            return FileResponse(STATIC / "playground.html", media_type="text/html",
                                headers={"Cache-Control": "no-cache"})

        routes += [Route("/", page), *playground_routes(playground, EventHub())]
    if local_api is not None:
        routes.append(Mount("/tg", app=local_api_app(local_api)))
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
