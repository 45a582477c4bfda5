"""The daily digest: owed once per community per local day, rendered when it is sent
(bot/services/owed.py → bot/digest/messages.py); /digest shows today's on demand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.config import Community, Config
from bot.digest.messages import digest_messages
from bot.domain.deadlines import digest_day
from bot.services.notices import owe_coordinators
from bot.texts.render import Out
from storage.db import IntegrityError, UnitOfWork
from storage.models import DigestRun
from storage.queries import digest_owed

UowFactory = Callable[[], UnitOfWork]


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
            if digest_owed(s, community.code, day):
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


def digest_now(uow_factory: UowFactory, config: Config, now: datetime,
               community: Community) -> list[Out]:
    """/digest: today's digest on demand (it does not count as the daily one)."""
    with uow_factory() as uow:
        return digest_messages(uow.session, config, community, now.astimezone(config.tz).date(),
                               now)
