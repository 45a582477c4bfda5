"""/metrics and /healthz answer this machine, or a bearer token from [web] metrics_token
(decisions 7): loopback passes, anyone else gets 401 without credentials and 403 with wrong
ones (or when no token is configured); a request a reverse proxy forwarded is not loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette

from bot.app.clock import ManualClock
from bot.config import Config
from bot.ops.metrics import Metrics
from bot.services.deps import Deps
from bot.web.app import build_web_app
from bot.web.ops import Ops
from storage.db import create_schema, make_engine, uow_factory

TOKEN = "s3cret-token-for-prometheus"
PATHS = ("/metrics", "/healthz")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'ops.db'}")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def web(db: Engine, config: Config, clock: ManualClock) -> Callable[[str], Starlette]:
    def build(token: str) -> Starlette:
        metrics = Metrics()
        deps = Deps(config, uow_factory(db), clock)
        return build_web_app(ops=Ops(metrics, deps, token))

    return build


async def get(app: Starlette, path: str, client: str = "127.0.0.1",
              headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, client=(client, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as http:
        return await http.get(path, headers=headers or {})


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("client", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_this_machine_may_read_without_a_token(web: Callable[[str], Starlette], path: str,
                                                     client: str) -> None:
    for token in ("", TOKEN):
        answer = await get(web(token), path, client)
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("path", PATHS)
async def test_anyone_else_needs_the_token(web: Callable[[str], Starlette], path: str) -> None:
    app = web(TOKEN)
    missing = await get(app, path, "10.0.0.7")
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    wrong = await get(app, path, "10.0.0.7", {"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    basic = await get(app, path, "10.0.0.7", {"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 403
    right = await get(app, path, "10.0.0.7", {"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert (await get(app, path, "10.0.0.7", {"authorization": f"bearer {TOKEN}"})
            ).status_code == 200


@pytest.mark.parametrize("path", PATHS)
async def test_without_a_token_configured_only_this_machine_reads(
        web: Callable[[str], Starlette], path: str) -> None:
    app = web("")
    assert (await get(app, path, "192.0.2.1")).status_code == 403
    # No token is configured, so no token can be right: an empty one least of all.
    assert (await get(app, path, "192.0.2.1", {"Authorization": "Bearer "})).status_code == 403
    assert (await get(app, path, "127.0.0.1", {"Authorization": "Bearer x"})).status_code == 403


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_a_request_a_proxy_forwarded_is_not_from_this_machine(
        web: Callable[[str], Starlette], header: str) -> None:
    app = web(TOKEN)
    for path in PATHS:
        forwarded = await get(app, path, "127.0.0.1", {header: "203.0.113.9"})
        assert forwarded.status_code == 401
        with_token = await get(app, path, "127.0.0.1",
                               {header: "203.0.113.9", "Authorization": f"Bearer {TOKEN}"})
        assert with_token.status_code == 200


async def test_the_answers_are_what_prometheus_and_a_health_check_expect(
        web: Callable[[str], Starlette]) -> None:
    app = web("")
    metrics = await get(app, "/metrics")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "bot_updates_handled_total 0.0" in metrics.text
    health = await get(app, "/healthz")
    assert health.json()["status"] == "ok" and health.headers["cache-control"] == "no-store"
