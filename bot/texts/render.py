"""What each person sees: notices and lists as text plus button specs (no Telegram types here).

Group-chat text goes through `ticket_card`, which only ever shows the number, category,
building and a summary masked by bot.privacy (the resident's own Telegram name included):
never a name, phone, door number or other personal detail, whatever form it is written in.
A summary cut short ends in a pointer saying where its reader finds the rest (bot/fit.py
keeps every message within Telegram's limits).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import texts
from bot.config import Config
from bot.domain.deadlines import local_time
from bot.domain.privacy import mask_phones, public_summary, public_words
from bot.texts import fit
from bot.texts.callbacks import encode
from storage.models import Draft, Outbox, Resident, Ticket, Volunteer

# A card's summary, its pointer included: about 80 characters of the resident's words.
SUMMARY_LIMIT = 90
# The reasons line of a triage notice or urgent alert: a few short reasons, never the text.
REASONS_LIMIT = 200


@dataclass(frozen=True)
class Button:
    label: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Out:
    """One Telegram message: text (with buttons), photos, a location, a voice, or an edit."""

    # text | photos | photo (uploaded bytes, e.g. a chart) | location | voice | edit (the text
    # and buttons of message_id) | markup (message_id loses its buttons)
    kind: str
    text: str = ""
    buttons: Keyboard = ()
    file_ids: tuple[str, ...] = ()
    location: tuple[float, float] | None = None
    message_id: int | None = None
    photo: bytes | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def building_name(config: Config, community_code: str | None, code: str | None) -> str:
    community = config.community(community_code)
    building = community.building(code) if community else None
    return building.name if building else texts.BUILDING_UNKNOWN


def resident_names(resident: Resident | None) -> tuple[str, ...]:
    """What the resident is called on Telegram, to be masked where it appears in the text."""
    return (resident.name,) if resident and resident.name else ()


def ticket_card(config: Config, ticket: Ticket, more: str = texts.TRIMMED_MARK,
                names: tuple[str, ...] = ()) -> str:
    """The group-safe card: number, category, building, masked summary. `names` are the
    resident's own (Telegram) names; building names from the config stay readable. A summary
    cut short ends in `more`, which tells the card's reader where the rest is."""
    if ticket.text:
        # Masked first, then cut: the cut never leaves half a phone number unmasked.
        masked = public_summary(ticket.text, limit=sys.maxsize, names=names,
                                keep=public_words(config))
        summary = fit.trim(masked, SUMMARY_LIMIT, more) or texts.PREVIEW_NO_TEXT
    else:
        summary = texts.PREVIEW_NO_TEXT
    return texts.TICKET_CARD.format(
        number=ticket.id,
        category=config.category_name(ticket.category),
        urgent=texts.URGENT_MARK if ticket.urgent else "",
        building=building_name(config, ticket.community, ticket.building),
        summary=summary,
    )


def _when(config: Config, moment: datetime | None) -> str:
    return local_time(config, moment).strftime("%m-%d %H:%M") if moment else "—"


def details_text(config: Config, ticket: Ticket, resident: Resident | None) -> str:
    """Everything the claiming volunteer and coordinators may see."""
    return texts.DETAILS.format(
        number=ticket.id,
        category=config.category_name(ticket.category),
        urgent=texts.URGENT_MARK if ticket.urgent else "",
        status=texts.STATUS_NAMES.get(ticket.status, ticket.status),
        building=building_name(config, ticket.community, ticket.building),
        name=(resident.name if resident and resident.name else "—"),
        phone=ticket.contact_phone or (resident.phone if resident else None)
        or texts.PHONE_UNKNOWN,
        text=ticket.text or texts.PREVIEW_NO_TEXT,
        due=_when(config, ticket.due_at),
    )


def attachment_names(item: Draft | Ticket) -> list[str]:
    """What came with the words: photos (how many), a location, a voice note."""
    items = []
    if item.photo_file_ids:
        items.append(texts.PREVIEW_PHOTOS.format(n=len(item.photo_file_ids)))
    if item.location_lat is not None:
        items.append(texts.PREVIEW_LOCATION)
    if item.voice_file_id:
        items.append(texts.PREVIEW_VOICE)
    return items


def full_view(config: Config, ticket: Ticket, resident: Resident | None,
              holder: Volunteer | None) -> list[Out]:
    """/ticket N: all a coordinator may see of a ticket, the resident's words in full (over
    several messages when long), then the photos, location and voice."""
    items = attachment_names(ticket)
    extra = texts.TICKET_VIEW_ATTACHMENTS.format(items="、".join(items)) if items else ""
    if ticket.resolution_note:
        extra += texts.TICKET_VIEW_RESOLUTION.format(note=ticket.resolution_note)
    if ticket.rating:
        extra += texts.TICKET_VIEW_RATING.format(stars=ticket.rating)
    text = texts.TICKET_VIEW.format(
        number=ticket.id,
        category=config.category_name(ticket.category),
        urgent=texts.URGENT_MARK if ticket.urgent else "",
        kind=texts.KIND_NAMES.get(ticket.kind, ticket.kind),
        status=texts.STATUS_NAMES.get(ticket.status, ticket.status),
        building=building_name(config, ticket.community, ticket.building),
        name=(resident.name if resident and resident.name else "—"),
        phone=ticket.contact_phone or (resident.phone if resident else None)
        or texts.PHONE_UNKNOWN,
        created=_when(config, ticket.created_at),
        due=_when(config, ticket.due_at),
        holder=texts.TICKET_VIEW_HOLDER.format(name=holder.name, unit=holder.unit or "—")
        if holder else texts.TICKET_VIEW_NOBODY,
        extra=extra,
        text=ticket.text or texts.PREVIEW_NO_TEXT,
    )
    return fit.fit_outs(_with_media(ticket, Out("text", text)))


def work_buttons(number: int) -> Keyboard:
    return (
        (Button(texts.BTN_PROGRESS, encode("t.prg", number)),
         Button(texts.BTN_RESOLVE, encode("t.res", number))),
        (Button(texts.BTN_RELEASE, encode("t.rel", number)),),
    )


def category_buttons(config: Config, action: str, target: int, per_row: int = 3) -> Keyboard:
    buttons = [Button(c.name, encode(action, target, code)) for code, c in
               config.categories.items()]
    return tuple(tuple(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row))


def rating_buttons(number: int) -> Keyboard:
    return (tuple(Button("⭐" * s, encode("t.rate", number, s)) for s in range(1, 4)),
            tuple(Button("⭐" * s, encode("t.rate", number, s)) for s in range(4, 6)))


def welcome_buttons() -> Keyboard:
    """The greeting's buttons: what a resident can do, without knowing any command."""
    return (
        (Button(texts.BTN_START_REPORT, encode("s.rep")),
         Button(texts.BTN_START_WISH, encode("s.wish"))),
        (Button(texts.BTN_START_MY, encode("s.my")),
         Button(texts.BTN_START_PRIVACY, encode("s.priv"))),
    )


def _plain(words: str) -> str:
    return "".join(ch for ch in words if ch.isalnum())


def note_adds_to_reason(reason: str, note: str | None) -> bool:
    """Whether the coordinator's words after /close say more than the reason already does:
    "/close 12 重复" names the reason and nothing else, so the resident is told it once."""
    plain = _plain(note or "")
    if not plain or plain in _plain(texts.CLOSE_REASONS.get(reason, "")):
        return False
    for word in texts.CLOSE_REASON_WORDS.get(reason, ()):
        plain = plain.replace(_plain(word), "")
    return bool(plain)


def closed_notice(number: int, reason: str, note: str | None) -> str:
    """The resident's notice that the office closed their matter unresolved."""
    said = texts.CLOSED_NOTE.format(note=note) if note and note_adds_to_reason(reason, note) \
        else ""
    return texts.NOTICE_CLOSED_UNRESOLVED.format(
        number=number, reason=texts.CLOSE_REASONS_FOR_RESIDENT.get(reason, ""), note=said)


def preview(config: Config, draft: Draft) -> Out:
    """What the bot understood from the resident's draft, with 确认提交 / 换个类别 / 不提交."""
    items = attachment_names(draft)
    text = texts.PREVIEW.format(
        category=config.category_name(draft.category),
        urgent=texts.PREVIEW_URGENT if draft.urgent else "",
        building=building_name(config, draft.community, draft.building),
        attachments=texts.PREVIEW_ATTACHMENTS.format(items="、".join(items)) if items else "",
        summary=mask_phones(draft.text)[:300] if draft.text else texts.PREVIEW_NO_TEXT,
    )
    number = draft.id or 0
    buttons = (
        (Button(texts.BTN_CONFIRM, encode("d.ok", number)),),
        (Button(texts.BTN_OTHER_CATEGORY, encode("d.cat", number)),
         Button(texts.BTN_DISCARD, encode("d.no", number))),
    )
    return Out("text", text, buttons)


def render_notice(session: Session, config: Config, row: Outbox) -> list[Out]:
    """The messages one outbox row stands for, rendered from the ticket as it is now."""
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is None:
        return []
    p = row.payload
    n = ticket.id or 0
    resident = session.get(Resident, ticket.reporter_id) if ticket.reporter_id else None
    names = resident_names(resident)
    # Each reader's card says where the rest of a long text is for them (decisions.md 11).
    group_card = ticket_card(config, ticket, texts.MORE_AFTER_CLAIM, names)
    office_card = ticket_card(config, ticket, texts.MORE_IN_TICKET.format(number=n), names)
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
        "reopened_escalated": lambda: texts.NOTICE_REOPENED_ESCALATED.format(
            number=n, reason=p.get("reason", "")),
    }
    if row.notice in simple:
        return [Out("text", simple[row.notice]())]
    if row.notice == "offer":
        card = ticket_card(config, ticket, texts.MORE_AFTER_ACCEPT, names)
        return [Out("text", texts.NOTICE_OFFER.format(card=card), (
            (Button(texts.BTN_ACCEPT, encode("t.acc", n)),
             Button(texts.BTN_DECLINE, encode("t.dec", n))),))]
    if row.notice == "group_post":
        # Rendered when sent: a post held overnight for a matter that someone took (or the
        # office assigned) meanwhile is not posted at all; nothing is left to claim.
        return [_group_post(ticket, group_card)] if _claimable(ticket) else []
    if row.notice == "group_update":
        update = _group_update(session, config, ticket, group_card)
        return [update] if update is not None else []
    if row.notice == "details":
        outs = _with_media(ticket, Out("text", details_text(config, ticket, resident),
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
        card = office_card if row.notice in _FOR_OFFICE else group_card
        return [_FOLLOWUPS[row.notice](config, ticket, card, p)]
    if row.notice == "triage":
        return _with_media(ticket, _triage(config, ticket))
    if row.notice == "urgent_alert":
        phone = ticket.contact_phone or (resident.phone if resident else None)
        text = texts.NOTICE_URGENT.format(number=n, card=office_card,
                                          name=resident.name if resident else "—",
                                          phone=phone or texts.PHONE_UNKNOWN)
        return _with_media(ticket, Out("text", f"{text}\n{reasons_line(ticket)}"))
    raise ValueError(f"unknown notice {row.notice!r}")


def _triage(config: Config, ticket: Ticket) -> Out:
    """The coordinators' triage question: the card, then as much of the resident's own words
    as one message holds (its category buttons must stay under it), the rest in /ticket N."""
    n = ticket.id or 0
    card = f"{ticket_card(config, ticket)}\n{reasons_line(ticket)}"  # full words follow
    room = fit.TEXT_LIMIT - fit.units(texts.NOTICE_TRIAGE.format(card=card, text=""))
    words = fit.trim(ticket.text or "—", room, texts.MORE_IN_TICKET.format(number=n))
    return Out("text", texts.NOTICE_TRIAGE.format(card=card, text=words),
               category_buttons(config, "t.tri", n))


def reasons_line(ticket: Ticket) -> str:
    """The words and rules that decided the ticket's category and urgency (stored when it was
    classified, bot/classify/explain.py), on one line of at most REASONS_LIMIT characters."""
    if not ticket.matched:
        return texts.REASONS_NONE
    joined = texts.REASONS_SEPARATOR.join(str(r) for r in ticket.matched)
    return texts.REASONS_LINE.format(reasons=fit.trim(joined, REASONS_LIMIT, texts.TRIMMED_MARK))


def _with_media(ticket: Ticket, first: Out) -> list[Out]:
    """`first`, then the resident's photos, location and voice."""
    outs = [first]
    if ticket.photo_file_ids:
        outs.append(Out("photos", file_ids=tuple(ticket.photo_file_ids)))
    if ticket.location_lat is not None and ticket.location_lon is not None:
        outs.append(Out("location", location=(ticket.location_lat, ticket.location_lon)))
    if ticket.voice_file_id:
        outs.append(Out("voice", file_ids=(ticket.voice_file_id,)))
    return outs


def _claimable(ticket: Ticket) -> bool:
    return (ticket.status in ("submitted", "reopened") and ticket.assignee_id is None
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
    if ticket.status in ("claimed", "in_progress", "resolved") and volunteer:
        text = texts.GROUP_TAKEN.format(volunteer=volunteer.name, unit=volunteer.unit or "—",
                                        card=card)
    elif ticket.status == "assigned" and volunteer:
        text = texts.GROUP_ASSIGNED.format(volunteer=volunteer.name,
                                           unit=volunteer.unit or "—", card=card)
    elif (ticket.status in ("submitted", "reopened") and volunteer is None
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
# Follow-ups from the sweep (bot/followups.py): payload keys are set where each is owed.
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


def describe_span(span: timedelta) -> str:
    """A span in words a person reads at a glance: 45分钟, 3小时, 2天5小时."""
    hours = int(span.total_seconds() // 3600)
    if hours < 1:
        return texts.SPAN_MINUTES.format(n=max(1, int(span.total_seconds() // 60)))
    if hours < 48:
        return texts.SPAN_HOURS.format(n=hours)
    days, rest = divmod(hours, 24)
    if rest:
        return texts.SPAN_DAYS_HOURS.format(days=days, hours=rest)
    return texts.SPAN_DAYS.format(n=days)


def help_text(role: str) -> str:
    """/help for a resident, a volunteer or a coordinator."""
    if role == "coordinator":
        commands = texts.BOT_COMMANDS_COORDINATOR + texts.BOT_COMMANDS_TICKET
        lines = [texts.HELP_COORDINATOR_LINE.format(command=c, description=d)
                 for c, d in commands]
        return "\n".join([texts.HELP_COORDINATOR_HEAD, *lines])
    return texts.HELP_VOLUNTEER if role == "volunteer" else texts.HELP
