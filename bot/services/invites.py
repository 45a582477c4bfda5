"""Joining as a volunteer: a coordinator's single-use link, then name, 报到单位 and 服务菜单."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from bot.config import Config
from bot.domain.errors import DomainError
from storage.db import UnitOfWork
from storage.models import Invite, Volunteer
from storage.queries import use_invite, volunteer_by_tg

UowFactory = Callable[[], UnitOfWork]


def create_invite(uow_factory: UowFactory, config: Config, now: datetime,
                  coordinator_id: int, community_code: str | None = None) -> Invite:
    """A fresh token for one volunteer of a community this coordinator runs."""
    mine = config.communities_coordinated_by(coordinator_id)
    community = next((c for c in mine if c.code == community_code), None) if community_code \
        else (mine[0] if mine else None)
    if community is None:
        raise DomainError("not_coordinator")
    with uow_factory() as uow:
        invite = Invite(
            token=secrets.token_urlsafe(12), community=community.code,
            created_by=coordinator_id, created_at=now, expires_at=now + config.bot.invite_ttl,
        )
        uow.session.add(invite)
        uow.commit()
        return invite


def redeem_invite(uow_factory: UowFactory, config: Config, now: datetime, token: str,
                  user_id: int, name: str) -> Volunteer:
    """Use the token once; the person becomes an (inactive until finished) volunteer."""
    with uow_factory() as uow:
        s = uow.session
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
        uow.commit()
        return volunteer


def update_profile(uow_factory: UowFactory, config: Config, now: datetime, user_id: int, *,
                   name: str | None = None, unit: str | None = None,
                   toggle_category: str | None = None, finish: bool = False) -> Volunteer:
    """Registration steps; `finish` needs at least one category and activates the volunteer."""
    with uow_factory() as uow:
        volunteer = volunteer_by_tg(uow.session, user_id)
        if volunteer is None:
            raise DomainError("not_volunteer")
        if name is not None:
            volunteer.name = name.strip()[:40] or volunteer.name
        if unit is not None:
            volunteer.unit = unit.strip()[:60]
        if toggle_category is not None:
            if toggle_category not in config.categories:
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
        volunteer.updated_at = now
        uow.session.add(volunteer)
        uow.commit()
        return volunteer
