"""The whole 一领四单 loop through real HTTP: submit → routed → claimed → progress → resolved →
confirmed → rated → closed."""

from __future__ import annotations

import time

from bot import texts
from bot.domain.states import TicketStatus as S
from tests.e2e.conftest import COORDINATORS, GROUP, Harness, ticket_number
from tests.factories import reload
from tests.wording import part

RESIDENT = 900
VOLUNTEER = 500


async def test_full_loop_with_open_claim_in_the_group(bot: Harness) -> None:
    # Nobody is paired for repairs, so the ticket is offered to the group for open claim.
    bot.add_volunteer(VOLUNTEER, "李明", categories=("elderly",))
    await bot.send_text(RESIDENT, "我是3号楼502的王阿姨，电话13812345678，楼道灯坏了三天了")
    preview = await bot.reply_to(RESIDENT, "确认提交")
    assert "设施维修" in preview.params["text"]
    assert "楼院：3号楼" in preview.params["text"]  # named in the text: no building question
    await bot.press(RESIDENT, preview, "确认提交")
    submitted = await bot.reply_to(RESIDENT, "已提交")
    number = ticket_number(submitted.params["text"])

    post = await bot.reply_to(GROUP, f"#{number}")
    group_text = post.params["text"]
    assert "13812345678" not in group_text and "王阿姨" not in group_text
    assert "502" not in group_text and "3号楼" in group_text

    since = time.monotonic()
    await bot.press(VOLUNTEER, post, "认领")
    details = await bot.reply_to(VOLUNTEER, "详情")
    assert "13812345678" in details.params["text"]  # the claimer sees the contact
    claimed = await bot.reply_to(RESIDENT, part(texts.NOTICE_CLAIMED))
    assert "李明" in claimed.params["text"]
    edited = await bot.api.wait_for(
        lambda c: c.method == "editMessageText" and c.chat_id == GROUP, since=since)
    assert "李明" in edited.params["text"] and "认领" in edited.params["text"]

    await bot.press(VOLUNTEER, details, "添加进展")
    await bot.reply_to(VOLUNTEER, texts.ASK_PROGRESS)
    await bot.send_text(VOLUNTEER, "已联系电工，明天上午来换")
    progress = await bot.reply_to(RESIDENT, "新进展")
    assert "明天上午" in progress.params["text"]

    await bot.press(VOLUNTEER, details, "已办结")
    await bot.reply_to(VOLUNTEER, "怎么办好的")
    await bot.send_text(VOLUNTEER, "换了新灯泡")
    resolved = await bot.reply_to(RESIDENT, part(texts.NOTICE_RESOLVED))
    await bot.press(RESIDENT, resolved, texts.BTN_RESOLVED_YES)
    rating = await bot.reply_to(RESIDENT, part(texts.ASK_RATING))
    await bot.press(RESIDENT, rating, "⭐⭐⭐⭐⭐")
    await bot.reply_to(VOLUNTEER, "5 分")

    ticket = reload(bot.uows, number)
    assert (ticket.status, ticket.rating) == (S.CLOSED, 5)
    await bot.settled()
    assert not any(c.chat_id in COORDINATORS for c in bot.api.calls("sendMessage"))
