"""Joining as a volunteer: a coordinator's single-use link, then name, 报到单位 and 服务菜单."""

from __future__ import annotations

import secrets

from bot.domain.errors import DomainError
from bot.services.template import Tx, action
from storage.models import Invite, Volunteer
from storage.queries import use_invite, volunteer_by_tg


@action
def create_invite(tx: Tx, coordinator_id: int, community_code: str | None = None) -> Invite:
    """A fresh token for one volunteer of a community this coordinator runs."""
    config, now = tx.config, tx.now
    mine = config.communities_coordinated_by(coordinator_id)
    community = next((c for c in mine if c.code == community_code), None) if community_code \
        else (mine[0] if mine else None)
    if community is None:
        raise DomainError("not_coordinator")
    invite = Invite(
        token=secrets.token_urlsafe(12), community=community.code,
        created_by=coordinator_id, created_at=now, expires_at=now + config.bot.invite_ttl,
    )
    tx.session.add(invite)
    return invite


@action
def redeem_invite(tx: Tx, token: str, user_id: int, name: str) -> Volunteer:
    """Use the token once; the person becomes an (inactive until finished) volunteer."""
    s, config, now = tx.session, tx.config, tx.now
    # Two people opening the same link at once: one gets it.
    invite = use_invite(s, token, user_id, now)
    if invite is None:
        raise DomainError("invite_invalid")
    volunteer = volunteer_by_tg(s, user_id)
    if volunteer is None:
        volunteer = Volunteer(
            tg_id=user_id, name=name, community=invite.community, active=False,
            max_open=config.bot.default_max_open, created_at=now, updated_at=now,
        )
    volunteer.community, volunteer.updated_at = invite.community, now
    s.add(volunteer)
    return volunteer


@action
def update_profile(tx: Tx, user_id: int, *, name: str | None = None, unit: str | None = None,
                   toggle_category: str | None = None, finish: bool = False) -> Volunteer:
    """Registration steps; `finish` needs at least one category and activates the volunteer."""
    volunteer = volunteer_by_tg(tx.session, user_id)
    if volunteer is None:
        raise DomainError("not_volunteer")
    if name is not None:
        volunteer.name = name.strip()[:40] or volunteer.name
    if unit is not None:
        volunteer.unit = unit.strip()[:60]
    if toggle_category is not None:
        if toggle_category not in tx.config.categories:
            raise DomainError("bad_category", code=toggle_category)
        chosen = list(volunteer.categories)
        if toggle_category in chosen:
            chosen.remove(toggle_category)
        else:
            chosen.append(toggle_category)
        volunteer.categories = chosen
    if finish:
        if not volunteer.categories:
            raise DomainError("no_categories")
        volunteer.active = True
    volunteer.updated_at = tx.now
    tx.session.add(volunteer)
    return volunteer
