"""What one outbox row says when it is sent: a ticket notice, a draft's preview, or a
community's digest."""

from __future__ import annotations

from datetime import date, datetime

from bot import texts
from bot.config import Config
from bot.digest.messages import digest_messages
from bot.services.replies import promised_outs
from bot.texts.fit import fit_outs
from bot.texts.notices import render_notice
from bot.texts.render import Out, preview
from storage.db import Session
from storage.models import Draft, Outbox


def render_owed(session: Session, config: Config, row: Outbox,
                now: datetime | None = None) -> list[Out]:
    """The messages for `row`, rendered from the database as it is `now` (the moment it is
    sent), each within Telegram's limits (a long text as several messages: the sender tracks
    every part)."""
    return fit_outs(_render(session, config, row, now))


def _render(session: Session, config: Config, row: Outbox,
            now: datetime | None) -> list[Out]:
    if row.notice == "digest":
        community = config.community(row.payload.get("community_code"))
        if community is None:
            return []  # the community left the config since: nothing to report
        day = date.fromisoformat(row.payload["day"])
        # Numbers as of when the digest was owed, so a retry sends the same digest.
        return digest_messages(session, config, community, day, row.created_at)
    if row.notice == "config_problem":  # bot/app/classifier_holder.py: a broken keyword edit
        return [Out("text", texts.CONFIG_RELOAD_FAILED.format(error=row.payload.get("error")))]
    if row.notice == "reply":  # a handler's reply, promised with a change (bot/services/replies.py)
        return promised_outs(row.payload)
    if row.notice == "preview":  # owed with a new draft (bot/services/notices.py, owe_preview)
        draft = session.get(Draft, row.payload.get("draft_id"))
        if draft is None or draft.status != "open" or draft.user_id != row.chat_id:
            return []  # submitted or dropped meanwhile: nothing is left to confirm
        seal = str(row.payload.get("seal", ""))
        return [preview(config, draft, lambda _draft, _user: seal)]
    return render_notice(session, config, row, now)
