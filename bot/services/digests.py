"""The daily digest: owed once per community per local day, rendered when it is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.config import Community, Config
from bot.digest.chart import render_chart
from bot.digest.numbers import build_digest, render_digest
from bot.services.notices import owe_coordinators
from bot.texts.render import Out
from storage.db import UnitOfWork
from storage.models import DigestRun

log = logging.getLogger(__name__)
UowFactory = Callable[[], UnitOfWork]


def digest_day(config: Config, now: datetime) -> date | None:
    """Today's local date once digest time has passed; None before it."""
    local = now.astimezone(config.tz)
    return local.date() if local.time() >= config.digest.time else None


def owe_due_digests(uow_factory: UowFactory, config: Config, now: datetime) -> list[str]:
    """Queue today's digest for every community that has not had it; returns their codes.

    The DigestRun row and the coordinators' outbox rows commit together, and the row's unique
    (community, day) key lets exactly one replica win; the loser rolls back and moves on. A bot
    that was down at digest time sends today's digest when it comes back, not old ones.
    """
    day = digest_day(config, now)
    if day is None:
        return []
    owed = []
    for community in config.communities:
        if not community.coordinators:
            continue
        with uow_factory() as uow:
            s = uow.session
            if _already_sent(s, community.code, day):
                continue
            s.add(DigestRun(community=community.code, day=day, created_at=now))
            owe_coordinators(s, config, now, community, "digest", None, quiet=False,
                             community_code=community.code, day=day.isoformat())
            try:
                uow.commit()
            except IntegrityError:
                continue  # another replica queued it a moment ago
        owed.append(community.code)
    return owed


def _already_sent(s: Session, community: str, day: date) -> bool:
    stmt = select(DigestRun.id).where(DigestRun.community == community, DigestRun.day == day)
    return s.exec(stmt).first() is not None


def digest_messages(session: Session, config: Config, community: Community, day: date,
                    now: datetime) -> list[Out]:
    """The chart (14 days) and the digest text, as the coordinators receive them."""
    digest = build_digest(session, config, community.code, day, now)
    text = render_digest(config, digest)
    try:
        chart = render_chart(config, digest)
    except Exception:  # a missing font must not cost the coordinators their numbers
        log.exception("digest chart for %s could not be drawn", community.code)
        return [Out("text", text)]
    return [Out("photo", photo=chart), Out("text", text)]


def digest_now(uow_factory: UowFactory, config: Config, now: datetime,
               community: Community) -> list[Out]:
    """/digest: today's digest on demand (it does not count as the daily one)."""
    with uow_factory() as uow:
        return digest_messages(uow.session, config, community, now.astimezone(config.tz).date(),
                               now)
