"""What a black-box run of the playground found: stale buttons answered in the wrong words,
group posts left showing a state the ticket had left, long texts, 网格长 locked out of the
views they need, /help and /recat in office jargon, /stats with words. Each through the real
Application against the local Bot API."""

from __future__ import annotations

import time
from datetime import timedelta

from bot import texts
from bot.domain.states import TicketStatus as S
from bot.services import office as O
from bot.services import residents as T
from bot.services import volunteers as V
from bot.services.followups import sweep
from tests.e2e.conftest import COORDINATORS, GROUP, Harness, button_labels
from tests.factories import GRID_LEADER_G1, deps_at, events, reload, submit
from tests.wording import part

RESIDENT = 900
VOLUNTEER = 501
HELPER = 502
OFFICE = COORDINATORS[0]


def _text(call: object) -> str:
    return call.params.get("text") or ""  # type: ignore[attr-defined]


def _current_labels(bot: Harness, chat_id: int, call: object) -> list[list[str]]:
    """The buttons of a message the bot sent, as its chat sees it now (after every edit)."""
    message = bot.api.current(chat_id, call.result["message_id"])  # type: ignore[attr-defined]
    assert message is not None
    return button_labels(message)


def _follow_up_until(bot: Harness, number: int, status: S) -> None:
    """Move the bot's clock to each follow-up of the ticket and run the sweep, until the
    ticket reaches `status` (what the ticking sweep does, without waiting for its tick)."""
    for _ in range(6):
        ticket = reload(bot.uows, number)
        if ticket.status == status:
            return
        assert ticket.next_action_at is not None, ticket
        bot.clock.set(ticket.next_action_at + timedelta(seconds=1))
        sweep(deps_at(bot.uows, bot.config, bot.clock.now()))
    assert reload(bot.uows, number).status == status


# ---- 1. stale buttons ------------------------------------------------------------------------

async def test_a_volunteers_work_buttons_after_resolving_answer_in_their_words_and_go(
        bot: Harness) -> None:
    """已办结 pressed again on the details card once the work was marked done: the answer once
    named the wrong action (添加进展) and the resident's view (等您确认)."""
    number, _ = await bot.fixed_lamp(RESIDENT, VOLUNTEER)
    details = await bot.reply_to(VOLUNTEER, "详情")
    assert texts.BTN_RESOLVE in str(button_labels(details))
    await bot.settled()

    since = time.monotonic()
    await bot.press(VOLUNTEER, details, texts.BTN_RESOLVE)
    answer = await bot.answer_of(VOLUNTEER, since)
    said = answer.params["text"]
    assert said == texts.ERRORS["bad_state_button"].format(
        number=number, status=texts.STATUS_NAMES_BY_ROLE["volunteer"][S.RESOLVED])
    assert "等您确认" not in said and "添加进展" not in said and "不能" not in said
    await bot.settled()
    assert _current_labels(bot, VOLUNTEER, details) == []  # the stale buttons are gone
    assert reload(bot.uows, number).status == S.RESOLVED


async def test_yes_on_a_reminder_after_auto_close_thanks_and_records_nothing_twice(
        bot: Harness) -> None:
    """The resident's 解决了 after the bot had closed the matter for them is the right
    answer: thanked, never told "不能确认解决了"."""
    number, resolved = await bot.fixed_lamp(RESIDENT, VOLUNTEER)
    _follow_up_until(bot, number, S.CLOSED)  # reminded, then auto-closed
    reminder = await bot.reply_to(RESIDENT, part(texts.NOTICE_CONFIRM_REMINDER))
    await bot.settled()
    before = events(bot.uows, number)

    since = time.monotonic()
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    asked = await bot.reply_to(RESIDENT, part(texts.ASK_RATING), since=since)
    assert asked.method == "editMessageText"  # thanked, and asked for the stars once
    answer = await bot.answer_of(RESIDENT, since)
    assert not answer.params.get("text")
    await bot.press(RESIDENT, asked, "⭐⭐⭐⭐⭐")
    await bot.reply_to(RESIDENT, texts.RATED, since=since)

    since = time.monotonic()
    await bot.press(RESIDENT, reminder, texts.BTN_RESOLVED_YES)  # the older reminder too
    thanks = await bot.reply_to(RESIDENT, texts.ALREADY_CLOSED_THANKS.format(number=number),
                                since=since)
    assert thanks.method == "editMessageText" and not button_labels(thanks)
    await bot.settled()
    after = events(bot.uows, number)
    assert after[:len(before)] == before
    assert [a for a, _, _ in after[len(before):]] == ["rate"]  # no confirm, no second rating
    assert reload(bot.uows, number).status == S.CLOSED


async def test_a_stale_triage_press_says_which_category_it_got_and_loses_its_buttons(
        bot: Harness) -> None:
    number = await bot.submit(RESIDENT, "你好，我想问一下那个事情怎么弄")
    triage = {c: await bot.reply_to(c, "需要分类") for c in COORDINATORS}
    await bot.press(COORDINATORS[1], triage[COORDINATORS[1]], "环境卫生")
    await bot.reply_to(GROUP, f"#{number}")
    await bot.settled()

    since = time.monotonic()
    await bot.press(OFFICE, triage[OFFICE], "设施维修")
    answer = await bot.answer_of(OFFICE, since)
    assert answer.params["text"] == texts.ERRORS["already_triaged"].format(
        number=number, category="环境卫生")
    await bot.settled()
    assert _current_labels(bot, OFFICE, triage[OFFICE]) == []
    assert reload(bot.uows, number).category == "sanitation"


# ---- 2. long texts -----------------------------------------------------------------------------

async def test_every_card_of_a_long_complaint_shows_its_trimmed_summary(bot: Harness) -> None:
    """The 督办 and the offer after /assign once showed the card without its text line."""
    bot.add_volunteer(VOLUNTEER, "李明", categories=("disputes",))
    bot.add_volunteer(HELPER, "赵强", categories=("disputes",))
    words = ("楼上邻居天天半夜在家里拖椅子、剁肉、大声放音乐，"
             "吵得老人孩子都睡不着觉，找过好几次都没用。")
    text = (words * 200)[:4000]
    number = submit(bot.uows, bot.config, bot.clock.now(), text=text,
                    category="disputes").id or 0
    first = await bot.reply_to(VOLUNTEER, f"#{number}")
    holder = VOLUNTEER if "接单" in str(button_labels(first)) else HELPER
    other = HELPER if holder == VOLUNTEER else VOLUNTEER
    O.assign_ticket(deps_at(bot.uows, bot.config, bot.clock.now()), number, OFFICE, other)
    offer = await bot.reply_to(other, f"#{number}", count=1 if other == HELPER else 2)
    _follow_up_until_overdue(bot, number)
    overdue = await bot.reply_to(OFFICE, "督办")
    start = text[:20]
    assert start in _text(offer) and texts.MORE_AFTER_ACCEPT in _text(offer)
    assert start in _text(overdue)
    assert texts.MORE_IN_TICKET.format(number=number) in _text(overdue)


def _follow_up_until_overdue(bot: Harness, number: int) -> None:
    for _ in range(6):
        ticket = reload(bot.uows, number)
        if ticket.overdue_at is not None:
            return
        assert ticket.next_action_at is not None
        bot.clock.set(ticket.next_action_at + timedelta(seconds=1))
        sweep(deps_at(bot.uows, bot.config, bot.clock.now()))
    assert reload(bot.uows, number).overdue_at is not None


# ---- 3. 网格长 ----------------------------------------------------------------------------------

async def test_a_grid_leader_sees_the_lists_numbers_and_tickets_but_does_not_act(
        bot: Harness) -> None:
    """网格长 are sent 催办 asking them to find someone: they may look at what is waiting."""
    number = await bot.submit(RESIDENT, "5号楼门口垃圾堆了好几天")  # nobody serves sanitation
    await bot.settled()
    leader = GRID_LEADER_G1
    for command, expect in (("/stats", "和兴社区 最近 30 天"),
                            ("/unclaimed", texts.UNCLAIMED_HEADER),
                            ("/overdue", texts.OVERDUE_EMPTY),
                            (f"/ticket {number}", f"工单 #{number}"),
                            ("/help", texts.HELP_LEADER_HEAD)):
        since = time.monotonic()
        await bot.send_text(leader, command)
        reply = await bot.reply_to(leader, since=since)
        assert expect in _text(reply), (command, _text(reply))
        assert texts.NOT_COORDINATOR_COMMAND not in _text(reply)
    for command in (f"/assign {number}", f"/close {number} 重复", "/invite"):
        since = time.monotonic()
        await bot.send_text(leader, command)
        assert _text(await bot.reply_to(leader, since=since)) == texts.NOT_COORDINATOR_COMMAND
    await bot.settled()
    assert reload(bot.uows, number).status == S.SUBMITTED


# ---- 5. group posts ----------------------------------------------------------------------------

async def test_the_group_post_follows_the_ticket_through_close_reopen_and_reassignment(
        bot: Harness) -> None:
    """#6 read "（已关闭（没办成））" after reopening and reassignment; closed #2 and #3 still
    read "已被…认领"."""
    # Claimed in the group, done, confirmed: the post says it is done, not "认领".
    done = await bot.submit(RESIDENT, "5号楼门口垃圾堆了好几天")
    post = await bot.reply_to(GROUP, f"#{done}")
    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    await bot.press(VOLUNTEER, post, "认领")
    await bot.reply_to(GROUP, "已被 李明")
    d = deps_at(bot.uows, bot.config, bot.clock.now())
    V.resolve_ticket(d, done, VOLUNTEER, "清走了")
    T.confirm_resolution(d, done, RESIDENT)
    await bot.settled()
    shown = bot.api.current(GROUP, post.result["message_id"])
    assert shown is not None and shown["text"].startswith(texts.GROUP_CLOSED.format(
        status=texts.STATUS_NAMES[S.CLOSED], card="").strip()), shown["text"]

    # Closed unresolved, reopened by the office, sent to one volunteer, then reassigned.
    moved = await bot.submit(RESIDENT, "3号楼楼道里堆满了杂物")
    post = await bot.reply_to(GROUP, f"#{moved}")
    O.close_ticket(deps_at(bot.uows, bot.config, bot.clock.now()), moved, OFFICE, "unable")
    await bot.settled()
    bot.add_volunteer(HELPER, "赵强", categories=("sanitation",))
    bot.add_volunteer(503, "孙丽", categories=("sanitation",))
    O.reopen_ticket(deps_at(bot.uows, bot.config, bot.clock.now()), moved, OFFICE)
    await bot.settled()
    first = reload(bot.uows, moved)
    assert first.status == S.ASSIGNED
    shown = bot.api.current(GROUP, post.result["message_id"])
    assert shown is not None and "已关闭" not in shown["text"] and "指派给" in shown["text"]
    other = 503 if bot.volunteer(HELPER).id == first.assignee_id else HELPER  # type: ignore[union-attr]
    O.assign_ticket(deps_at(bot.uows, bot.config, bot.clock.now()), moved, OFFICE, other)
    await bot.settled()
    shown = bot.api.current(GROUP, post.result["message_id"])
    assert shown is not None and bot.volunteer(other).name in shown["text"]  # type: ignore[union-attr]


# ---- 6, 7. /help, /recat, /stats ---------------------------------------------------------------

async def test_office_help_names_each_command_once_and_recat_takes_chinese_names(
        bot: Harness) -> None:
    await bot.send_text(OFFICE, "/help")
    office = _text(await bot.reply_to(OFFICE, texts.HELP_COORDINATOR_HEAD))
    for line in office.splitlines()[1:]:
        command = line.split("/")[1].split()[0] if "/" in line else ""
        assert command and line.count(f"/{command}") == 1, line
    assert "类别代码" not in office and "类别名称" in office

    bot.add_volunteer(VOLUNTEER, "李明", categories=("repairs",))
    number = await bot.submit(RESIDENT, "1号楼楼道灯坏了三天了")
    since = time.monotonic()
    await bot.send_text(OFFICE, f"/recat {number} 安全隐患")
    await bot.reply_to(OFFICE, "改为「安全隐患」", since=since)
    assert reload(bot.uows, number).category == "safety"
    since = time.monotonic()
    await bot.send_text(OFFICE, f"/recat {number} repairs")
    await bot.reply_to(OFFICE, "改为「设施维修」", since=since)
    since = time.monotonic()
    await bot.send_text(OFFICE, f"/recat {number} 修东西")
    refused = _text(await bot.reply_to(OFFICE, since=since))
    assert "没有这个类别" in refused and "环境卫生" in refused


async def test_stats_with_words_instead_of_days_gets_the_usage(bot: Harness) -> None:
    for words in ("abc", "三十", "0", "-5"):
        since = time.monotonic()
        await bot.send_text(OFFICE, f"/stats {words}")
        assert _text(await bot.reply_to(OFFICE, since=since)) == texts.STATS_USAGE
    since = time.monotonic()
    await bot.send_text(OFFICE, "/stats 7")
    assert "最近 7 天" in _text(await bot.reply_to(OFFICE, since=since))
