"""The "delivered" marks of a submission's owed replies, counted with its update path
(decisions 2; found by a stranger's review).

tests/e2e/test_statement_count.py counts what runs inside an update's handling: 5
transactions. The marks of the two replies owed on the way (the preview, the receipt) are
written apart, batched (bot/services/replies.py); at the pace a community bot sees, one
resident at a time, each batch holds one mark: a submission then costs 5 + 2 = 7
transactions, one more than with the receipt alone owed (6). Under load the marks of many
residents share one batch, which is where the bench's throughput comes from. Issue 13 §1
adds exactly these marks to the bound; this test holds it there.
"""

from __future__ import annotations

import time
from typing import Any

from bot import texts
from bot.services import replies
from tests.e2e.conftest import Harness
from tests.e2e.test_statement_count import MAX_TRANSACTIONS, counting_update_work
from tests.waiting import until
from tests.wording import part

MARKS = 2  # one batch per owed reply (the preview, the receipt) at a resident's pace


async def test_a_submission_with_its_reply_marks_stays_within_the_bound(bot: Harness) -> None:
    # A resident reads the preview before pressing 确认提交: seconds, not the scripted
    # resident's milliseconds, so the two marks never share a batch (HeldReplies.every 0.5 s).
    bot.app.bot_data["deps"].replies.every = 0.0
    await bot.submit(800, "小区门口垃圾堆了三天没人清，味道很大")
    await bot.settled()
    deps = bot.app.bot_data["deps"]
    settle = deps.run
    marks: list[int] = []

    async def counted_run(fn: Any, *args: Any, **kwargs: Any) -> Any:
        if fn is replies.settle_replies and (args[1] or args[2]):
            marks.append(len(args[1]) + len(args[2]))  # one transaction per batch
        return await settle(fn, *args, **kwargs)

    deps.run = counted_run
    try:
        with counting_update_work(bot) as counted:
            since = time.monotonic()
            await bot.send_text(801, "楼道灯坏了好几天了，晚上黑乎乎的老人上下楼不安全")
            preview = await bot.reply_to(801, texts.BTN_CONFIRM, since=since)
            await bot.confirm(801, preview, "1号楼")
            await bot.reply_to(801, part(texts.ASK_PHONE), since=since)
            await bot.settled()
            await until(lambda: not deps.replies.waiting and len(marks) > 0)
    finally:
        deps.run = settle
    total = counted.transactions + len(marks)
    assert marks and total <= MAX_TRANSACTIONS + MARKS, (
        f"{counted.transactions} transactions in the updates + {len(marks)} mark batches "
        f"{marks} = {total}")
