"""The daily digest: owed once per community per local day, rendered when it is sent
(bot/services/owed.py → bot/digest/messages.py); /digest shows today's on demand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Community
from bot.digest.messages import digest_messages
from bot.domain.deadlines import digest_day
from bot.services.notices import owe_coordinators
from bot.services.template import Tx, action, query
from bot.texts.render import Out
from storage.db import IntegrityError
from storage.models import DigestRun
from storage.queries import digest_owed

if TYPE_CHECKING:
    from datetime import date

    from bot.services.deps import Deps


def owe_due_digests(deps: Deps) -> list[str]:
    """Queue today's digest for every community that has not had it; returns their codes.

    The DigestRun row and the coordinators' outbox rows commit together, and the row's unique
    (community, day) key lets exactly one replica win; the loser rolls back and moves on. A bot
    that was down at digest time sends today's digest when it comes back, not old ones.
    (Hand-written: one transaction per community, all at one moment.)
    """
    now = deps.clock.now()
    deps = deps.at(now)
    day = digest_day(deps.config, now)
    if day is None:
        return []
    owed = []
    for community in deps.config.communities:
        if not community.coordinators:
            continue
        try:
            if not _owe_digest(deps, community, day):
                continue
        except IntegrityError:
            continue  # another replica queued it a moment ago
        owed.append(community.code)
    return owed


@action
def _owe_digest(tx: Tx, community: Community, day: date) -> bool:
    """One community's digest of `day`, unless it was owed already (False)."""
    s = tx.session
    if digest_owed(s, community.code, day):
        return False
    s.add(DigestRun(community=community.code, day=day, created_at=tx.now))
    owe_coordinators(s, tx.config, tx.now, community, "digest", None, quiet=False,
                     community_code=community.code, day=day.isoformat())
    return True


@query
def digest_now(tx: Tx, community: Community) -> list[Out]:
    """/digest: today's digest on demand (it does not count as the daily one)."""
    return digest_messages(tx.session, tx.config, community,
                           tx.now.astimezone(tx.config.tz).date(), tx.now)
