"""What each person sees: cards, lists, previews and refusals as text plus button specs (no
Telegram types here; what an owed notice says is bot/texts/notices.py).

Group-chat text goes through `ticket_card`, which only ever shows the number, category,
building and a summary masked by bot.domain.privacy (the resident's own Telegram name
included): never a name, phone, door number or other personal detail, whatever form it is
written in.
A summary cut short ends in a pointer saying where its reader finds the rest (bot/texts/fit.py
keeps every message within Telegram's limits).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot import texts
from bot.config import Config
from bot.domain.deadlines import local_time
from bot.domain.errors import DomainError
from bot.domain.privacy import public_summary, public_words
from bot.texts import fit
from bot.texts.callbacks import encode
from storage.models import Draft, Resident, Ticket, Volunteer

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


# What happens next, as the resident is told when their matter is stored.
NEXT_STEPS = {"urgent": texts.NEXT_URGENT, "triage": texts.NEXT_TRIAGE,
              "volunteer": texts.NEXT_VOLUNTEER, "group": texts.NEXT_GROUP}


def receipt_text(config: Config, number: int, category: str, next_step: str) -> str:
    """已提交，编号 N: what the resident reads once their matter is stored. `next_step`: a
    key of NEXT_STEPS (bot/services/notices.py, next_step)."""
    return texts.SUBMITTED.format(number=number, category=config.category_name(category),
                                  next_step=NEXT_STEPS.get(next_step, texts.NEXT_GROUP))


def ticket_head(config: Config, ticket: Ticket) -> str:
    """The card without its summary: number, category, building (for a message that shows
    the resident's whole text right below, which the summary would only repeat)."""
    return texts.TICKET_CARD.format(
        number=ticket.id,
        category=config.category_name(ticket.category),
        urgent=texts.URGENT_MARK if ticket.urgent else "",
        building=building_name(config, ticket.community, ticket.building),
        summary="",
    ).rstrip("\n")


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
    return fit.fit_outs(with_media(ticket, Out("text", text)))


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
        number=number, reason=texts.CLOSE_REASONS_FOR_RESIDENT.get(reason, ""), note=said,
        help=texts.CLOSE_HELP_FOR_RESIDENT.get(reason, texts.CLOSE_HELP_FOR_RESIDENT["unable"]))


def preview(config: Config, draft: Draft, seal: Callable[[int, int], str]) -> Out:
    """What the bot understood from the resident's draft, with 确认提交 / 换个类别 / 不提交.
    `seal`: the seal on a 确认提交 that asks the building (Deps.draft_tag)."""
    items = attachment_names(draft)
    text = texts.PREVIEW.format(
        category=config.category_name(draft.category),
        urgent=texts.PREVIEW_URGENT if draft.urgent else "",
        building=building_name(config, draft.community, draft.building),
        attachments=texts.PREVIEW_ATTACHMENTS.format(items="、".join(items)) if items else "",
        # The resident's own words in their own chat, as typed: they check the phone number
        # they left before submitting. Masking is for what others read (group posts).
        summary=draft.text[:300] if draft.text else texts.PREVIEW_NO_TEXT,
    )
    number = draft.id or 0
    community = config.community(draft.community)
    if community is not None and draft.building is None and community.buildings():
        # Its press asks the building without reading the draft again (a hint: picking the
        # building re-checks everything in the database).
        confirm = encode("d.okb", number, community.code, seal(number, draft.user_id))
    else:
        confirm = encode("d.ok", number)
    category = Button(texts.BTN_OTHER_CATEGORY, encode("d.cat", number))
    discard = Button(texts.BTN_DISCARD, encode("d.no", number))
    rows: tuple[tuple[Button, ...], ...] = ((Button(texts.BTN_CONFIRM, confirm),),)
    if community is not None and draft.building is not None and len(community.buildings()) > 1:
        # The building is the resident's saved one or one named in the text: either may be
        # wrong for this matter, so another is one tap away (the building question's choices).
        change = Button(texts.BTN_CHANGE_BUILDING, encode("d.chb", number, community.code))
        rows += ((category, change), (discard,))
    else:
        rows += ((category, discard),)
    return Out("text", text, rows)


def reasons_line(ticket: Ticket) -> str:
    """The words and rules that decided the ticket's category and urgency (stored when it was
    classified, bot/classify/explain.py), on one line of at most REASONS_LIMIT characters."""
    if not ticket.matched:
        return texts.REASONS_NONE
    joined = texts.REASONS_SEPARATOR.join(str(r) for r in ticket.matched)
    return texts.REASONS_LINE.format(reasons=fit.trim(joined, REASONS_LIMIT, texts.TRIMMED_MARK))


def with_media(ticket: Ticket, first: Out) -> list[Out]:
    """`first`, then the resident's photos, location and voice."""
    outs = [first]
    if ticket.photo_file_ids:
        outs.append(Out("photos", file_ids=tuple(ticket.photo_file_ids)))
    if ticket.location_lat is not None and ticket.location_lon is not None:
        outs.append(Out("location", location=(ticket.location_lat, ticket.location_lon)))
    if ticket.voice_file_id:
        outs.append(Out("voice", file_ids=(ticket.voice_file_id,)))
    return outs


def describe_span(span: timedelta) -> str:
    """A span in words a person reads at a glance: 45分钟, 3小时, 2天5小时. The one way the bot
    says how long: in the reminders and 督办 notices, and in the waiting times of the lists
    (the digest, /unclaimed)."""
    hours = int(span.total_seconds() // 3600)
    if hours < 1:
        return texts.SPAN_MINUTES.format(n=max(1, int(span.total_seconds() // 60)))
    if hours < 48:
        return texts.SPAN_HOURS.format(n=hours)
    days, rest = divmod(hours, 24)
    if rest:
        return texts.SPAN_DAYS_HOURS.format(days=days, hours=rest)
    return texts.SPAN_DAYS.format(n=days)


def status_name(status: str, role: str = "resident") -> str:
    """A ticket's state in the words of whoever reads it: residents (the default) read
    texts.STATUS_NAMES, volunteers and staff their own view of the same state."""
    own = texts.STATUS_NAMES_BY_ROLE.get(role, {})
    return own.get(status) or texts.STATUS_NAMES.get(status, status)  # type: ignore[call-overload]


def _command_lines(commands: list[tuple[str, str]]) -> list[str]:
    """One line per command; a description that already shows its command is not repeated."""
    return [texts.HELP_COORDINATOR_USAGE.format(description=d) if f"/{c}" in d
            else texts.HELP_COORDINATOR_LINE.format(command=c, description=d)
            for c, d in commands]


def help_text(role: str) -> str:
    """/help for a resident, a volunteer, a 网格长 (leader) or a coordinator."""
    if role == "coordinator":
        commands = texts.BOT_COMMANDS_COORDINATOR + texts.BOT_COMMANDS_TICKET
        return "\n".join([texts.HELP_COORDINATOR_HEAD, *_command_lines(commands)])
    if role == "leader":
        return "\n".join([texts.HELP_LEADER_HEAD, *_command_lines(texts.BOT_COMMANDS_LEADER)])
    return texts.HELP_VOLUNTEER if role == "volunteer" else texts.HELP


def refusal(error: DomainError, pressed: bool = False) -> str:
    """What a person is told when a rule refused their action (nothing was changed).
    `pressed`: the action was a button press; a state that moved on makes the button stale,
    and its presser is told so, without "不能…"."""
    code = "bad_state_button" if pressed and error.code == "bad_state" else error.code
    return texts.ERRORS[code].format(**error.params)
def format_rate(numerator: int, denominator: int) -> str:
    """"80.0%（12/15）", or "—（暂无数据）" when there is nothing to judge."""
    if denominator <= 0:
        return texts.RATE_NO_DATA
    return texts.RATE_TEXT.format(
        percent=100 * numerator / denominator, numerator=numerator, denominator=denominator
    )


