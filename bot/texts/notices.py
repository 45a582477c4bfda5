"""What an owed ticket notice says when it is sent: rendered from the ticket as it is now, so a
notice owed before a change shows the change (bot/services/owed.py calls render_notice)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot import texts
from bot.config import Config
from bot.domain.states import CLAIMABLE, HELD, TicketStatus
from bot.texts import fit
from bot.texts.callbacks import encode
from bot.texts.render import (
    Button,
    Keyboard,
    Out,
    category_buttons,
    closed_notice,
    describe_span,
    details_text,
    reasons_line,
    receipt_text,
    resident_names,
    ticket_card,
    ticket_head,
    with_media,
    work_buttons,
)
from storage.db import Session
from storage.models import Outbox, Resident, Ticket, Volunteer


def render_notice(session: Session, config: Config, row: Outbox,
                  now: datetime | None = None) -> list[Out]:
    """The messages one outbox row stands for, rendered from the ticket as it is `now` (when
    it is sent): a wait is told as of then, a 催办 for a matter taken meanwhile is dropped."""
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is None:
        return []
    p = dict(row.payload)
    if now is not None and p.get("since"):
        p["waited"] = describe_span(now - datetime.fromisoformat(p["since"]))
    if row.notice in _CHASES and not _waiting(ticket):
        return []  # someone took it (or it was closed) while the 催办 waited for morning
    if row.notice == "overdue_office":
        holder = session.get(Volunteer, ticket.assignee_id) \
            if ticket.status in HELD and ticket.assignee_id else None
        p["holder"] = holder.name if holder else texts.HOLDER_NONE
    n = ticket.id or 0
    resident = session.get(Resident, ticket.reporter_id) if ticket.reporter_id else None
    names = resident_names(resident)
    # Each reader's card says where the rest of a long text is for them (decisions.md 11).
    # Made only for the notices that show one: masking the text is most of a render's work.
    def group_card() -> str:
        return ticket_card(config, ticket, texts.MORE_AFTER_CLAIM, names)

    def office_card() -> str:
        return ticket_card(config, ticket, texts.MORE_IN_TICKET.format(number=n), names)

    simple = {
        "claimed": lambda: texts.NOTICE_CLAIMED.format(number=n, volunteer=p.get("volunteer"),
                                                       unit=p.get("unit") or "—"),
        "progress": lambda: texts.NOTICE_PROGRESS.format(number=n, note=p.get("note", "")),
        "released": lambda: texts.NOTICE_RELEASED.format(number=n),
        "confirmed": lambda: texts.NOTICE_CONFIRMED.format(number=n),
        "rated": lambda: texts.NOTICE_RATED.format(number=n, stars=p.get("stars"),
                                                   comment=p.get("comment") or ""),
        "commented": lambda: texts.NOTICE_COMMENTED.format(number=n, comment=p.get("comment")),
        "reopened_to_office": lambda: texts.NOTICE_REOPENED_TO_OFFICE.format(number=n),
        "withdrawn": lambda: texts.NOTICE_WITHDRAWN.format(number=n),
        "unassigned": lambda: texts.NOTICE_UNASSIGNED.format(number=n),
        "closed_by_office": lambda: texts.NOTICE_CLOSED_BY_OFFICE.format(
            number=n, reason=texts.CLOSE_REASONS.get(p.get("reason", ""), "")),
        "closed_unresolved": lambda: closed_notice(n, p.get("reason", ""), p.get("note")),
        "reopened_by_office": lambda: texts.NOTICE_REOPENED_BY_OFFICE.format(number=n),
        "no_volunteer": lambda: texts.NOTICE_NO_VOLUNTEER.format(number=n),
        "group_unreachable": lambda: texts.NOTICE_GROUP_UNREACHABLE.format(number=n),
        "leader_unreachable": lambda: texts.NOTICE_LEADER_UNREACHABLE.format(number=n),
        "unreachable": lambda: texts.NOTICE_UNREACHABLE.format(number=n,
                                                               name=p.get("name") or "—"),
        "overdue_resident": lambda: texts.NOTICE_OVERDUE_RESIDENT.format(number=n),
        "reopened_escalated": lambda: texts.NOTICE_REOPENED_ESCALATED.format(
            number=n, reason=p.get("reason", "")),
    }
    if row.notice in simple:
        return [Out("text", simple[row.notice]())]
    if row.notice == "submitted":
        # The preview they pressed on becomes the receipt; sent anew if it is gone.
        receipt = receipt_text(config, n, ticket.category, str(p.get("next")))
        if p.get("message_id") is None:
            return [Out("text", receipt)]
        return [Out("edit", receipt, message_id=int(p["message_id"]),
                    meta={"repost_if_gone": True})]
    if row.notice == "offer":
        card = ticket_card(config, ticket, texts.MORE_AFTER_ACCEPT, names)
        return [Out("text", texts.NOTICE_OFFER.format(card=card), (
            (Button(texts.BTN_ACCEPT, encode("t.acc", n)),
             Button(texts.BTN_DECLINE, encode("t.dec", n))),))]
    if row.notice == "group_post":
        # Rendered when sent: a post held overnight for a matter that someone took (or the
        # office assigned) meanwhile is not posted at all; nothing is left to claim.
        return [_group_post(ticket, group_card())] if _claimable(ticket) else []
    if row.notice == "group_update":
        update = _group_update(session, config, ticket, group_card())
        return [update] if update is not None else []
    if row.notice == "details":
        outs = with_media(ticket, Out("text", details_text(config, ticket, resident),
                                       work_buttons(n)))
        if p.get("clear_buttons"):
            # The offer's 接单/转给他人 go only once these details (with the work buttons)
            # were accepted: were they refused, the volunteer would be left with no button.
            outs.append(Out("markup", message_id=int(p["clear_buttons"]),
                            meta={"only_if_delivered": True}))
        return outs
    if row.notice == "reopened":
        reason = p.get("reason") or ""
        text = texts.NOTICE_REOPENED_BY_OFFICE_TO_VOLUNTEER.format(
            number=n, note=f"（{reason}）" if reason else "") if p.get("by_office") \
            else texts.NOTICE_REOPENED.format(number=n, reason=reason)
        return [Out("text", text, work_buttons(n))]
    if row.notice == "resolved":
        return [Out("text", texts.NOTICE_RESOLVED.format(number=n, summary=p.get("summary", "")),
                    ((Button(texts.BTN_RESOLVED_YES, encode("t.ok", n)),
                      Button(texts.BTN_RESOLVED_NO, encode("t.no", n))),))]
    if row.notice in _FOLLOWUPS:
        card = office_card() if row.notice in _FOR_OFFICE else group_card()
        return [_FOLLOWUPS[row.notice](config, ticket, card, p)]
    if row.notice == "triage":
        return with_media(ticket, _triage(config, ticket))
    if row.notice == "urgent_alert":
        phone = ticket.contact_phone or (resident.phone if resident else None)
        text = texts.NOTICE_URGENT.format(number=n, card=office_card(),
                                          name=resident.name if resident else "—",
                                          phone=phone or texts.PHONE_UNKNOWN)
        return with_media(ticket, Out("text", f"{text}\n{reasons_line(ticket)}"))
    raise ValueError(f"unknown notice {row.notice!r}")


def _triage(config: Config, ticket: Ticket) -> Out:
    """The coordinators' triage question: the card, then as much of the resident's own words
    as one message holds (its category buttons must stay under it), the rest in /ticket N."""
    n = ticket.id or 0
    # The resident's words follow in full: the card's summary would say them twice.
    card = f"{ticket_head(config, ticket)}\n{reasons_line(ticket)}"
    room = fit.TEXT_LIMIT - fit.units(texts.NOTICE_TRIAGE.format(card=card, text=""))
    words = fit.trim(ticket.text or "—", room, texts.MORE_IN_TICKET.format(number=n))
    return Out("text", texts.NOTICE_TRIAGE.format(card=card, text=words),
               category_buttons(config, "t.tri", n))


_CHASES = frozenset({"chase_leader", "chase_office"})


def _waiting(ticket: Ticket) -> bool:
    """Still waiting for someone to claim it (what a 催办 asks for)."""
    return ticket.status in CLAIMABLE and ticket.assignee_id is None


def _claimable(ticket: Ticket) -> bool:
    return (ticket.status in CLAIMABLE and ticket.assignee_id is None
            and ticket.offered_in_group and not ticket.needs_triage)


def _group_post(ticket: Ticket, open_card: str) -> Out:
    return Out("text", texts.GROUP_POST.format(card=open_card),
               ((Button(texts.BTN_CLAIM, encode("t.clm", ticket.id or 0)),),),
               meta={"remember_group_post": True})


def _group_update(session: Session, config: Config, ticket: Ticket,
                  open_card: str) -> Out | None:
    """The group post edited to the ticket's state. Only an open post says that claiming shows
    the full text (`open_card`); a taken or closed one just ends a long summary in "…".
    None when there is no post to edit and nothing to offer."""
    if ticket.group_message_id is None:
        # The post never went out (held by quiet hours, then the matter moved on): offer it
        # now if it is still open for claim, else there is nothing to show the group.
        return _group_post(ticket, open_card) if _claimable(ticket) else None
    volunteer = session.get(Volunteer, ticket.assignee_id) if ticket.assignee_id else None
    resident = session.get(Resident, ticket.reporter_id) if ticket.reporter_id else None
    card = ticket_card(config, ticket, names=resident_names(resident))
    if ticket.status in (*HELD, TicketStatus.RESOLVED) and volunteer:
        text = texts.GROUP_TAKEN.format(volunteer=volunteer.name, unit=volunteer.unit or "—",
                                        card=card)
    elif ticket.status == TicketStatus.ASSIGNED and volunteer:
        text = texts.GROUP_ASSIGNED.format(volunteer=volunteer.name,
                                           unit=volunteer.unit or "—", card=card)
    elif (ticket.status in CLAIMABLE and volunteer is None
          and ticket.offered_in_group and not ticket.needs_triage):
        # Offered again: should the old post be gone (deleted by an admin), a new post takes
        # its place, so the 认领 button is never lost with it.
        return Out("edit", texts.GROUP_POST.format(card=open_card),
                   ((Button(texts.BTN_CLAIM, encode("t.clm", ticket.id or 0)),),),
                   message_id=ticket.group_message_id,
                   meta={"repost_if_gone": True, "remember_group_post": True})
    else:
        text = texts.GROUP_CLOSED.format(
            status=texts.STATUS_NAMES.get(ticket.status, ticket.status), card=card)
    return Out("edit", text, message_id=ticket.group_message_id)


def _yes_no(n: int) -> Keyboard:
    return ((Button(texts.BTN_RESOLVED_YES, encode("t.ok", n)),
             Button(texts.BTN_RESOLVED_NO, encode("t.no", n))),)


def _status_name(ticket: Ticket) -> str:
    return texts.STATUS_NAMES.get(ticket.status, ticket.status)


# Follow-ups to coordinators: their card points to /ticket N for the full text.
_FOR_OFFICE = frozenset({"chase_office", "overdue_office"})
# Follow-ups from the sweep (bot/services/followups.py): payload keys are set where each is owed.
_FOLLOWUPS: dict[str, Callable[[Config, Ticket, str, dict[str, Any]], Out]] = {
    "offer_lapsed": lambda c, t, card, p: Out("text", texts.NOTICE_OFFER_LAPSED.format(
        number=t.id, hours=p.get("hours", ""))),
    "chase_leader": lambda c, t, card, p: Out("text", texts.NOTICE_CHASE_LEADER.format(
        number=t.id, waited=p.get("waited", ""), card=card)),
    "chase_office": lambda c, t, card, p: Out("text", texts.NOTICE_CHASE_OFFICE.format(
        number=t.id, waited=p.get("waited", ""), card=card)),
    "progress_reminder": lambda c, t, card, p: Out("text", texts.NOTICE_PROGRESS_REMINDER.format(
        number=t.id, waited=p.get("waited", "")), work_buttons(t.id or 0)),
    "overdue_office": lambda c, t, card, p: Out("text", texts.NOTICE_OVERDUE_OFFICE.format(
        number=t.id, limit=p.get("limit", ""), card=card, status=_status_name(t),
        holder=p.get("holder", ""))),
    "overdue_volunteer": lambda c, t, card, p: Out("text", texts.NOTICE_OVERDUE_VOLUNTEER.format(
        number=t.id, limit=p.get("limit", "")), work_buttons(t.id or 0)),
    "confirm_reminder": lambda c, t, card, p: Out("text", texts.NOTICE_CONFIRM_REMINDER.format(
        number=t.id, waited=p.get("waited", ""), days=p.get("days", 2)), _yes_no(t.id or 0)),
    "auto_closed": lambda c, t, card, p: Out("text", texts.NOTICE_AUTO_CLOSED.format(
        number=t.id), ((Button(texts.BTN_RESOLVED_NO, encode("t.no", t.id or 0)),),)),
    "auto_closed_volunteer": lambda c, t, card, p: Out(
        "text", texts.NOTICE_AUTO_CLOSED_VOLUNTEER.format(number=t.id)),
    "revisit": lambda c, t, card, p: Out("text", texts.NOTICE_REVISIT.format(
        number=t.id, category=c.category_name(t.category),
        days=max(1, c.followups.revisit_after.days)),
        ((Button(texts.BTN_REVISIT_OK, encode("t.rvok", t.id or 0)),
          Button(texts.BTN_REVISIT_BAD, encode("t.rvno", t.id or 0))),)),
}
