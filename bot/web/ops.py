"""/healthz and /metrics, routes of the one web app (decisions 7), in every run mode.

Both answer a request from this machine (loopback, and not forwarded by a reverse proxy), or
one carrying `Authorization: Bearer <[web] metrics_token>`. From elsewhere: 401 without
credentials when a token is configured, 403 with a wrong one or when none is configured.

/healthz: 200 {"status": "ok", …} or 503 {"status": "stale", "reason": …}: the database does
not answer, the sweep has not completed for [ops] sweep_stale_after, or a message has been due
for [ops] send_stale_after while nothing was sent (bot/services/health.py).
/metrics: Prometheus' text format (bot/ops/metrics.py); the database's gauges are read now.
Both do their database work in a thread of their own, never in the handlers' pool.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.ops.metrics import CONTENT_TYPE, Metrics
from bot.services.deps import Deps
from bot.services.health import check_health

# Headers a reverse proxy adds: such a request comes from elsewhere, even via 127.0.0.1.
FORWARDED = ("forwarded", "x-forwarded-for", "x-real-ip")


@dataclass
class Ops:
    """What the two routes read: the application's metrics and dependencies, and the token."""

    metrics: Metrics
    deps: Deps
    token: str = ""


def from_this_machine(request: Request) -> bool:
    if request.client is None or any(h in request.headers for h in FORWARDED):
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def refusal(request: Request, token: str) -> Response | None:
    """None when the request may read; else the answer that refuses it."""
    given = request.headers.get("authorization")
    if given is not None:
        scheme, _, credentials = given.partition(" ")
        if token and scheme.lower() == "bearer" and hmac.compare_digest(
                credentials.strip().encode(), token.encode()):
            return None
        return PlainTextResponse("forbidden: wrong token\n", status_code=403)
    if from_this_machine(request):
        return None
    if not token:
        return PlainTextResponse("forbidden: only from this machine ([web] metrics_token is "
                                 "not set)\n", status_code=403)
    return PlainTextResponse("unauthorized: send Authorization: Bearer <metrics_token>\n",
                             status_code=401, headers={"WWW-Authenticate": "Bearer"})


def ops_routes(ops: Ops) -> list[BaseRoute]:
    async def healthz(request: Request) -> Response:
        refused = refusal(request, ops.token)
        if refused is not None:
            return refused
        health = await asyncio.to_thread(check_health, ops.deps, ops.metrics.sweep_age())
        return JSONResponse(health.as_dict(), status_code=200 if health.ok else 503,
                            headers={"Cache-Control": "no-store"})

    async def metrics(request: Request) -> Response:
        refused = refusal(request, ops.token)
        if refused is not None:
            return refused
        body = await asyncio.to_thread(ops.metrics.exposition)
        return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    return [Route("/healthz", healthz), Route("/metrics", metrics)]
