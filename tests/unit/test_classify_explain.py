"""Every classification carries the words and rules that decided it, stored on the ticket in
short plain Chinese and shown to coordinators on triage and urgent alerts (issue 11 §3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import texts
from bot.classify import Classifier
from bot.classify.explain import MAX_REASONS, reasons
from bot.config import Config
from bot.texts import fit
from bot.texts.notices import render_notice
from storage.models import Outbox, Ticket

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def classifier(config: Config) -> Classifier:
    return Classifier(config)


def _why(classifier: Classifier, text: str) -> tuple[str, ...]:
    return reasons(classifier.classify(text), classifier.category_name)


def test_an_urgent_situation_comes_first_with_the_words_that_made_it(
        classifier: Classifier) -> None:
    why = _why(classifier, "电梯里困了人出不来")
    assert why[0].endswith("→ 紧急") and why[0].startswith("电梯+")
    assert any(r.endswith("→ 设施维修") for r in why)


def test_a_repeated_keyword_is_counted_and_named_with_its_category(
        classifier: Classifier) -> None:
    why = _why(classifier, "楼道灯坏了，楼道灯还是不亮")
    assert why[0] == "楼道灯 ×2 → 设施维修"
    assert not any("紧急" in r for r in why)


def test_a_hedge_says_why_an_alarm_did_not_flag(classifier: Classifier) -> None:
    why = _why(classifier, "去年着火过，现在没事了")
    assert "去年…着火 → 不算紧急" in why


def test_a_long_letter_keeps_a_few_reasons_only(classifier: Classifier) -> None:
    letter = "楼道灯坏了。垃圾没人清。车乱停。树倒了。邻居吵架。施工噪音。" * 20
    assert 0 < len(_why(classifier, letter)) <= MAX_REASONS
    assert _why(classifier, "你好") == ()


class _Session:
    """Enough of a session for render_notice: the ticket, and nobody else."""

    def __init__(self, ticket: Ticket) -> None:
        self.ticket = ticket

    def get(self, model: type, key: object) -> object:
        return self.ticket if model is Ticket else None


def _ticket(text: str, matched: list[str], urgent: bool = False) -> Ticket:
    return Ticket(id=7, kind="complaint", text=text, category="repairs", urgent=urgent,
                  needs_triage=True, matched=matched, community="hx", created_at=NOW)


@pytest.mark.parametrize("notice", ["triage", "urgent_alert"])
def test_triage_and_urgent_alert_show_the_reasons_within_telegram_limits(
        config: Config, notice: str) -> None:
    many = [f"词{i} → 设施维修" for i in range(50)]
    matched = ["电梯+出不来 → 紧急", "楼道灯 ×2 → 设施维修", *many]
    for text in ("电梯里困了人", "长" * 5000):
        ticket = _ticket(text, matched, urgent=True)
        row = Outbox(chat_id=10001, notice=notice, ticket_id=7, created_at=NOW, not_before=NOW)
        first = render_notice(_Session(ticket), config, row)[0]  # type: ignore[arg-type]
        assert "依据：电梯+出不来 → 紧急；楼道灯 ×2 → 设施维修" in first.text
        assert fit.units(first.text) <= fit.TEXT_LIMIT


def test_a_ticket_without_reasons_says_so(config: Config) -> None:
    row = Outbox(chat_id=10001, notice="triage", ticket_id=7, created_at=NOW, not_before=NOW)
    first = render_notice(_Session(_ticket("你好", [])), config, row)[0]  # type: ignore[arg-type]
    assert texts.REASONS_NONE in first.text
