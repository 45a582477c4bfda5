"""How much database work one submission costs on the update path (issue 12 §4, decisions 2).

A resident sends a complaint, presses 确认提交 and picks the building: the real Application
handles the three updates against the stand-in Bot API, and SQLAlchemy's events count every
statement and transaction run while an update is being handled (the outbox sender's work,
which runs beside the updates, is not counted: it is the sender's, not the submission's).

Issue 12's bounds were ≤ 2 transactions and ≤ 12 statements (10 statements then). The text is
one transaction (read what it is checked against in one statement, insert the draft), the
确认提交 press none (the building buttons carry the draft), the building press one
(storage/contexts.py, and a new ticket inserted once in its routed state: bot/services/moves.py).

Issue 13 §1 adds, and decisions 2 raises the bounds by exactly that:
- the inbox: each update stored before it is acknowledged (one transaction of one statement per
  fetched batch: the INSERT, returning what it stored; at most three batches here, one per
  update), and the done marks: one UPDATE inside each of the two transactions above, and one
  for the press that wrote nothing, carried by the next batch's transaction;
- the replies owed with what they answer: the receipt (已提交，编号 N) with the ticket, and
  the new draft's preview with the draft, one INSERT each in those two transactions (the
  receipt's had room in the 12 statements; the preview's is one more). Their "delivered"
  marks are written apart from the updates, one statement a moment for every reply delivered
  meanwhile (bot/services/replies.py): counted with these in test_reply_marks_count.py.
So: transactions 2 + 3 = 5, statements 12 + 3 + 2 + 1 = 18.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bot import texts
from bot.app import polling
from tests.e2e.conftest import Harness
from tests.wording import part

MAX_STATEMENTS = 12 + 3 + 2 + 1
MAX_TRANSACTIONS = 2 + 3

_IN_UPDATE: contextvars.ContextVar[bool] = contextvars.ContextVar("in_update", default=False)


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    def report(self) -> str:
        lines = "\n".join(f"  {s.splitlines()[0][:110]}" for s in self.statements)
        return f"{len(self.statements)} statements in {self.transactions} transactions:\n{lines}"


@contextmanager
def counting_update_work(bot: Harness) -> Iterator[Counted]:
    """Count what the engine runs inside the handling of an update, from now on."""
    counted = Counted()

    def on_statement(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if _IN_UPDATE.get():
            counted.statements.append(statement)

    def on_begin(conn: Any) -> None:
        if _IN_UPDATE.get():
            counted.transactions += 1

    processor = bot.app.update_processor
    process = processor.do_process_update
    poller = bot.app.bot_data["poller"]
    deps = poller._deps
    run = deps.run

    async def marked_store(fn: Any, *args: Any, **kwargs: Any) -> Any:
        if fn is not polling.store_updates:
            return await run(fn, *args, **kwargs)
        token = _IN_UPDATE.set(True)  # the inbox's store is part of the update path
        try:
            return await run(fn, *args, **kwargs)
        finally:
            _IN_UPDATE.reset(token)

    async def marked(update: object, coroutine: Awaitable[Any]) -> None:
        token = _IN_UPDATE.set(True)  # the handler's coroutine runs in this context
        try:
            await process(update, coroutine)
        finally:
            _IN_UPDATE.reset(token)

    event.listen(bot.engine, "before_cursor_execute", on_statement)
    event.listen(bot.engine, "begin", on_begin)
    processor.do_process_update = marked
    deps.run = marked_store
    try:
        yield counted
    finally:
        deps.run = run
        processor.do_process_update = process
        event.remove(bot.engine, "before_cursor_execute", on_statement)
        event.remove(bot.engine, "begin", on_begin)


async def test_a_submission_costs_few_statements_and_transactions(bot: Harness) -> None:
    # A first submission pays what is paid once per process (the block list's key).
    await bot.submit(800, "小区门口垃圾堆了三天没人清，味道很大")
    await bot.settled()
    with counting_update_work(bot) as counted:
        since = time.monotonic()
        # No building named in the text: the building question is asked (the third update).
        await bot.send_text(801, "楼道灯坏了好几天了，晚上黑乎乎的老人上下楼不安全")
        preview = await bot.reply_to(801, texts.BTN_CONFIRM, since=since)
        number = await bot.confirm(801, preview, "1号楼")
        await bot.reply_to(801, part(texts.ASK_PHONE), since=since)
        await bot.settled()
    assert number > 0
    assert len(counted.statements) <= MAX_STATEMENTS, counted.report()
    assert counted.transactions <= MAX_TRANSACTIONS, counted.report()
