"""The daily digest's numbers and text on a hand-made ledger, on SQLite and PostgreSQL.

The digest is sent on Monday 2 November 2026 at 09:00 in Asia/Shanghai and reports on Sunday
1 November (local). Its 30-day window is 3 October – 1 November, its chart 19 October –
1 November. Every ticket below says what it is there to prove; local midnight is 16:00 UTC
the day before, so several tickets sit on the wrong side of a UTC date on purpose.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Community, Config
from bot.digest.numbers import CategoryCount, Digest, build_digest
from bot.digest.render import MESSAGE_LIMIT, message_length, render_digest
from bot.digest.stats import DayRow, OverdueRow, UnclaimedRow, VolunteerRow
from bot.domain.states import TicketStatus as S
from storage.models import Ticket, TicketEvent, Volunteer
from tests.factories import Uows, recount_tallies, store

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 2)


def L(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock moment in 2026, as the aware UTC the database holds."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH).astimezone(UTC)


NOW = L(11, 2, 9)
V1, V2, V3, VQ = 501, 502, 503, 601  # Telegram ids; VQ serves community "qt"


def _ticket(number: int, category: str, created: datetime, status: str, *,
            community: str = "hx", due: datetime | None = None,
            claimed: datetime | None = None, resolved: datetime | None = None,
            closed: datetime | None = None, assignee: int | None = None,
            rating: int | None = None, close_reason: str | None = None,
            needs_triage: bool = False, building: str | None = None) -> Ticket:
    return Ticket(
        id=number, kind="complaint", text=f"工单{number}", category=category, status=status,
        community=community, created_at=created, accept_due_at=created + timedelta(hours=8),
        due_at=due or created + timedelta(days=7), claimed_at=claimed, resolved_at=resolved,
        closed_at=closed, assignee_id=assignee, rating=rating, close_reason=close_reason,
        needs_triage=needs_triage, building=building,
    )


def _volunteer(vid: int, tg_id: int, name: str, community: str = "hx",
               active: bool = True) -> Volunteer:
    return Volunteer(id=vid, tg_id=tg_id, name=name, unit=f"单位{vid}", community=community,
                     active=active, created_at=L(9, 1, 9), updated_at=L(9, 1, 9))


def _event(number: int, tg_id: int, action: str, at: datetime) -> TicketEvent:
    return TicketEvent(ticket_id=number, actor_kind="volunteer", actor_tg_id=tg_id,
                       action=action, at=at)


def build_ledger(uows: Uows) -> None:
    volunteers = [
        _volunteer(1, V1, "张三"), _volunteer(2, V2, "李四"),
        _volunteer(3, V3, "王五", active=False), _volunteer(4, VQ, "赵六", community="qt"),
    ]
    tickets = [
        # 23:30 local yesterday (15:30 UTC): yesterday's; its accept limit is after midnight,
        # so no rate judges it yet; waiting for a claim, flagged for triage
        _ticket(1, "sanitation", L(11, 1, 23, 30), S.SUBMITTED, needs_triage=True,
                building="b1"),
        # 00:10 local today, still 1 November in UTC: today's, not yesterday's
        _ticket(2, "safety", L(11, 2, 0, 10), S.SUBMITTED),
        # 23:50 local the day before yesterday; claimed in time, resolved, closed and rated 5
        # yesterday
        _ticket(3, "sanitation", L(10, 31, 23, 50), S.CLOSED, claimed=L(11, 1, 0, 20),
                resolved=L(11, 1, 9), closed=L(11, 1, 12), assignee=1, rating=5),
        # yesterday: never claimed, closed as a duplicate: in the response base, not responded
        _ticket(4, "repairs", L(11, 1, 8), S.CLOSED_UNRESOLVED, closed=L(11, 1, 18),
                close_reason="duplicate"),
        # yesterday: withdrawn half an hour later, before its limit: no response judged
        _ticket(5, "repairs", L(11, 1, 9), S.CANCELLED, closed=L(11, 1, 9, 30)),
        # yesterday: claimed in an hour by 李四, being worked on
        _ticket(6, "repairs", L(11, 1, 10), S.IN_PROGRESS, claimed=L(11, 1, 11), assignee=2),
        # in the 30 days: claimed in time, closed, rated 3 (not satisfied)
        _ticket(7, "parking", L(10, 10, 10), S.CLOSED, claimed=L(10, 10, 11),
                resolved=L(10, 11, 10), closed=L(10, 12, 10), assignee=2, rating=3),
        # created before the 30 days, closed in them and rated 4: a closure, no response judged
        _ticket(8, "other", L(10, 1, 10), S.CLOSED, claimed=L(10, 1, 20),
                resolved=L(10, 4, 10), closed=L(10, 5, 10), assignee=2, rating=4),
        # held by 张三 since September, due 8 Sep 10:00: 54 days 23 h late
        _ticket(9, "repairs", L(9, 1, 10), S.REOPENED, claimed=L(9, 1, 11), assignee=1),
        # offered to 李四, never accepted, due 27 Oct 10:00: 5 days 23 h late
        _ticket(10, "elderly", L(10, 20, 10), S.ASSIGNED, assignee=2),
        # nobody's, due 1 Nov 10:00: 23 h late
        _ticket(11, "sanitation", L(10, 25, 10), S.SUBMITTED, building="zz"),
        # resolved, waiting for the resident: past due but not late any more
        _ticket(12, "culture", L(10, 26, 10), S.RESOLVED, claimed=L(10, 26, 12),
                resolved=L(10, 30, 10), due=L(11, 1, 0), assignee=1),
        # held by 王五, who has been made inactive since
        _ticket(13, "repairs", L(10, 28, 10), S.CLAIMED, claimed=L(10, 28, 11), assignee=3),
        # created before the chart, closed inside it (22 Oct), rated 5
        _ticket(14, "greening", L(10, 15, 10), S.CLOSED, claimed=L(10, 15, 12),
                resolved=L(10, 21, 10), closed=L(10, 22, 10), assignee=1, rating=5),
        # created at the chart's first local midnight, closed at the next one (16:00 UTC on
        # 19 Oct): a 20 Oct closure, still open at the end of 19 Oct
        _ticket(15, "parking", L(10, 19, 0), S.CLOSED, claimed=L(10, 19, 1),
                resolved=L(10, 19, 20), closed=L(10, 20, 0), assignee=1),
        # ---- community "qt": must never show in "hx"'s digest ----
        _ticket(20, "repairs", L(10, 20, 10), S.SUBMITTED, community="qt"),
        _ticket(21, "repairs", L(11, 1, 12), S.CLOSED, community="qt", claimed=L(11, 1, 12, 10),
                resolved=L(11, 1, 12, 30), closed=L(11, 1, 13), assignee=4, rating=1),
    ]
    events = [
        _event(3, V1, "accept", L(11, 1, 0, 20)),
        _event(3, V1, "resolve", L(11, 1, 9)),
        _event(6, V2, "claim", L(11, 1, 11)),
        _event(7, V2, "claim", L(10, 10, 11)),  # before yesterday
        _event(21, VQ, "claim", L(11, 1, 12, 10)),
        _event(21, V1, "resolve", L(11, 1, 12, 30)),  # another community's ticket
    ]
    store(uows, volunteers, tickets, events)
    recount_tallies(uows, SH, NOW)


@pytest.fixture
def digest(uows: Uows, config: Config) -> Digest:
    build_ledger(uows)
    with uows() as uow:
        return build_digest(uow.session, config, "hx", DAY, NOW)


def test_identity_and_days(digest: Digest) -> None:
    assert (digest.community, digest.community_name) == ("hx", "和兴社区")
    assert (digest.day, digest.yesterday, digest.now) == (DAY, date(2026, 11, 1), NOW)


def test_yesterday_counts_by_local_day(digest: Digest) -> None:
    assert digest.new == 4  # 1 (23:30), 4, 5, 6 — not 2 (00:10 today), not 3 (the day before)
    assert digest.claimed == 2  # 3 (00:20), 6
    assert digest.resolved == 1  # 3
    assert (digest.closed, digest.closed_unresolved, digest.cancelled) == (1, 1, 1)  # 3, 4, 5


def test_backlog_now(digest: Digest) -> None:
    assert dict(digest.backlog) == {
        S.SUBMITTED: 3,  # 1, 2, 11
        S.ASSIGNED: 1,  # 10
        S.CLAIMED: 1,  # 13
        S.IN_PROGRESS: 1,  # 6
        S.RESOLVED: 1,  # 12
        S.REOPENED: 1,  # 9
    }
    assert [s for s, _ in digest.backlog] == [
        S.SUBMITTED, S.ASSIGNED, S.CLAIMED, S.IN_PROGRESS, S.RESOLVED, S.REOPENED]
    assert digest.backlog_total == 8


def test_rates_yesterday(digest: Digest) -> None:
    r = digest.rates_yesterday
    # base 4 and 6 (1: limit after midnight; 5: withdrawn in time); 6 claimed in time
    assert (r.responded, r.response_base, r.response) == (1, 2, 0.5)
    assert (r.resolved_closed, r.closed_total) == (1, 2)  # 3 resolved; 4 a duplicate
    assert (r.satisfied, r.rated) == (1, 1)  # 3 rated 5


def test_rates_last_30_days(digest: Digest) -> None:
    r = digest.rates_period
    # base 3, 4, 6, 7, 10, 11, 12, 13, 14, 15; not claimed in time: 4, 10, 11
    assert (r.responded, r.response_base) == (7, 10)
    # closures 3, 7, 8, 14, 15 resolved + 4 duplicate (5 was withdrawn, 21 is qt's)
    assert (r.resolved_closed, r.closed_total) == (5, 6)
    # rated 3 (5), 7 (3), 8 (4), 14 (5); 15 never rated
    assert (r.satisfied, r.rated) == (3, 4)
    assert r.satisfaction == pytest.approx(0.75)


def test_top_categories(digest: Digest) -> None:
    assert digest.top_yesterday == (
        CategoryCount("repairs", "设施维修", 3), CategoryCount("sanitation", "环境卫生", 1))
    assert digest.top_period == (
        CategoryCount("repairs", "设施维修", 4),  # 4, 5, 6, 13
        CategoryCount("sanitation", "环境卫生", 3),  # 1, 3, 11
        CategoryCount("parking", "停车交通", 2),  # 7, 15
        CategoryCount("culture", "文体活动", 1),
        CategoryCount("elderly", "养老助残", 1),
    )  # greening (14) ties at 1 and sorts after by code; 8 was created before the window


def test_overdue_oldest_first_with_days_late(digest: Digest) -> None:
    assert digest.overdue == (
        OverdueRow(9, "repairs", "张三", L(9, 8, 10), 54),
        OverdueRow(10, "elderly", "李四", L(10, 27, 10), 5),
        OverdueRow(11, "sanitation", None, L(11, 1, 10), 0),
    )  # 12 is past due but resolved; qt's 20 is late too but not ours
    assert digest.overdue_total == 3


def test_unclaimed_oldest_first(digest: Digest) -> None:
    assert digest.unclaimed == (
        UnclaimedRow(11, "sanitation", L(10, 25, 10), False, "zz"),
        UnclaimedRow(1, "sanitation", L(11, 1, 23, 30), True, "b1"),
        UnclaimedRow(2, "safety", L(11, 2, 0, 10), False, None),
    )  # 9 is reopened but 张三 still holds it
    assert digest.unclaimed_total == 3


def test_volunteers_yesterday_and_held(digest: Digest) -> None:
    assert digest.volunteers == (
        VolunteerRow(V1, "张三", "单位1", 1, 1, 1, True),  # holds 9; claimed and resolved 3
        VolunteerRow(V2, "李四", "单位2", 2, 1, 0, True),  # holds 6, 10; claimed 6
        VolunteerRow(V3, "王五", "单位3", 1, 0, 0, False),  # holds 13, inactive
    )  # 张三's resolve of qt's 21 is not counted; 赵六 serves qt


def test_fourteen_day_series(digest: Digest) -> None:
    days = [date(2026, 10, 19) + timedelta(days=i) for i in range(14)]
    new = {19: 1, 20: 1, 25: 1, 26: 1, 28: 1, 31: 1, 1: 4}  # 15, 10, 11, 12, 13, 3, 1/4/5/6
    closed = {20: 1, 22: 1, 1: 2}  # 15 at local midnight, 14, then 3 and 4 (5 was withdrawn)
    # open at each day's end; 9 and 14 were open before the chart starts
    backlog = [3, 3, 3, 2, 2, 2, 3, 4, 4, 5, 5, 5, 6, 7]
    assert digest.series == tuple(
        DayRow(d, new.get(d.day, 0), closed.get(d.day, 0), b)
        for d, b in zip(days, backlog, strict=True)
    )
    # the chart's last point is the backlog at midnight: today's ticket 2 comes on top now
    assert digest.series[-1].backlog + 1 == digest.backlog_total


def test_unknown_community(uows: Uows, config: Config) -> None:
    with uows() as uow, pytest.raises(ValueError, match="nowhere"):
        build_digest(uow.session, config, "nowhere", DAY, NOW)


def test_other_community_sees_only_its_own(digest: Digest, uows: Uows,
                                           config: Config) -> None:
    two = config.model_copy(
        update={"communities": (*config.communities, Community(code="qt", name="青田社区"))})
    with uows() as uow:
        qt = build_digest(uow.session, two, "qt", DAY, NOW)
    assert qt.community_name == "青田社区"
    assert (qt.new, qt.claimed, qt.resolved, qt.closed) == (1, 1, 1, 1)
    assert [r.number for r in qt.overdue] == [20]
    assert [r.number for r in qt.unclaimed] == [20]
    assert (qt.rates_yesterday.satisfied, qt.rates_yesterday.rated) == (0, 1)
    assert [(v.name, v.claimed_in_window, v.resolved_in_window) for v in qt.volunteers] == [
        ("赵六", 1, 0)]


# ---- text -----------------------------------------------------------------------------------


def test_render_shows_the_numbers(digest: Digest, config: Config) -> None:
    text = render_digest(config, digest)
    lines = text.splitlines()
    assert lines[0] == "📋 和兴社区 每日简报 · 11月2日（周一）"
    assert "昨日 11月1日（周日）：新增 4，接单 2，办结 1，结单 1，关闭（未解决）1，撤回 1" in lines
    assert ("当前未结 8 件：待接单 3，待志愿者接单 1，已接单 1，办理中 1，待居民确认 1，"
            "重新打开 1") in lines
    assert "响应率：50.0%（1/2） ｜ 70.0%（7/10）" in lines
    assert "解决率：50.0%（1/2） ｜ 83.3%（5/6）" in lines
    assert "满意率：100.0%（1/1） ｜ 75.0%（3/4）" in lines
    assert "昨日新增最多：设施维修 3、环境卫生 1" in lines
    assert "近 30 天新增最多：设施维修 4、环境卫生 3、停车交通 2、文体活动 1、养老助残 1" in lines
    overdue = lines.index("⏰ 超期 3 件（最久的在前）：")
    assert lines[overdue + 1:overdue + 4] == [
        "#9 设施维修 · 张三 · 超期 54 天",
        "#10 养老助残 · 李四 · 超期 5 天",
        "#11 环境卫生 · 无人负责 · 超期不到 1 天",
    ]
    unclaimed = lines.index("🙋 待认领 3 件（最早的在前）：")
    assert lines[unclaimed + 1:unclaimed + 4] == [
        "#11 环境卫生 · zz · 已等 7天23小时",  # a building code config does not know: shown as is
        "#1 环境卫生 · 1号楼 · 已等 9小时 · 待分类",
        "#2 安全隐患 · 楼院未填 · 已等 8小时",
    ]
    assert "张三（单位1）1 / 1 / 1" in lines
    assert "王五（单位3）0 / 0 / 1 · 已停用" in lines
    assert "另有" not in text


def test_render_empty_community(uows: Uows, config: Config) -> None:
    with uows() as uow:
        empty = build_digest(uow.session, config, "hx", DAY, NOW)
    assert empty.series == tuple(
        DayRow(date(2026, 10, 19) + timedelta(days=i), 0, 0, 0) for i in range(14))
    text = render_digest(config, empty)
    assert "新增 0，接单 0" in text
    assert "响应率：—（暂无数据） ｜ —（暂无数据）" in text
    assert "当前没有未结的工单。" in text
    assert "没有超期的工单" in text and "没有待认领的工单" in text
    assert "昨日新增最多：无" in text
    assert "昨日没有志愿者接单或办结" in text


def test_render_fits_one_message_with_500_overdue(uows: Uows, config: Config) -> None:
    long_name = "区城市管理综合行政执法局第三党支部志愿服务队"
    store(
        uows,
        [_volunteer(100 + i, 7000 + i, f"{long_name}{i}") for i in range(40)],
        [_ticket(1000 + i, "repairs", L(9, 1, 10) + timedelta(minutes=i), S.SUBMITTED,
                 due=L(9, 2, 10) + timedelta(minutes=i)) for i in range(500)]
        + [_ticket(2000 + i, "elderly", L(10, 1, 10), S.CLAIMED, claimed=L(10, 1, 11),
                   assignee=100 + i) for i in range(40)],
    )
    recount_tallies(uows, SH, NOW)
    with uows() as uow:
        big = build_digest(uow.session, config, "hx", DAY, NOW)
    assert (big.overdue_total, big.unclaimed_total) == (540, 500)
    text = render_digest(config, big)
    assert message_length(text) <= MESSAGE_LIMIT
    lines = text.splitlines()
    # the ten longest overdue by number, the rest counted
    first = lines.index("⏰ 超期 540 件（最久的在前）：") + 1
    assert lines[first] == "#1000 设施维修 · 无人负责 · 超期 60 天"
    assert "……另有 530 件" in lines
    assert "#1009 设施维修" in text and "#1010 " not in text
    assert "……另有 490 件" in lines  # unclaimed: 500 minus the ten shown
    assert "……另有 30 位志愿者" in lines
    assert long_name not in text  # cut to a line's width


def test_render_cuts_an_absurdly_long_text_to_one_message(digest: Digest,
                                                          config: Config) -> None:
    # Names come from config and registrations; whatever they hold, Telegram must accept it.
    huge = replace(digest, community_name="和兴" * 3000)
    text = render_digest(config, huge)
    assert message_length(text) <= MESSAGE_LIMIT
    assert text.endswith("……（内容过长，后面从略）")
