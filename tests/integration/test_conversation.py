"""A question the bot waits for words to answer never swallows a new matter: every kind of
wait expires, can be skipped, and asks before taking a text that reads as a new matter
(SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from bot.app.clock import ManualClock
from bot.classify import Classifier
from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.states import TicketStatus as S
from bot.services import conversation as C
from bot.services import office as O
from bot.services import residents as T
from bot.services import volunteers as V
from bot.services.abuse import block_resident
from bot.services.deps import Deps, Unchanging
from bot.services.intake import Incoming
from bot.services.invites import update_profile
from bot.services.messages import take_message
from storage.db import create_schema
from storage.models import Draft, PendingInput, TicketEvent
from storage.queries import volunteer_by_tg
from tests.factories import COORDINATOR, RESIDENT, Uows, add_volunteer, deps_at, reload, submit

VOL = 500
_messages = itertools.count(1)

# A plain answer to each question, as a person would give it.
ANSWERS = {
    "comment": "志愿者很热心，非常满意",
    "reject_reason": "灯还是不亮",  # the matter's own category (repairs): still an answer
    "progress": "已联系物业，明天上午来修",  # another trade named in a note: still an answer
    "resolve": "换了新灯泡",
    "reg_name": "李明",
    "reg_unit": "区城管执法局第二党支部",  # a unit full of category words
    "draft_text": "楼道里堆满了杂物，过不去人",
}
LONG_COMPLAINT = ("我家住5号楼二单元，最近一个礼拜楼下小广场每天晚上都有人放很大声的音响跳舞，"
                  "一直到十点多，家里老人孩子都睡不好")
# A text that reads as a new matter, for each kind that checks.
NEW_MATTERS = {
    "comment": "5号楼门口垃圾堆了好几天没人清理",  # a category
    "reject_reason": "5号楼门口垃圾堆了好几天没人清理",  # a category not the matter's own
    "progress": "楼道里冒烟了，烟很大",  # urgent (a volunteer's long note is still a note)
    "resolve": "楼道里有很浓的煤气味",  # urgent
    "reg_name": LONG_COMPLAINT,
    "reg_unit": LONG_COMPLAINT,
}
KINDS = tuple(ANSWERS)
CHECKED = tuple(NEW_MATTERS)


@pytest.fixture(scope="module")
def classifier(config: Config) -> Classifier:
    return Classifier(config)


@pytest.fixture
def deps(uows: Uows, config: Config, clock: ManualClock, classifier: Classifier) -> Deps:
    return Deps(config, uows, clock, classifiers=Unchanging(config, classifier))


@dataclass
class Waiting:
    kind: str
    user: int
    seq: int
    ticket: int | None = None
    draft: int | None = None


def message(user: int, text: str) -> Incoming:
    return Incoming(user_id=user, user_name="王阿姨", source_key=f"m:{user}:{next(_messages)}",
                    text=text)


def read(deps: Deps, msg: Incoming) -> C.Reading:
    """A private text as the handler takes it (bot/services/messages.py): what it was to the
    waiting question; a new message ("new") is stored as the person's draft."""
    taken = take_message(deps, msg, may_answer=True)
    if taken.reading is not None:
        return taken.reading
    assert taken.received is not None, taken
    return C.Reading("new", draft=taken.received.draft)


def waiting(kind: str, uows: Uows, config: Config, classifier: Classifier,
            clock: ManualClock) -> Waiting:
    """The situation in which the bot asks `kind`, through the real services, then the ask."""
    now = clock.now()
    add_volunteer(uows, now, VOL)
    d = deps_at(uows, config, now, classifier)
    if kind in ("reg_name", "reg_unit"):
        return Waiting(kind, VOL, C.ask(d, VOL, kind))
    if kind == "draft_text":
        # A photo alone: the bot asks what it is about, in the same transaction.
        got = take_message(d, Incoming(
            user_id=RESIDENT, user_name="王阿姨", source_key="m:photo", photo_file_id="p1",
            photo_unique_id="u1"), may_answer=False)
        assert got.received is not None and got.asked_for_words is not None, got
        return Waiting(kind, RESIDENT, got.asked_for_words, draft=got.received.draft.id)
    number = submit(uows, config, now).id or 0  # repairs: a lamp
    V.accept_ticket(d, number, VOL)
    user = VOL
    if kind in ("comment", "reject_reason"):
        V.resolve_ticket(d, number, VOL, "修好了")
        user = RESIDENT
    if kind == "comment":
        T.confirm_resolution(d, number, RESIDENT)
        T.rate_ticket(d, number, RESIDENT, 5)
    return Waiting(kind, user, C.ask(d, user, kind, ticket_id=number), ticket=number)


def applied(w: Waiting, uows: Uows, text: str) -> bool:
    """Did `text` land where the answer to this question goes?"""
    if w.kind in ("reg_name", "reg_unit"):
        with uows() as uow:
            volunteer = volunteer_by_tg(uow.session, VOL)
            assert volunteer is not None
            kept = volunteer.name if w.kind == "reg_name" else volunteer.unit
            return bool(kept) and text.startswith(kept)  # names and units are capped
    if w.kind == "draft_text":
        with uows() as uow:
            draft = uow.session.get(Draft, w.draft)
            return draft is not None and text in draft.text
    ticket = reload(uows, w.ticket or 0)
    with uows() as uow:
        notes = uow.session.exec(select(TicketEvent.note).where(
            TicketEvent.ticket_id == w.ticket)).all()
    return text in notes and (w.kind != "comment" or ticket.comment == text)


def a_new_message(w: Waiting, uows: Uows, reading: C.Reading, text: str) -> bool:
    """Was `text`, sent once the wait was over, taken as a new message and not as the answer?
    Words after a photo still describe it (bot/services/intake.py): they join the photo's
    open draft as more of it, as they would had nothing been asked."""
    if reading.how != "new":
        return False
    if w.kind == "draft_text":
        return reading.draft is not None and reading.draft.id == w.draft
    return not applied(w, uows, text)


def state(uows: Uows, user: int) -> str:
    with uows() as uow:
        pending = uow.session.get(PendingInput, user)
        return pending.state if pending else "—"


def held_drafts(uows: Uows, user: int) -> list[Draft]:
    with uows() as uow:
        return list(uow.session.exec(select(Draft).where(
            Draft.user_id == user, Draft.status == "held")).all())


@pytest.mark.parametrize("kind", KINDS)
def test_an_answer_within_the_window_is_taken_once(
        kind: str, uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting(kind, uows, config, classifier, clock)
    clock.advance(timedelta(minutes=config.conversation.pending_input_minutes) -
                  timedelta(seconds=1))
    reading = read(deps, message(w.user, ANSWERS[kind]))
    assert (reading.how, reading.kind) == ("answered", kind)
    assert applied(w, uows, ANSWERS[kind])
    if kind == "reg_name":  # the unit is asked next, as its own question
        assert state(uows, w.user) == "waiting" and reading.seq == w.seq + 1
    else:
        assert state(uows, w.user) == "answered"
        again = read(deps, message(w.user, "5号楼门口垃圾堆了好几天没人清理"))
        assert again.how == "new"


@pytest.mark.parametrize("kind", KINDS)
def test_after_the_window_a_text_is_a_new_message(
        kind: str, uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting(kind, uows, config, classifier, clock)
    clock.advance(timedelta(minutes=config.conversation.pending_input_minutes))
    reading = read(deps, message(w.user, ANSWERS[kind]))
    assert a_new_message(w, uows, reading, ANSWERS[kind])
    assert state(uows, w.user) == "expired"


def test_days_after_rating_a_new_complaint_is_not_a_comment(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting("comment", uows, config, classifier, clock)
    clock.advance(timedelta(days=3))
    complaint = "2号楼的下水道又堵了，污水都冒出来了"
    assert read(deps, message(RESIDENT, complaint)).how == "new"
    ticket = reload(uows, w.ticket or 0)
    assert ticket.comment is None and ticket.status == S.CLOSED


@pytest.mark.parametrize("kind", CHECKED)
def test_a_text_that_reads_as_new_is_kept_first_then_taken_as_the_answer_on_request(
        kind: str, uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting(kind, uows, config, classifier, clock)
    text = NEW_MATTERS[kind]
    reading = read(deps, message(w.user, text))
    assert (reading.how, reading.kind) == ("ask", kind)
    # Stored before the question is asked: the words survive whatever is pressed, or not.
    [kept] = held_drafts(uows, w.user)
    assert kept.text == text and reading.draft is not None and reading.draft.id == kept.id
    assert not applied(w, uows, text) and state(uows, w.user) == "holding"

    answered = C.answer_held(deps, w.user, kept.id or 0)
    assert (answered.how, answered.kind) == ("answered", kind)
    assert applied(w, uows, text)
    assert held_drafts(uows, w.user) == []
    # Pressed again (double tap, or the old message): nothing more happens.
    assert C.answer_held(deps, w.user, kept.id or 0).how == "already"
    with pytest.raises(DomainError) as refused:
        C.release_held(deps, w.user, kept.id or 0)
    assert refused.value.code == "question_over"


@pytest.mark.parametrize("kind", CHECKED)
def test_a_kept_text_becomes_a_new_matter_on_request(
        kind: str, uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting(kind, uows, config, classifier, clock)
    text = NEW_MATTERS[kind]
    reading = read(deps, message(w.user, text))
    assert reading.draft is not None
    draft, changed = C.release_held(deps, w.user, reading.draft.id or 0)
    assert changed and (draft.status, draft.text) == ("open", text)
    assert draft.category != "other" or len(text) >= C.LONG_TEXT
    assert not applied(w, uows, text)
    assert state(uows, w.user) == "answered"  # the interrupted question is over
    assert C.release_held(deps, w.user, draft.id or 0)[1] is False
    with pytest.raises(DomainError):  # the answer button of the same question: too late
        C.answer_held(deps, w.user, draft.id or 0)
    assert not applied(w, uows, text)


def test_the_description_asked_for_a_photo_is_never_questioned(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting("draft_text", uows, config, classifier, clock)
    reading = read(deps, message(RESIDENT, LONG_COMPLAINT))
    assert reading.how == "answered" and applied(w, uows, LONG_COMPLAINT)


@pytest.mark.parametrize("kind", KINDS)
def test_skip_or_cancel_ends_only_its_own_question(
        kind: str, uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting(kind, uows, config, classifier, clock)
    assert C.end_wait(deps, w.user, w.seq + 1).how == "already"
    assert state(uows, w.user) == "waiting"
    ended = C.end_wait(deps, w.user, w.seq)
    assert (ended.how, ended.kind) == ("answered", kind)
    assert C.end_wait(deps, w.user, w.seq).how == "already"
    after = read(deps, message(w.user, ANSWERS[kind]))
    if kind == "reg_name":  # skipping the name keeps the Telegram name and asks the unit
        assert ended.seq == w.seq + 1 and after.kind == "reg_unit"
    else:
        assert a_new_message(w, uows, after, ANSWERS[kind])
        assert state(uows, w.user) == "skipped"


def test_skip_after_the_window_changes_nothing(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock, deps: Deps) -> None:
    w = waiting("comment", uows, config, classifier, clock)
    clock.advance(timedelta(hours=2))
    assert C.end_wait(deps, w.user, w.seq).how == "already"
    assert state(uows, w.user) == "expired"


def test_skipping_the_unit_still_shows_the_service_menu(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock, deps: Deps) -> None:
    w = waiting("reg_unit", uows, config, classifier, clock)
    ended = C.end_wait(deps, w.user, w.seq)
    assert ended.volunteer is not None and ended.volunteer.tg_id == VOL


def test_a_refused_answer_ends_the_wait(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting("comment", uows, config, classifier, clock)
    O.reopen_ticket(deps, w.ticket or 0, COORDINATOR, "再看看")
    with pytest.raises(DomainError):
        read(deps, message(RESIDENT, ANSWERS["comment"]))
    assert state(uows, RESIDENT) == "refused"
    assert read(deps, message(RESIDENT, ANSWERS["comment"])).how == "new"


def test_a_blocked_resident_gets_no_answer_taken(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting("comment", uows, config, classifier, clock)
    assert block_resident(deps, w.ticket or 0, COORDINATOR)
    reading = read(deps, message(RESIDENT, ANSWERS["comment"]))
    assert reading.how == "blocked" and not applied(w, uows, ANSWERS["comment"])


def test_a_redelivered_kept_text_asks_again_without_keeping_it_twice(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock,
        deps: Deps) -> None:
    w = waiting("comment", uows, config, classifier, clock)
    msg = message(w.user, NEW_MATTERS["comment"])
    first = read(deps, msg)
    again = read(deps, msg)
    assert first.how == again.how == "ask"
    assert first.draft is not None and again.draft is not None
    assert first.draft.id == again.draft.id and len(held_drafts(uows, w.user)) == 1


def test_a_new_question_replaces_the_old_one_and_its_button(
        uows: Uows, config: Config, classifier: Classifier, clock: ManualClock, deps: Deps) -> None:
    w = waiting("progress", uows, config, classifier, clock)
    newer = C.ask(deps, VOL, "resolve", ticket_id=w.ticket)
    assert newer == w.seq + 1
    assert C.end_wait(deps, VOL, w.seq).how == "already"
    assert state(uows, VOL) == "waiting"
    update_profile(deps, VOL)  # the volunteer is untouched meanwhile


@pytest.mark.parametrize(("kind", "text", "own", "new"), [
    ("comment", "志愿者很热心，非常满意", "repairs", False),
    ("comment", "修好了，但是希望以后能快一点", "repairs", False),
    ("comment", "楼道灯又坏了", "repairs", True),  # any category after rating
    ("comment", "楼上邻居天天半夜跺脚，吵得睡不着", "repairs", True),
    ("reject_reason", "还是漏水", "repairs", False),
    ("reject_reason", "小区门口有人乱停车堵了消防通道", "repairs", True),
    ("reject_reason", "灯还是不亮，晚上起夜还得摸黑", "repairs", False),
    ("progress", "已经上门看过了，是线路老化，需要物业报修", "repairs", False),
    ("progress", "楼道里冒烟了", "repairs", True),  # urgent
    ("progress", LONG_COMPLAINT, "repairs", False),  # volunteers' notes may run long
    ("resolve", "上门看了，是楼道灯的镇流器坏了，已经买了新的换上，又把开关也检查了一遍，"
                "现在白天晚上都能正常亮，居民试过了", "repairs", False),
    ("resolve", "换了新灯泡", "repairs", False),
    ("reg_unit", "某物业公司党支部", None, False),
    ("reg_name", "王秀英", None, False),
    ("reg_name", LONG_COMPLAINT, None, True),
    ("draft_text", LONG_COMPLAINT, None, False),
])
def test_what_reads_as_a_new_matter(classifier: Classifier, kind: str, text: str,
                                    own: str | None, new: bool) -> None:
    assert C.reads_as_new(C.RULES[kind], classifier, text, own) is new


def test_a_note_on_an_urgent_matter_may_repeat_its_urgent_words(classifier: Classifier) -> None:
    note = "煤气味已经排查了，是灶台阀门漏气，已关阀开窗"
    assert C.reads_as_new(C.RULES["progress"], classifier, note, "safety", own_urgent=True) \
        is False
    assert C.reads_as_new(C.RULES["progress"], classifier, note, "repairs") is True


def test_a_wait_left_by_an_older_version_expires_too(
        engine: Engine, uows: Uows, config: Config, classifier: Classifier,
        clock: ManualClock, deps: Deps) -> None:
    """Before waits expired, a row meant "waiting" for ever: after the upgrade such a row
    is a waiting question like any other, and days later it is over."""
    w = waiting("comment", uows, config, classifier, clock)
    with engine.begin() as conn:  # the table as the earlier version (before Alembic) made it
        for column in ("seq", "state", "held_draft_id"):
            conn.execute(text(f"ALTER TABLE pendinginput DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE alembic_version"))
    create_schema(engine)  # the baseline revision adopts it
    assert state(uows, RESIDENT) == "waiting"
    clock.advance(timedelta(days=2))
    assert read(deps, message(RESIDENT, NEW_MATTERS["comment"])).how == "new"
    assert reload(uows, w.ticket or 0).comment is None
