"""The digest's 发送失败: owed messages Telegram refused, in words a coordinator acts on."""

from __future__ import annotations

from dataclasses import replace

from bot import texts
from bot.config import Config
from bot.digest.numbers import LIST_LIMIT, FailedSend
from bot.digest.render import render_digest
from tests.unit.test_chart import BUSY


def test_refused_messages_are_listed_with_their_ticket_and_why(config: Config) -> None:
    failed = (FailedSend(12, "details", "Bad Request: message is too long"),
              FailedSend(13, "group_post", "Bad Request: chat not found"),
              FailedSend(14, "progress", "Bad Request: something new"),
              *(FailedSend(20 + i, "offer", None) for i in range(LIST_LIMIT - 3)))
    text = render_digest(config, replace(BUSY, failed=failed, failed_total=LIST_LIMIT + 2))
    assert texts.DIGEST_FAILED_HEADER.format(total=LIST_LIMIT + 2) in text
    for number, what, why in ((12, "details", "内容太长"), (13, "group_post", "找不到这个对话")):
        assert texts.DIGEST_FAILED_LINE.format(
            number=number, what=texts.SEND_FAILED_WHAT[what], why=why) in text
    assert texts.DIGEST_FAILED_LINE.format(number=14, what=texts.SEND_FAILED_OTHER,
                                           why=texts.SEND_FAILED_WHY_OTHER) in text
    assert texts.DIGEST_MORE.format(n=2) in text


def test_no_section_when_everything_went_out(config: Config) -> None:
    text = render_digest(config, BUSY)
    assert texts.DIGEST_FAILED_HEADER.split("{")[0] not in text
