"""Volunteers end to end, over real HTTP: personal offers (接单 / 转给他人), reopened tickets,
joining with an invite link, racing 认领 presses in the group, 退回, /tasks, and what the
group chat may never see."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import select

from bot import texts
from bot.domain.states import TicketStatus as S
from storage.models import Invite
from tests.e2e.conftest import COORDINATORS, GROUP, Harness, button_labels
from tests.factories import events, reload
from tests.wording import part

RESIDENT = 900
PAIRED = 501  # 结对 with 1号楼 (b1)
OTHER = 502  # serves the same category, not paired with any building
NEWCOMER, LATECOMER, TOO_LATE = 601, 602, 603
LAMP = "1号楼楼道灯坏了三天了"


def _text(call: object) -> str:
    return call.params.get("text") or ""  # type: ignore[attr-defined]


async def test_paired_volunteer_gets_the_offer_accepts_and_sees_the_contact(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    bot.add_volunteer(OTHER, "赵强")
    number = await bot.submit(RESIDENT, LAMP)
    await bot.reply_to(RESIDENT, texts.ASK_PHONE)
    bot.api.push_contact(RESIDENT, "13912345678")
    await bot.reply_to(RESIDENT, texts.PHONE_SAVED)

    offer = await bot.reply_to(PAIRED, f"#{number}")
    assert "1号楼" in _text(offer) and "设施维修" in _text(offer)
    assert "13912345678" not in _text(offer)  # the contact only after 接单
    assert button_labels(offer) == [["✅ 接单", "↪️ 转给他人"]]
    assert bot.api.sent_to(OTHER) == []

    since = time.monotonic()
    await bot.press(PAIRED, offer, "接单")
    answer = await bot.answer_of(PAIRED, since)
    assert answer.params["text"] == texts.ACCEPTED.format(number=number)
    details = await bot.reply_to(PAIRED, "详情", since=since)
    assert "13912345678" in _text(details) and LAMP in _text(details)
    assert button_labels(details) == [["📝 添加进展", "✅ 已办结"], ["↩️ 退回"]]
    told = await bot.reply_to(RESIDENT, part(texts.NOTICE_CLAIMED), since=since)
    assert "李明" in _text(told) and "区税务局" in _text(told)  # who, and their 报到单位

    ticket = reload(bot.uows, number)
    paired = bot.volunteer(PAIRED)
    assert paired is not None
    assert (ticket.status, ticket.assignee_id) == (S.CLAIMED, paired.id)
    await bot.settled()
    assert bot.api.sent_to(OTHER) == [] and bot.api.sent_to(GROUP) == []


async def test_passing_on_goes_to_the_next_volunteer_then_to_the_group(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    bot.add_volunteer(OTHER, "赵强")
    number = await bot.submit(RESIDENT, LAMP)
    offer = await bot.reply_to(PAIRED, f"#{number}")

    await bot.press(PAIRED, offer, "转给他人")
    declined = await bot.reply_to(PAIRED, texts.DECLINED.format(number=number))
    assert declined.method == "editMessageText"  # the offer itself says it was passed on
    second = await bot.reply_to(OTHER, f"#{number}")
    assert button_labels(second) == [["✅ 接单", "↪️ 转给他人"]]
    other = bot.volunteer(OTHER)
    assert other is not None
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id) == (S.ASSIGNED, other.id)

    # Nobody eligible is left: open claim in the volunteers' group.
    await bot.press(OTHER, second, "转给他人")
    post = await bot.reply_to(GROUP, f"#{number}")
    assert "待认领" in _text(post) and button_labels(post) == [["🙋 认领"]]
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id, ticket.offered_in_group) == (
        S.SUBMITTED, None, True)
    await bot.settled()
    assert len(bot.api.sent_to(PAIRED)) == 1  # no second offer to whoever passed


async def _resolve(bot: Harness, volunteer: int, message: object, summary: str) -> None:
    since = time.monotonic()
    await bot.press(volunteer, message, "已办结")  # type: ignore[arg-type]
    await bot.reply_to(volunteer, "怎么办好的", since=since)
    await bot.send_text(volunteer, summary)
    await bot.reply_to(volunteer, texts.RESOLVE_SAVED, since=since)


async def _reject(bot: Harness, reason: str, count: int) -> None:
    asked = await bot.reply_to(RESIDENT, part(texts.NOTICE_RESOLVED), count=count)
    since = time.monotonic()
    await bot.press(RESIDENT, asked, texts.BTN_RESOLVED_NO)
    await bot.reply_to(RESIDENT, texts.ASK_REJECT_REASON, since=since)
    await bot.send_text(RESIDENT, reason)
    # The first time back to the volunteer; the second time to the office.
    done = texts.REOPENED_FOR_RESIDENT if count == 1 else texts.REOPENED_TO_OFFICE_FOR_RESIDENT
    await bot.reply_to(RESIDENT, part(done), since=since)


async def test_unresolved_goes_back_to_the_volunteer_then_to_the_coordinators(
        bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    number = await bot.submit(RESIDENT, LAMP)
    await bot.press(PAIRED, await bot.reply_to(PAIRED, f"#{number}"), "接单")
    details = await bot.reply_to(PAIRED, "详情")
    await _resolve(bot, PAIRED, details, "换了新灯泡")

    await _reject(bot, "灯还是不亮", count=1)
    back = await bot.reply_to(PAIRED, part(texts.NOTICE_REOPENED))
    assert "灯还是不亮" in _text(back) and f"#{number}" in _text(back)
    assert texts.BTN_RESOLVE in str(button_labels(back))
    assert bot.api.sent_to(RESIDENT)[-1] == texts.REOPENED_FOR_RESIDENT.format(number=number)
    await bot.settled()
    paired = bot.volunteer(PAIRED)
    assert paired is not None
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id, ticket.reopen_count) == (
        S.REOPENED, paired.id, 1)
    assert not any(c in COORDINATORS for c in (x.chat_id for x in bot.api.calls("sendMessage")))

    await _resolve(bot, PAIRED, back, "又换了一个镇流器")
    since = time.monotonic()
    await _reject(bot, "还是一闪一闪的", count=2)
    assert bot.api.sent_to(RESIDENT)[-1] == texts.REOPENED_TO_OFFICE_FOR_RESIDENT.format(
        number=number)
    for coordinator in COORDINATORS:
        alert = await bot.reply_to(coordinator, "第二次退回", since=since)
        assert "还是一闪一闪的" in _text(alert) and f"/assign {number}" in _text(alert)
    await bot.reply_to(PAIRED, texts.NOTICE_REOPENED_TO_OFFICE.format(number=number), since=since)
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id, ticket.reopen_count) == (S.REOPENED, None, 2)


async def test_invite_link_registers_one_volunteer_once(bot: Harness) -> None:
    await bot.send_text(COORDINATORS[0], "/invite")
    invite = await bot.reply_to(COORDINATORS[0], "邀请链接")
    prefix = f"https://t.me/{bot.api.bot_username}?start=v_"
    assert prefix in _text(invite) and "7 天" in _text(invite)
    token = _text(invite).split(prefix)[1].split()[0]

    await bot.send_text(NEWCOMER, f"/start v_{token}")
    await bot.reply_to(NEWCOMER, "请先告诉我您的姓名")
    await bot.send_text(NEWCOMER, "孙丽")
    await bot.reply_to(NEWCOMER, "报到单位")
    await bot.send_text(NEWCOMER, "区税务局第二党支部")
    menu = await bot.reply_to(NEWCOMER, "请选择您愿意服务的类别")
    labels = [label for row in button_labels(menu) for label in row]
    assert "设施维修" in labels and "养老助残" in labels and labels[-1] == "完成"
    assert "其他" not in labels and not any("✅" in label for label in labels)

    for count, category in enumerate(("设施维修", "养老助残"), start=1):
        await bot.press(NEWCOMER, menu, category)
        menu = await bot.api.wait_for("editMessageReplyMarkup", chat_id=NEWCOMER, count=count)
        assert f"✅ {category}" in str(button_labels(menu))
    chosen = [label for row in button_labels(menu) for label in row if "✅" in label]
    assert chosen == ["✅ 设施维修", "✅ 养老助残"]
    await bot.press(NEWCOMER, menu, "完成")
    joined = await bot.reply_to(NEWCOMER, "登记完成")
    assert "设施维修" in _text(joined) and "养老助残" in _text(joined)

    volunteer = bot.volunteer(NEWCOMER)
    assert volunteer is not None
    assert (volunteer.name, volunteer.unit, volunteer.community, volunteer.active) == (
        "孙丽", "区税务局第二党支部", "hx", True)
    assert volunteer.categories == ["repairs", "elderly"]

    # The same link again, by someone else: refused, nobody registered.
    await bot.send_text(LATECOMER, f"/start v_{token}")
    refused = await bot.reply_to(LATECOMER, "已经用过或过期")
    assert "新的链接" in _text(refused)
    assert bot.volunteer(LATECOMER) is None

    # A fresh link that is opened after invite_ttl: refused too.
    since = time.monotonic()
    await bot.send_text(COORDINATORS[1], "/invite")
    fresh = await bot.reply_to(COORDINATORS[1], "邀请链接", since=since)
    stale = _text(fresh).split(prefix)[1].split()[0]
    bot.clock.advance(bot.config.bot.invite_ttl + timedelta(minutes=1))
    await bot.send_text(TOO_LATE, f"/start v_{stale}")
    await bot.reply_to(TOO_LATE, "已经用过或过期")
    assert bot.volunteer(TOO_LATE) is None
    with bot.uows() as uow:
        unused = uow.session.exec(select(Invite).where(Invite.token == stale)).one()
        assert unused.used_by is None


async def test_ten_simultaneous_claims_make_exactly_one_owner(bot: Harness) -> None:
    racers = [700 + i for i in range(10)]
    for i, tg in enumerate(racers):
        bot.add_volunteer(tg, f"队员{i}", categories=("elderly",))
    number = await bot.submit(RESIDENT, LAMP)  # nobody serves repairs: open claim
    post = await bot.reply_to(GROUP, f"#{number}")

    since = time.monotonic()
    data = post.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    presses = {bot.api.push_callback(tg, data, post)["callback_query"]["id"]: tg
               for tg in racers}
    answers = await bot.api.wait_for_all("answerCallbackQuery", since=since, count=10)
    by_user = {presses[a.params["callback_query_id"]]: a.params.get("text") or ""
               for a in answers}
    assert set(by_user) == set(racers)
    winners = [tg for tg, text in by_user.items() if "认领成功" in text]
    assert len(winners) == 1
    winner = winners[0]
    winner_name = f"队员{racers.index(winner)}"
    for tg, text in by_user.items():
        if tg != winner:
            assert "来晚一步" in text and winner_name in text, text

    owner = bot.volunteer(winner)
    assert owner is not None
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id) == (S.CLAIMED, owner.id)
    assert [e for e in events(bot.uows, number) if e[0] == "claim"] == [
        ("claim", S.SUBMITTED, S.CLAIMED)]

    edited = await bot.api.wait_for(
        lambda c: c.method == "editMessageText" and c.chat_id == GROUP, since=since)
    assert winner_name in _text(edited) and "认领" in _text(edited)
    await bot.reply_to(winner, "详情", since=since)
    await bot.settled()
    group_edits = [c for c in bot.api.calls("editMessageText")
                   if c.chat_id == GROUP and c.time >= since]
    assert len(group_edits) == 1
    details_to = {c.chat_id for c in bot.api.calls("sendMessage")
                  if c.time >= since and "详情" in _text(c)}
    assert details_to == {winner}


async def test_release_sends_it_on_and_tasks_lists_what_is_held(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", buildings=("b1",))
    bot.add_volunteer(OTHER, "赵强")
    await bot.send_text(PAIRED, "/tasks")
    await bot.reply_to(PAIRED, "暂时没有任务")
    number = await bot.submit(RESIDENT, LAMP)
    await bot.press(PAIRED, await bot.reply_to(PAIRED, f"#{number}"), "接单")
    details = await bot.reply_to(PAIRED, "详情")

    await bot.send_text(PAIRED, "/tasks")
    tasks = await bot.reply_to(PAIRED, "您手上的任务")
    assert f"#{number} 设施维修 · {texts.STATUS_NAMES[S.CLAIMED]}" in _text(tasks)

    since = time.monotonic()
    await bot.press(PAIRED, details, "退回")
    await bot.reply_to(PAIRED, texts.RELEASED.format(number=number), since=since)
    told = await bot.reply_to(RESIDENT, part(texts.NOTICE_RELEASED), since=since)
    assert _text(told) == texts.NOTICE_RELEASED.format(number=number)
    offer = await bot.reply_to(OTHER, f"#{number}", since=since)
    other = bot.volunteer(OTHER)
    assert other is not None
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id, ticket.claimed_at) == (S.ASSIGNED, other.id, None)
    await bot.send_text(PAIRED, "/tasks")
    await bot.reply_to(PAIRED, "暂时没有任务", since=since)

    await bot.press(OTHER, offer, "接单")
    second = await bot.reply_to(OTHER, "详情", since=since)
    await bot.send_text(OTHER, "/tasks")
    tasks = await bot.reply_to(OTHER, "您手上的任务", since=since)
    assert f"#{number}" in _text(tasks)

    # The second volunteer hands it back too: nobody eligible is left, so the group.
    since = time.monotonic()
    await bot.press(OTHER, second, "退回")
    post = await bot.reply_to(GROUP, f"#{number}", since=since)
    assert button_labels(post) == [["🙋 认领"]]
    await bot.reply_to(RESIDENT, part(texts.NOTICE_RELEASED), since=since)
    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.assignee_id) == (S.SUBMITTED, None)


async def test_group_chat_never_sees_the_residents_personal_data(bot: Harness) -> None:
    bot.add_volunteer(PAIRED, "李明", categories=("elderly",))
    bot.add_volunteer(OTHER, "赵强", categories=("elderly",))
    number = await bot.submit(RESIDENT, "我是王阿姨，3单元502楼道灯坏了，电话13912345678",
                              first_name="王秀英")
    post = await bot.reply_to(GROUP, f"#{number}")
    assert "139****5678" in _text(post)  # the masked phone keeps the post useful

    await bot.press(PAIRED, post, "认领")
    details = await bot.reply_to(PAIRED, "详情")
    assert "13912345678" in _text(details) and "王秀英" in _text(details)
    # What the group sees is its post as it stands once the bot has sent what it owes (edits
    # are rendered when sent, so how many arrive depends on pace, never what the post says).
    await bot.settled()
    shown = bot.api.current(GROUP, post.result["message_id"])
    assert shown is not None and "李明" in shown["text"] and button_labels(shown) == []
    await bot.press(PAIRED, details, "退回")
    await bot.settled()
    # Handed back: the same post is offered again (no stale "taken by" beside a new copy).
    repost = bot.api.current(GROUP, post.result["message_id"])
    assert repost is not None and "待认领" in repost["text"] and "李明" not in repost["text"]
    assert button_labels(repost) == [["🙋 认领"]]
    assert len([c for c in bot.api.calls("sendMessage") if c.chat_id == GROUP]) == 1
    await bot.press(OTHER, repost, "认领")
    details = await bot.reply_to(OTHER, "详情")
    await bot.reply_to(GROUP, "赵强")
    await bot.press(OTHER, details, "添加进展")
    await bot.reply_to(OTHER, texts.ASK_PROGRESS)
    await bot.send_text(OTHER, "已联系电工，明天上午来")
    await bot.reply_to(RESIDENT, "新进展")
    await _resolve(bot, OTHER, details, "换好了")
    resolved = await bot.reply_to(RESIDENT, part(texts.NOTICE_RESOLVED))
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    rating = await bot.reply_to(RESIDENT, part(texts.ASK_RATING))
    await bot.press(RESIDENT, rating, "⭐⭐⭐⭐⭐")
    await bot.reply_to(OTHER, "5 分")
    await bot.settled()

    to_group = [c for c in bot.api.calls()
                if c.chat_id == GROUP and c.method in ("sendMessage", "editMessageText")]
    assert len(to_group) >= 4  # the post, 李明's claim, offered again, 赵强's claim
    for call in to_group:
        text = _text(call)
        for private in ("王阿姨", "王秀英", "13912345678", "3单元502", "502"):
            assert private not in text, (private, text)
    assert reload(bot.uows, number).status == S.CLOSED
