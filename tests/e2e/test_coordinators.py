"""Coordinators end to end, over real HTTP: urgent alerts day and night, triage of vague
messages and voice, /assign, /close, /reopen, the lists, /stats, /classify, and refusals of
every coordinator command to anyone else."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot import texts
from bot.domain.states import TicketStatus as S
from storage.models import Invite, Outbox
from tests.e2e.conftest import COORDINATORS, GROUP, Harness, button_labels
from tests.factories import events, outbox, reload
from tests.wording import part

RESIDENT = 900
NEIGHBOUR = 901
PAIRED = 501  # repairs, 结对 with 1号楼 (b1)
HELPER = 502
LAMP = "1号楼楼道灯坏了三天了"
OFFICE = COORDINATORS[0]


def _text(call: object) -> str:
    return call.params.get("text") or ""  # type: ignore[attr-defined]


async def test_urgent_alert_reaches_both_coordinators_even_at_night(bot: Harness) -> None:
    bot.clock.set(datetime(2026, 11, 2, 15, 30, tzinfo=UTC))  # 23:30 in Shanghai
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    ordinary = await bot.submit(NEIGHBOUR, LAMP)  # its offer must wait for the morning

    since = time.monotonic()
    await bot.send_text(RESIDENT, "楼道里好大的煤气味，快来人")
    preview = await bot.reply_to(RESIDENT, "确认提交", since=since)
    assert "紧急" in _text(preview)
    number = await bot.confirm(RESIDENT, preview)
    submitted = await bot.reply_to(RESIDENT, "已提交", since=since)
    assert texts.NEXT_URGENT in _text(submitted)
    for coordinator in COORDINATORS:
        alert = await bot.reply_to(coordinator, "紧急事项", since=since)
        assert f"#{number}" in _text(alert) and "安全隐患" in _text(alert)
        assert "请立即处置" in _text(alert)
    ticket = reload(bot.uows, number)
    assert ticket.urgent and ticket.category == "safety"

    await bot.settled()
    assert bot.api.sent_to(PAIRED) == []  # the ordinary offer waits for quiet hours to end
    assert (PAIRED, "offer") in outbox(bot.uows, ordinary)
    bot.clock.set(datetime(2026, 11, 2, 23, 31, tzinfo=UTC))  # 07:31 the next morning
    offer = await bot.reply_to(PAIRED, f"#{ordinary}")
    assert "接单" in str(button_labels(offer))


async def test_vague_message_goes_to_triage_and_the_chosen_category_routes_it(
        bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    number = await bot.submit(RESIDENT, "你好，我想问一下那个事情怎么弄")
    assert "先看一下" in _text(await bot.reply_to(RESIDENT, "已提交"))
    triage = {}
    for coordinator in COORDINATORS:
        triage[coordinator] = await bot.reply_to(coordinator, "需要分类")
        assert f"#{number}" in _text(triage[coordinator])
        # The resident's words once, in full (no summary of them above).
        assert _text(triage[coordinator]).count("你好，我想问一下") == 1
        labels = [label for row in button_labels(triage[coordinator]) for label in row]
        assert "设施维修" in labels and "环境卫生" in labels and len(labels) == 13
    ticket = reload(bot.uows, number)
    assert (ticket.category, ticket.needs_triage) == ("other", True)

    since = time.monotonic()
    await bot.press(OFFICE, triage[OFFICE], "设施维修")
    done = await bot.reply_to(OFFICE, "已归为「设施维修」", since=since)
    assert done.method == "editMessageText"
    offer = await bot.reply_to(PAIRED, f"#{number}", since=since)
    assert "设施维修" in _text(offer) and "接单" in str(button_labels(offer))
    ticket = reload(bot.uows, number)
    assert (ticket.category, ticket.needs_triage, ticket.status) == (
        "repairs", False, S.ASSIGNED)


async def test_voice_is_forwarded_for_triage_and_classified_once(bot: Harness) -> None:
    since = time.monotonic()
    bot.api.push_voice(RESIDENT, "voice-xyz")
    preview = await bot.reply_to(RESIDENT, "确认提交", since=since)
    assert "语音" in _text(preview)
    number = await bot.confirm(RESIDENT, preview)
    triage = {}
    for coordinator in COORDINATORS:
        triage[coordinator] = await bot.reply_to(coordinator, f"#{number}", since=since)
        assert "需要分类" in _text(triage[coordinator])
        voice = await bot.api.wait_for("sendVoice", chat_id=coordinator, since=since)
        assert voice.params["voice"] == "voice-xyz"
    await bot.settled()
    assert not [c for c in bot.api.calls("sendMessage") if c.chat_id == GROUP]

    since = time.monotonic()
    await bot.press(COORDINATORS[1], triage[COORDINATORS[1]], "环境卫生")
    post = await bot.reply_to(GROUP, f"#{number}", since=since)  # nobody serves sanitation
    assert "环境卫生" in _text(post)
    ticket = reload(bot.uows, number)
    assert (ticket.category, ticket.needs_triage, ticket.offered_in_group) == (
        "sanitation", False, True)

    # The other coordinator presses a category on their own copy a moment later: it was
    # already classified and sent on, so nothing is re-routed or posted twice.
    since = time.monotonic()
    await bot.press(OFFICE, triage[OFFICE], "设施维修")
    answer = await bot.answer_of(OFFICE, since)
    assert answer.params.get("show_alert")
    assert answer.params["text"] == texts.ERRORS["already_triaged"].format(
        number=number, category="环境卫生")
    await bot.settled()
    assert reload(bot.uows, number).category == "sanitation"
    assert [c for c in bot.api.calls("sendMessage") if c.chat_id == GROUP and c.time >= since] \
        == []


async def test_assign_shows_volunteers_and_the_chosen_one_is_offered(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", categories=("elderly",))
    bot.add_volunteer(HELPER, "赵强", categories=("elderly",))
    number = await bot.submit(RESIDENT, LAMP)  # nobody serves repairs: in the group
    await bot.reply_to(GROUP, f"#{number}")

    await bot.send_text(OFFICE, f"/assign {number}")
    picker = await bot.reply_to(OFFICE, "派给谁")
    assert button_labels(picker) == [["李明（0）", "赵强（0）"]]
    since = time.monotonic()
    await bot.press(OFFICE, picker, "赵强")
    done = await bot.reply_to(OFFICE, f"已把工单 #{number} 派给 赵强", since=since)
    assert done.method == "editMessageText"
    offer = await bot.reply_to(HELPER, f"#{number}", since=since)
    assert button_labels(offer) == [["✅ 接单", "↪️ 转给他人"]]
    helper = bot.volunteer(HELPER)
    assert helper is not None
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id) == (S.ASSIGNED, helper.id)

    await bot.press(HELPER, offer, "接单")
    await bot.reply_to(HELPER, "详情", since=since)
    await bot.reply_to(RESIDENT, "赵强", since=since)
    await bot.settled()
    assert bot.api.sent_to(PAIRED) == []


async def test_close_with_and_without_reason_and_reopen(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    first = await bot.submit(RESIDENT, LAMP)
    await bot.press(PAIRED, await bot.reply_to(PAIRED, f"#{first}"), "接单")
    await bot.reply_to(PAIRED, "详情")
    second = await bot.submit(RESIDENT, "1号楼门口垃圾堆了好几天")  # sanitation: the group
    await bot.reply_to(GROUP, f"#{second}")

    since = time.monotonic()
    await bot.send_text(OFFICE, f"/close {first} 重复")
    duplicate = texts.CLOSE_REASONS["duplicate"]
    await bot.reply_to(OFFICE, texts.CLOSED.format(number=first, reason=duplicate), since=since)
    told = await bot.reply_to(RESIDENT, part(texts.NOTICE_CLOSED_UNRESOLVED), since=since)
    # The resident hears the reason once, in a sentence: the "重复" that named it is not
    # repeated after it.
    assert _text(told) == texts.NOTICE_CLOSED_UNRESOLVED.format(
        number=first, reason=texts.CLOSE_REASONS_FOR_RESIDENT["duplicate"], note="",
        help=texts.CLOSE_HELP_FOR_RESIDENT["duplicate"])
    assert _text(told).count("重复") <= 1
    await bot.reply_to(PAIRED, texts.NOTICE_CLOSED_BY_OFFICE.format(number=first,
                                                                    reason=duplicate),
                       since=since)
    ticket = reload(bot.uows, first)
    assert (ticket.status, ticket.close_reason) == (S.CLOSED_UNRESOLVED, "duplicate")

    since = time.monotonic()
    await bot.send_text(OFFICE, f"/close {second}")
    reasons = await bot.reply_to(OFFICE, texts.PICK_REASON.format(number=second), since=since)
    assert button_labels(reasons) == [[name] for name in texts.CLOSE_REASONS.values()]
    assert reload(bot.uows, second).status == S.SUBMITTED  # nothing closed yet
    not_ours = texts.CLOSE_REASONS["not_our_duty"]
    await bot.press(OFFICE, reasons, not_ours)
    await bot.reply_to(OFFICE, texts.CLOSED.format(number=second, reason=not_ours), since=since)
    await bot.reply_to(RESIDENT, texts.NOTICE_CLOSED_UNRESOLVED.format(
        number=second, reason=texts.CLOSE_REASONS_FOR_RESIDENT["not_our_duty"], note="",
        help=texts.CLOSE_HELP_FOR_RESIDENT["not_our_duty"]),
        since=since)
    closed_post = await bot.api.wait_for(
        lambda c: c.method == "editMessageText" and c.chat_id == GROUP, since=since)
    # The group sees it is no longer open.
    assert texts.STATUS_NAMES[S.CLOSED_UNRESOLVED] in _text(closed_post)
    ticket = reload(bot.uows, second)
    assert (ticket.status, ticket.close_reason) == (S.CLOSED_UNRESOLVED, "not_our_duty")

    since = time.monotonic()
    await bot.send_text(OFFICE, f"/reopen {first} 回访发现没修好")
    await bot.reply_to(OFFICE, texts.REOPENED.format(number=first), since=since)
    await bot.reply_to(RESIDENT, texts.NOTICE_REOPENED_BY_OFFICE.format(number=first),
                       since=since)
    back = await bot.reply_to(PAIRED, f"#{first}", since=since)
    assert _text(back) == texts.NOTICE_REOPENED_BY_OFFICE_TO_VOLUNTEER.format(
        number=first, note="（回访发现没修好）")
    assert "居民" not in _text(back)  # the office reopened it, not the resident
    assert texts.BTN_RESOLVE in str(button_labels(back))
    paired = bot.volunteer(PAIRED)
    assert paired is not None
    ticket = reload(bot.uows, first)
    assert (ticket.status, ticket.assignee_id, ticket.closed_at, ticket.close_reason) == (
        S.REOPENED, paired.id, None, None)
    assert events(bot.uows, first)[-1] == ("reopen", S.CLOSED_UNRESOLVED, S.REOPENED)

async def test_lists_stats_and_classify(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    bot.add_volunteer(HELPER, "赵强", categories=("elderly",))
    held = await bot.submit(RESIDENT, LAMP)
    await bot.press(PAIRED, await bot.reply_to(PAIRED, f"#{held}"), "接单")
    details = await bot.reply_to(PAIRED, "详情")
    waiting = await bot.submit(NEIGHBOUR, "1号楼门口垃圾堆了好几天")
    await bot.reply_to(GROUP, f"#{waiting}")

    async def ask(command: str, contains: str = "") -> str:
        since = time.monotonic()
        await bot.send_text(OFFICE, command)
        return _text(await bot.reply_to(OFFICE, contains, since=since))

    assert await ask("/overdue") == texts.OVERDUE_EMPTY
    unclaimed = await ask("/unclaimed")
    assert f"#{waiting} 环境卫生 · 1号楼 · 已等 1分钟" in unclaimed  # under a minute
    assert f"#{held} " not in unclaimed
    roster = await ask("/volunteers")
    assert "李明（区税务局）1/3 · 设施维修" in roster
    assert "赵强（区税务局）0/3 · 养老助残" in roster
    classified = await ask("/classify 楼道灯坏了")
    assert "类别：设施维修" in classified and "楼道灯" in classified.split("命中词：")[1]
    assert "紧急：否" in classified

    # 8 days later both are past their 7-day limit.
    bot.clock.advance(timedelta(days=8))
    overdue = await ask("/overdue")
    assert f"#{held} 设施维修 · 李明 · 超期 1 天" in overdue
    assert f"#{waiting} 环境卫生 · 无人负责 · 超期 1 天" in overdue
    assert "已等 8天" in await ask("/unclaimed")

    await _finish(bot, details)
    bot.clock.advance(timedelta(minutes=1))  # /stats counts [start, now)
    stats = await ask("/stats 30")
    for rate in ("响应率", "解决率", "满意率"):
        assert rate in stats
    assert "新增 2" in stats and "满意率：100.0%（1/1）" in stats
    assert "解决率：100.0%（1/1）" in stats
    week = await ask("/stats 7")
    assert "最近 7 天" in week and "新增 0" in week


async def _finish(bot: Harness, details: object) -> None:
    """The volunteer resolves, the resident confirms and gives five stars."""
    await bot.press(PAIRED, details, "已办结")  # type: ignore[arg-type]
    await bot.reply_to(PAIRED, "怎么办好的")
    await bot.send_text(PAIRED, "换了新灯泡")
    resolved = await bot.reply_to(RESIDENT, part(texts.NOTICE_RESOLVED))
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    rating = await bot.reply_to(RESIDENT, part(texts.ASK_RATING))
    await bot.press(RESIDENT, rating, "⭐⭐⭐⭐⭐")
    await bot.reply_to(PAIRED, "5 分")


COMMANDS = ("/assign {n}", "/close {n} 重复", "/close {n}", "/reopen {n}", "/overdue",
            "/unclaimed", "/volunteers", "/stats 7", "/classify 楼道灯坏了", "/invite")


async def test_coordinator_commands_are_refused_to_residents_and_volunteers(
        bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    number = await bot.submit(RESIDENT, LAMP)
    await bot.reply_to(PAIRED, f"#{number}")
    await bot.settled()
    before = (reload(bot.uows, number).model_dump(), events(bot.uows, number),
              outbox(bot.uows))

    since = time.monotonic()
    for person in (RESIDENT, PAIRED):
        for command in COMMANDS:
            await bot.send_text(person, command.format(n=number))
    for person in (RESIDENT, PAIRED):
        replies = await bot.api.wait_for_all(
            lambda c, p=person: c.chat_id == p and c.method == "sendMessage",  # type: ignore[misc]
            since=since, count=len(COMMANDS))
        for reply in replies:
            assert "只有社区工作人员" in _text(reply), _text(reply)
            assert not button_labels(reply)
    await bot.settled()
    assert [c for c in bot.api.calls() if c.time >= since and c.method != "getUpdates"
            and c.chat_id not in (RESIDENT, PAIRED)] == []
    assert len([c for c in bot.api.calls("sendMessage") if c.time >= since]) == 2 * len(COMMANDS)
    after = (reload(bot.uows, number).model_dump(), events(bot.uows, number), outbox(bot.uows))
    assert after == before
    with bot.uows() as uow:
        assert uow.session.exec(select(Invite)).all() == []
        assert all(row.chat_id != OFFICE for row in uow.session.exec(select(Outbox)).all())


async def test_ticket_commands_without_a_number_show_how_to_write_them(bot: Harness) -> None:
    for command, example in (("/assign", "/assign 12"), ("/close 重复", texts.CLOSE_EXAMPLE),
                             ("/reopen 十二", "/reopen 12")):
        since = time.monotonic()
        await bot.send_text(OFFICE, command)
        hint = await bot.reply_to(OFFICE, since=since)
        assert _text(hint) == texts.COMMAND_NEEDS_NUMBER.format(example=example)
    await bot.settled()
    assert outbox(bot.uows) == []


async def test_help_speaks_to_each_role(bot: Harness) -> None:
    """A coordinator's /help lists the office commands; a volunteer's says how to take work;
    a resident's stays the plain one."""
    bot.add_volunteer(500, "李明")
    await bot.send_text(COORDINATORS[0], "/help")
    office = await bot.reply_to(COORDINATORS[0], texts.HELP_COORDINATOR_HEAD)
    for command in ("/assign", "/close", "/digest", "/ticket", "/block"):
        assert command in office.params["text"]
    await bot.send_text(500, "/help")
    await bot.reply_to(500, texts.HELP_VOLUNTEER)
    await bot.send_text(900, "/help")
    await bot.reply_to(900, texts.HELP)
