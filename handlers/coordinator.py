"""Coordinators: assign, close, reopen, triage, /recat, lists, /ticket, /stats, /classify,
/invite."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any

from telegram import InputMediaPhoto, Update

from bot import texts
from bot.config import Community
from bot.services import office as O
from bot.services.abuse import block_resident, unblock_resident
from bot.services.deps import Deps
from bot.services.digests import digest_now
from bot.services.invites import create_invite
from bot.services.views import (
    assignable_volunteers,
    overdue_text,
    roster_text,
    stats_of,
    unclaimed_text,
)
from bot.texts.callbacks import Press, encode
from bot.texts.keyboards import markup
from bot.texts.render import Button, Keyboard, category_buttons, format_rate
from handlers.common import (
    Context,
    deps,
    is_private,
    keep_promise,
    pressed,
    promise,
    promise_from,
    refusals,
    say,
    with_ticket_number,
)

CommandHandlerFn = Callable[[Update, Context], Coroutine[Any, Any, None]]


def _communities(update: Update, context: Context) -> tuple[Community, ...]:
    user = update.effective_user
    return deps(context).config.communities_coordinated_by(user.id) if user else ()


def _staff_communities(update: Update, context: Context) -> tuple[Community, ...]:
    """Where the sender is a coordinator or a 网格长: the communities whose lists, numbers and
    tickets they may look at (网格长 are asked to find claimers: they need to see them)."""
    user = update.effective_user
    if user is None:
        return ()
    config = deps(context).config
    coordinated = config.communities_coordinated_by(user.id)
    return coordinated + tuple(c for c in config.communities_led_by(user.id)
                               if c not in coordinated)


def _only(allowed: Callable[[Update, Context], tuple[Any, ...]]
          ) -> Callable[[CommandHandlerFn], CommandHandlerFn]:
    """A command for those `allowed` finds communities for, in private chat only."""

    def decorate(handler: CommandHandlerFn) -> CommandHandlerFn:
        @wraps(handler)
        async def wrapper(update: Update, context: Context) -> None:
            if not allowed(update, context):
                await say(update, texts.NOT_COORDINATOR_COMMAND)
                return
            if not is_private(update):
                await say(update, texts.PRIVATE_ONLY)
                return
            await handler(update, context)

        return wrapper

    return decorate


# 网格长 see the lists and numbers (staff); only coordinators act on a matter.
staff_only = _only(_staff_communities)
coordinators_only = _only(_communities)


@coordinators_only
@refusals
@with_ticket_number("/assign 12")
async def assign_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/assign <number>: shows the community's volunteers as buttons, least busy first."""
    d = deps(context)
    community = await d.run(O.community_of, d, number, user_id)
    people = await d.run(assignable_volunteers, d, community)
    if not people:
        await say(update, texts.NO_VOLUNTEERS)
        return
    buttons = [Button(f"{name}（{load}）", encode("t.asg", number, tg)) for tg, name, load in
               people[:30]]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    await say(update, texts.PICK_VOLUNTEER.format(number=number), reply_markup=markup(rows))


@coordinators_only
@refusals
@with_ticket_number(texts.CLOSE_EXAMPLE)
async def close_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/close <number> [reason]: closes unresolved; without a reason, offers the three."""
    words = " ".join(context.args[1:]) if context.args else ""
    reason = O.reason_from_words(words)
    if reason is None:
        rows = tuple((Button(name, encode("t.cls", number, code)),)
                     for code, name in texts.CLOSE_REASONS.items())
        await say(update, texts.PICK_REASON.format(number=number), reply_markup=markup(rows))
        return
    d = deps(context)
    closed = texts.CLOSED.format(number=number, reason=texts.CLOSE_REASONS[reason])
    promise(update, context, closed)
    await d.run(O.close_ticket, d, number, user_id, reason, note=words or None)
    await keep_promise(update, context, closed)


@coordinators_only
@refusals
@with_ticket_number("/reopen 12")
async def reopen_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/reopen <number>: reopens a resolved or closed ticket."""
    d = deps(context)
    note = " ".join(context.args[1:]) if context.args else ""
    reopened = texts.REOPENED.format(number=number)
    promise(update, context, reopened)
    await d.run(O.reopen_ticket, d, number, user_id, note)
    await keep_promise(update, context, reopened)


@coordinators_only
@refusals
@with_ticket_number(texts.RECAT_EXAMPLE)
async def recat_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/recat <number> [category]: gives the ticket another category, named in Chinese
    (设施维修) or by its code (repairs); stored as a correction the classifier can learn
    from. Without a category, offers the categories as buttons."""
    d = deps(context)
    code = " ".join(context.args[1:]) if context.args and len(context.args) > 1 else None
    if code is None:
        await d.run(O.community_of, d, number, user_id)  # refuses other communities
        await say(update, texts.RECAT_PICK.format(number=number),
                  reply_markup=markup(category_buttons(d.config, "t.rc", number)))
        return
    promise_from(update, context, lambda done: _recat_text(d, number, done))
    await keep_promise(update, context, await _recat(d, number, user_id, code))


async def _recat(d: Deps, number: int, user_id: int, code: str) -> str:
    done = await d.run(O.recategorise, d, number, user_id, code)
    said = _recat_text(d, number, done)
    assert said is not None
    return said[0]


def _recat_text(d: Deps, number: int, done: object) -> tuple[str, Keyboard] | None:
    """What /recat (or its button) says of what recategorise did; None for another result."""
    if not isinstance(done, O.Recat):
        return None
    name = d.config.category_name(done.ticket.category)
    if not done.changed:
        return texts.RECAT_SAME.format(number=number, category=name), ()
    return texts.RECAT_DONE.format(number=number, before=d.config.category_name(
        done.before), category=name), ()


@refusals
async def on_coordinator_button(update: Update, context: Context, press: Press) -> None:
    """Triage and /recat category, assign-to-volunteer and close-reason buttons."""
    query, user_id, d = pressed(update, context)
    number = press.number
    if press.action == "t.tri":
        def triaged(ticket: object) -> tuple[str, Keyboard] | None:
            category = getattr(ticket, "category", None)
            return None if category is None else (texts.TRIAGED.format(
                number=number, category=d.config.category_name(category)), ())

        promise_from(update, context, triaged, edit=True)
        ticket = await d.run(O.triage_ticket, d, number, user_id, str(press.args[1]))
        text = texts.TRIAGED.format(number=number,
                                    category=d.config.category_name(ticket.category))
    elif press.action == "t.rc":
        promise_from(update, context, lambda done: _recat_text(d, number, done), edit=True)
        text = await _recat(d, number, user_id, str(press.args[1]))
    elif press.action == "t.asg":
        ticket = await d.run(O.assign_ticket, d, number, user_id, int(press.args[1]))
        names = {tg: name for tg, name, _ in await d.run(assignable_volunteers, d,
                                                         ticket.community)}
        text = texts.ASSIGNED.format(number=number, volunteer=names.get(int(press.args[1]), ""))
    else:
        reason = str(press.args[1])
        text = texts.CLOSED.format(number=number, reason=texts.CLOSE_REASONS.get(reason, reason))
        promise(update, context, text, edit=True)
        await d.run(O.close_ticket, d, number, user_id, reason)
    await query.answer()
    await keep_promise(update, context, text, edit=True)


@staff_only
async def overdue_command(update: Update, context: Context) -> None:
    """Lists overdue tickets, oldest first, with assignee and days late."""
    d = deps(context)
    await say(update, await d.run(overdue_text, d, _staff_communities(update, context)))


@staff_only
async def unclaimed_command(update: Update, context: Context) -> None:
    """Lists tickets nobody holds, oldest first."""
    d = deps(context)
    await say(update, await d.run(unclaimed_text, d, _staff_communities(update, context)))


@coordinators_only
async def volunteers_command(update: Update, context: Context) -> None:
    """Lists the community's volunteers with their open tasks and categories."""
    d = deps(context)
    await say(update, await d.run(roster_text, d, _communities(update, context)))


@staff_only
async def stats_command(update: Update, context: Context) -> None:
    """/stats [days]: counts and the three rates (default 30 days); anything but a number of
    days gets the usage."""
    d = deps(context)
    raw = context.args[0] if context.args else "30"
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= 3660):
        await say(update, texts.STATS_USAGE)
        return
    days = int(raw)
    at = d.at(d.clock.now())  # one moment for every community's numbers
    parts = []
    for community in _staff_communities(update, context):
        s, open_now = await d.run(stats_of, at, community.code, days)
        r = s.rates
        parts.append(texts.STATS.format(
            community=community.name, days=days, new=s.new, claimed=s.claimed,
            resolved=s.resolved, closed=s.closed, closed_unresolved=s.closed_unresolved,
            cancelled=s.cancelled, backlog=open_now,
            response=format_rate(r.responded, r.response_base),
            resolution=format_rate(r.resolved_closed, r.closed_total),
            satisfaction=format_rate(r.satisfied, r.rated)))
    await say(update, "\n\n".join(parts))


@coordinators_only
async def digest_command(update: Update, context: Context) -> None:
    """/digest: today's digest and its 14-day chart, now, for each community one runs."""
    d = deps(context)
    chat = update.effective_chat
    assert chat is not None
    for community in _communities(update, context):
        # Drawing the chart takes a moment; off the event loop, others are not kept waiting.
        outs = await d.run(digest_now, d, community)
        for out in outs:
            if out.kind == "photo" and out.photo is not None:
                await chat.send_photo(out.photo)
            else:
                await say(update, out.text)


@staff_only
@refusals
@with_ticket_number("/ticket 12")
async def ticket_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/ticket <number>: the ticket's full details, for coordinators of its community."""
    d = deps(context)
    chat = update.effective_chat
    assert chat is not None
    for out in await d.run(O.ticket_view, d, number, user_id):
        if out.kind == "text":
            await say(update, out.text)
        elif out.kind == "photos" and len(out.file_ids) == 1:
            await chat.send_photo(out.file_ids[0])
        elif out.kind == "photos":
            await chat.send_media_group([InputMediaPhoto(f) for f in out.file_ids[:10]])
        elif out.kind == "location" and out.location:
            await chat.send_location(*out.location)
        elif out.kind == "voice":
            await chat.send_voice(out.file_ids[0])


@coordinators_only
async def classify_command(update: Update, context: Context) -> None:
    """/classify <text>: shows category, kind, urgent and the matched words."""
    text = " ".join(context.args or [])
    if not text:
        await say(update, texts.CLASSIFY_USAGE)
        return
    result = deps(context).classifier.classify(text)
    matched = [*result.urgent_matched, *result.matched, *result.kind_matched]
    await say(update, texts.CLASSIFY_RESULT.format(
        category=result.category_name, kind=texts.KIND_NAMES.get(result.kind, result.kind),
        urgent=texts.YES if result.urgent else texts.NO,
        matched="、".join(matched) or texts.NONE_MATCHED))


@coordinators_only
@refusals
async def invite_command(update: Update, context: Context) -> None:
    """/invite: a single-use, expiring link that registers one volunteer."""
    d = deps(context)
    invite = await d.run(create_invite, d,
                         update.effective_user.id,  # type: ignore[union-attr]
                         context.args[0] if context.args else None)
    link = f"https://t.me/{context.bot.username}?start=v_{invite.token}"
    await say(update, texts.INVITE_LINK.format(days=d.config.bot.invite_ttl.days or 1,
                                               link=link))


@coordinators_only
@refusals
@with_ticket_number("/block 12")
async def block_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/block <number>: the resident behind that ticket may no longer submit anything."""
    d = deps(context)
    promise_from(update, context, lambda done: _said_of(
        done, texts.BLOCK_DONE, texts.BLOCK_ALREADY, number))
    done = await d.run(block_resident, d, number, user_id)
    await keep_promise(update, context,
                       (texts.BLOCK_DONE if done else texts.BLOCK_ALREADY).format(number=number))


@coordinators_only
@refusals
@with_ticket_number("/unblock 12")
async def unblock_command(update: Update, context: Context, number: int, user_id: int) -> None:
    """/unblock <number>: lifts the block of the resident behind that ticket."""
    d = deps(context)
    promise_from(update, context, lambda done: _said_of(
        done, texts.UNBLOCK_DONE, texts.UNBLOCK_NOT_BLOCKED, number))
    done = await d.run(unblock_resident, d, number, user_id)
    await keep_promise(update, context, (texts.UNBLOCK_DONE if done else
                                         texts.UNBLOCK_NOT_BLOCKED).format(number=number))


def _said_of(done: object, yes: str, no: str, number: int) -> tuple[str, Keyboard] | None:
    """The reply owed for a yes/no service result (None for any other result)."""
    if not isinstance(done, bool):
        return None
    return (yes if done else no).format(number=number), ()
