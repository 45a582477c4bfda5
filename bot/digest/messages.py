"""The digest as the coordinators receive it: the 14-day chart, then the text."""

from __future__ import annotations

import logging
from datetime import date, datetime

from bot.config import Community, Config
from bot.digest.chart import render_chart
from bot.digest.numbers import build_digest
from bot.digest.render import render_digest
from bot.texts.render import Out
from storage.db import Session

log = logging.getLogger(__name__)


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
