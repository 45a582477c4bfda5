"""The local Bot API over HTTP: a Starlette app serving `/bot<token>/<method>` and
`/file/bot<token>/<path>`, the two URL shapes python-telegram-bot calls (its `base_url` and
`base_file_url`). The playground mounts it; the e2e tests serve it alone (bot/localapi/server.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from anyio import to_thread
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

if TYPE_CHECKING:
    from bot.localapi.core import LocalBotApi

NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


class _HangUp(Response):
    """Starts an answer and never finishes it: the client sees a reset connection, as when a
    request dies between this machine and Telegram (the call was not carried out)."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"64")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": False})


def local_api_app(api: LocalBotApi) -> Starlette:
    """The Starlette app of one local Bot API."""

    async def method(request: Request) -> Response:
        token, name = request.path_params["token"], request.path_params["method"]
        try:
            body = await request.body()
        except ClientDisconnect:  # the caller died mid-request (a killed bot): nobody to answer
            return Response(status_code=499)
        # Long polls (getUpdates) block on a condition: in a worker thread, the loop runs on.
        status, out = await to_thread.run_sync(
            api.dispatch, token, name, request.headers.get("content-type", ""), body,
            request.url.query)
        if status == 0:
            return _HangUp()
        return Response(out, status_code=status, media_type="application/json")

    async def file(request: Request) -> Response:
        content, media_type = api.file_content(request.path_params["path"])
        return Response(content, media_type=media_type)

    async def missing(request: Request) -> Response:
        return JSONResponse(NOT_FOUND, status_code=404)

    return Starlette(routes=[
        Route("/bot{token}/{method}", method, methods=["GET", "POST"]),
        Route("/file/bot{token}/{path:path}", file, methods=["GET"]),
        Route("/{rest:path}", missing, methods=["GET", "POST"]),
    ])
