"""What a chaos run left behind, judged: the database, the stand-in's record of every call, and
what each simulated resident did and saw. The figures issue 13 asks for (lost, doubled,
silent, the delivery delay of owed messages after a kill) and the list of broken promises
(empty when the run kept every one)."""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.localapi import Call, LocalBotApi
from storage.models import Draft, InboxUpdate, Outbox, Resident, Ticket, TicketEvent
from tests.chaos.processes import Kill
from tests.chaos.residents import Submission, buttons
from tests.factories import recounted_tallies, tallies_now

NUMBERED = re.compile(r"(?:#|编号\s*)(\d+)")
# The last line of a traceback in the bot's log: which exception it was.
RAISED = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Violation|Timeout)[\w.]*)(?::|$)",
                    re.MULTILINE)
# What the stand-in's injected faults raise in a handler (a direct reply refused with 5xx):
# the person is told 抱歉，刚才没办成 and the update is done. Anything else is a crash.
EXPECTED_ERRORS = frozenset({"telegram.error.NetworkError", "telegram.error.RetryAfter",
                             "telegram.error.TimedOut"})
MARKER = re.compile(r"\[c\d+x\d+\]")
SHOWN = 12  # examples listed per broken promise


@dataclass
class Figures:
    """One set-up's run, in numbers (shown at the end of the session: RAN)."""

    setup: str
    seed: int
    residents: int
    submissions: int
    confirmed: int
    tickets: int
    kills: int  # processes killed with SIGKILL (a kill of both replicas counts two)
    lost: int  # messages never stored, confirmed submissions without a ticket, numbers never told
    doubled: int  # tickets, receipts and owed messages beyond one each
    # Messages in flight at each kill that went again after it (decisions 4: at most one per
    # kill; the owed replies' batched marks may let a few of the last half second go again).
    doubled_per_kill: list[int]
    silent_residents: int  # sent something and never heard anything at all
    silent_messages: int  # texts never answered (no preview, no apology), even by the end
    silent_submissions: int  # submissions none of whose texts was ever answered
    gave_up: int  # submissions whose resident saw no preview in time, however often they sent
    resent: int  # texts a resident sent again
    represses: int  # a button pressed again (no answer within the resident's patience)
    owed_after_kill: int  # owed messages pending at a kill
    p95_delay_after_kill: float | None  # s from the last kill before delivery to delivery
    max_delay_after_kill: float | None
    # The same by what was owed: the residents' receipts (submitted), the group's posts...
    p95_delay_by_notice: dict[str, float] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)  # 429/5xx the stand-in answered
    seconds: float = 0.0

    def line(self) -> str:
        delay = ("-" if self.p95_delay_after_kill is None
                 else f"{self.p95_delay_after_kill:.1f} s (max {self.max_delay_after_kill:.1f})")
        return (f"{self.setup}: seed {self.seed}, {self.submissions} submissions from "
                f"{self.residents} residents ({self.confirmed} confirmed, {self.tickets} "
                f"tickets), {self.kills} kills, faults {self.faults}: lost {self.lost}, doubled "
                f"{self.doubled} (in flight at each kill: {self.doubled_per_kill}), silent "
                f"residents {self.silent_residents} (silent messages {self.silent_messages}, "
                f"submissions {self.silent_submissions}), given up {self.gave_up}, re-sent "
                f"{self.resent}, pressed again {self.represses}, p95 delivery delay after a "
                f"kill {delay} over {self.owed_after_kill} owed messages "
                f"{self.p95_delay_by_notice}; {self.seconds:.0f} s")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


RAN: list[Figures] = []  # every set-up run in this session (tests/chaos/conftest.py shows them)


@dataclass
class Verdict:
    figures: Figures
    broken: list[str]
    details: dict[str, Any] = field(default_factory=dict)  # what the figures count, by id


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ranked = sorted(values)
    return ranked[max(0, math.ceil(0.95 * len(ranked)) - 1)]


Key = tuple[Any, ...]


def _deliveries(calls: list[Call]) -> dict[Key, list[float]]:
    """When (the stand-in's clock) each message that matters here reached its chat: those with
    a ticket number, ("numbered", chat, method, text), and the drafts' previews (a message with
    确认提交 naming the draft), ("preview", draft id). Refused calls did not reach anyone; an
    edit to the same text is refused too ("not modified"), so a receipt edited again by the
    sender after a kill is not counted twice: the resident saw it once."""
    found: dict[Key, list[float]] = defaultdict(list)
    for c in calls:
        if not c.ok or c.method not in ("sendMessage", "editMessageText", "sendPhoto"):
            continue
        text = str(c.params.get("text") or c.params.get("caption"))
        if NUMBERED.search(text):
            found[("numbered", c.chat_id, c.method, text)].append(c.time)
        if c.method == "sendMessage":
            for draft in {int(data.split(":")[1]) for _, data in buttons(c.params)
                          if data.startswith(("d.ok:", "d.okb:"))}:
                found[("preview", draft)].append(c.time)
    return found


# How long before the stand-in read a call its sender may have been killed, the call already
# written to the socket: such a call was in flight at that kill.
ON_THE_WIRE = 1.0


def _doubles(found: dict[Key, list[float]], kills: list[Kill]
             ) -> tuple[list[int], list[tuple[Key, list[float]]]]:
    """Messages that went more than once, per kill: each repeat must follow a kill that came
    after the delivery before it (the message was in flight at that kill: decisions 4). The
    count for each kill, and the repeats no kill explains."""
    per_kill = [0] * len(kills)
    unexplained = []
    for key, times in found.items():
        for before, again in itertools.pairwise(sorted(times)):
            # The stand-in notes a call when it reads it: a request a process wrote just before
            # it was killed is read just after the kill (62 ms after it, seen on a busy machine).
            between = [n for n, k in enumerate(kills)
                       if before - ON_THE_WIRE < k.monotonic < again]
            if between:
                per_kill[between[-1]] += 1
            else:
                unexplained.append((key, times))
                break
    return per_kill, unexplained


def _audit_problems(tickets: list[Ticket], events: dict[int, list[TicketEvent]]) -> list[str]:
    """Each ticket's events: one creation, each change starting where the last one ended, the
    last one ending in the ticket's state, none twice (this run's tickets are submitted and
    offered once each: a repeat is a doubled effect)."""
    wrong = []
    for ticket in tickets:
        changes = [e for e in events.get(ticket.id or 0, []) if e.to_status is not None]
        kinds = [(e.action, e.from_status, e.to_status) for e in events.get(ticket.id or 0, [])]
        made = [e for e in changes if e.from_status is None]
        chained = all(b.from_status == a.to_status for a, b in itertools.pairwise(changes))
        if len(made) != 1 or changes[0] is not made[0] or not chained \
                or changes[-1].to_status != ticket.status or len(set(kinds)) != len(kinds):
            wrong.append(f"#{ticket.id} {ticket.status}: "
                         + ", ".join(f"{e.action} {e.from_status}->{e.to_status}" for e in changes))
    return wrong


def judge(setup: str, seed: int, engine: Engine, api: LocalBotApi, subs: list[Submission],
          kills: list[Kill], logs: str, tz: Any, seconds: float) -> Verdict:
    """Read everything once the bot processes have stopped; `logs`: what they logged."""
    calls = api.calls()
    with Session(engine) as s:
        drafts = {d.source_key: d for d in s.exec(select(Draft)).all()}
        tickets = list(s.exec(select(Ticket)).all())
        reporters = {r.id: r.tg_id for r in s.exec(select(Resident)).all()}
        events: dict[int, list[TicketEvent]] = defaultdict(list)
        for e in s.exec(select(TicketEvent).order_by(col(TicketEvent.id))).all():
            events[e.ticket_id].append(e)
        owed = list(s.exec(select(Outbox)).all())
        undone = list(s.exec(select(InboxUpdate.update_id).where(
            col(InboxUpdate.done_at).is_(None))).all())
        stored = set(s.exec(select(InboxUpdate.update_id)).all())
    broken: list[str] = []

    def promise(what: str, examples: list[Any]) -> None:
        if examples:
            broken.append(f"{what}: {len(examples)}, e.g. {examples[:SHOWN]}")

    by_marker: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in tickets:
        mark = MARKER.search(ticket.text)
        by_marker[mark.group(0) if mark else ""].append(ticket)
    promise("tickets that are no resident's submission",
            [t.id for t in by_marker.pop("", [])])
    confirmed = [sub for sub in subs if sub.confirmed]
    missing = [sub.marker for sub in confirmed if not by_marker.get(sub.marker)]
    promise("confirmed submissions without a ticket", missing)
    extra_tickets = [(m, [t.id for t in ts]) for m, ts in by_marker.items() if len(ts) > 1]
    promise("submissions stored as more than one ticket", extra_tickets)

    # Every send reached the bot: stored in the inbox, and a draft (or an apology) came of it.
    sends = [(sub, send) for sub in subs for send in sub.sends]
    never_stored = sorted(set(api.pushed()) - stored)
    promise("updates never stored in the inbox", never_stored)
    promise("errors other than the injected faults (crashes)",
            sorted(set(RAISED.findall(logs)) - EXPECTED_ERRORS))
    promise("updates left undone in the inbox", undone)
    unread = [sub.marker for sub, send in sends
              if f"m:{sub.resident}:{send.message_id}" not in drafts and not send.apology]
    promise("texts that left no draft and no apology (lost)", unread)

    found = _deliveries(calls)
    receipts = {int(number.group(1)): key[1] for key in found if key[0] == "numbered"
                and "已提交" in key[3] and (number := NUMBERED.search(key[3]))}
    untold = [t.id for t in tickets if t.id not in receipts]
    promise("tickets whose resident never got the number", untold)
    promise("receipts not in the reporter's chat", [
        t.id for t in tickets if t.id in receipts and receipts[t.id] != reporters.get(
            t.reporter_id)])
    per_kill, unexplained = _doubles(found, kills)
    promise("messages that went again with no kill in between", unexplained)

    pending = [(o.id, o.notice, o.status, o.last_error) for o in owed if o.status != "sent"]
    promise("owed messages not delivered", pending)
    promise("ticket audit logs that do not match the ticket", _audit_problems(tickets, events))
    if tallies_now(engine) != recounted_tallies(engine, tz):
        broken.append("the per-day tallies differ from a recount of the tickets")

    previewed = {key[1] for key in found if key[0] == "preview"}
    doubled = sum(len(ts) - 1 for _, ts in extra_tickets) + sum(per_kill) + len(unexplained)

    silent_sends = [(sub, send) for sub, send in sends if not send.apology and (
        (d := drafts.get(f"m:{sub.resident}:{send.message_id}")) is None
        or d.id not in previewed)]
    unheard = {id(send) for _, send in silent_sends}
    silent_subs = [sub.marker for sub in subs
                   if sub.sends and all(id(send) in unheard for send in sub.sends)]
    gave_up = [sub.marker for sub in subs if sub.preview_id is None]
    heard = {c.chat_id for c in calls if c.ok and c.method in ("sendMessage", "editMessageText")}
    residents = sorted({sub.resident for sub in subs})
    delays, by_notice = [], defaultdict(list)
    for row in owed:
        if row.sent_at is None:
            continue
        sent, made = _utc(row.sent_at).timestamp(), _utc(row.created_at).timestamp()
        before = [k.at for k in kills if made <= k.at < sent]
        if before:
            delays.append(sent - max(before))
            by_notice[row.notice].append(delays[-1])
    figures = Figures(
        setup=setup, seed=seed, residents=len(residents), submissions=len(subs),
        confirmed=len(confirmed), tickets=len(tickets),
        kills=sum(len(k.names) for k in kills),
        lost=len(missing) + len(unread) + len(untold) + len(never_stored),
        doubled=doubled, doubled_per_kill=per_kill,
        silent_residents=len([r for r in residents if r not in heard]),
        silent_messages=len(silent_sends), silent_submissions=len(silent_subs),
        gave_up=len(gave_up),
        resent=sum(max(0, len(sub.sends) - 1) for sub in subs),
        represses=sum(sub.repressed for sub in subs),
        owed_after_kill=len(delays), p95_delay_after_kill=_p95(delays),
        max_delay_after_kill=max(delays) if delays else None,
        p95_delay_by_notice={n: round(_p95(d) or 0.0, 1) for n, d in sorted(by_notice.items())},
        faults={str(k): v for k, v in sorted(api.random_faults.items())}, seconds=seconds)
    details = {
        "kills": [(k.at, k.names) for k in kills],
        "silent_sends": [(sub.marker, send.update_id, send.message_id, send.at)
                         for sub, send in silent_sends],
        "doubled_per_kill": per_kill,
        "doubled": [(k, ts) for k, ts in found.items() if len(ts) > 1],
        # Submissions a resident gave up on, or whose number they did not read in their time.
        "unconfirmed": [(sub.marker, [s.update_id for s in sub.sends], sub.preview_id,
                         sub.presses) for sub in subs if not sub.confirmed],
        "number_unread": [(sub.marker, sub.presses) for sub in confirmed if sub.number is None],
        "delays": sorted(delays),
    }
    return Verdict(figures, broken, details)
