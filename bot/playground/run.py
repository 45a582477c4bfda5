"""`python -m bot try`: the real bot, a local Bot API and the playground page in one process.

The bot is built and run exactly as `python -m bot run` does (bot.app.build_application and
bot.app.serve.serve); only three things differ: Telegram is the local Bot API mounted at /tg of
the web app, the clock is one the page can move forward, and the data lives in its own SQLite
file. TELEGRAM_BOT_TOKEN and DATABASE_URL are never read here.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import TextIO

from bot import texts
from bot.app.application import build_application, build_web, configure_logging
from bot.app.serve import bind, serve
from bot.config import Config
from bot.localapi import LocalBotApi
from bot.playground.clock import MovableClock
from bot.playground.world import Playground, demo_day_start, seed
from storage.db import create_schema, make_engine
from storage.models import Volunteer
from storage.tallies import ensure_tallies

log = logging.getLogger(__name__)
PLAYGROUND_TOKEN = "1000001:PLAYGROUND-NOT-A-REAL-TOKEN"
PLAYGROUND_DB = Path("data") / "playground.db"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def playground_config(config: Config, host: str, port: int, db: Path) -> Config:
    """The shipped config, pointed at the local Bot API and the playground's own database."""
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{'[' + local + ']' if ':' in local else local}:{port}/tg/bot"
    return config.model_copy(update={
        "token": PLAYGROUND_TOKEN,
        "bot": config.bot.model_copy(update={"api_base_url": base,
                                             "database_url": f"sqlite:///{db}"}),
    })


def run_try(config: Config, *, host: str = "127.0.0.1", port: int = 8080, fresh: bool = False,
            db: Path = PLAYGROUND_DB, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
            config_path: Path | None = None) -> int:
    """Start the playground and serve until Ctrl+C; returns the exit code."""
    configure_logging(config.ops)
    if host not in LOOPBACK:
        print(texts.TRY_HOST_WARNING.format(host=host), file=err)
    try:
        sock = bind(host, port)
    except OSError:
        print(texts.TRY_PORT_BUSY.format(port=port), file=err)
        return 2
    port = int(sock.getsockname()[1])
    if fresh and db.exists():
        db.unlink()
    db.parent.mkdir(parents=True, exist_ok=True)
    cfg = playground_config(config, host, port, db)
    clock = MovableClock()
    clock.advance_to(demo_day_start(config, clock.now()))
    engine = make_engine(cfg.bot.database_url)
    create_schema(engine)
    ensure_tallies(engine, cfg.tz, clock.now())
    api = LocalBotApi(bot_username="hexing_community_bot",
                      wall_clock=lambda: clock.now().timestamp())
    # Keyword edits of config.toml take effect here too, as in `run`.
    app = build_application(cfg, engine, clock=clock, config_path=config_path)
    world = Playground(app.bot_data["deps"], engine, api, clock,
                       look_now=app.bot_data["dispatcher"].wake)
    with world.deps.uows() as uow:
        seeded = uow.session.get(Volunteer, 1) is not None
    if not seeded:
        seed(world.deps, engine)
    web = build_web(app, playground=world, local_api=api)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"

    def ready() -> None:
        print(texts.TRY_READY.format(url=url, db=db), file=out, flush=True)

    try:
        return asyncio.run(serve(app, web=web, sock=sock, on_ready=ready,
                                 on_stopping=api.end_polls))
    finally:
        engine.dispose()
