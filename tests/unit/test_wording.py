"""Rules for the words residents read (issue 10 §6), checked over every resident-facing
string of the catalogue (bot/texts/__init__.py), and the rule that every shown string lives
in it."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot import texts
from bot.texts.render import closed_notice, note_adds_to_reason, welcome_buttons

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
SLASH_COMMAND = re.compile(r"/[a-z]+")
# The catalogue of everything a person reads.
CATALOGUE = "bot/texts/__init__.py"
# Modules whose Chinese literals are text *matched against* what people write (keywords,
# masking patterns, and the masks that replace what they find), never a message of the bot's
# own. Add a module here only for that reason.
MATCHING_ONLY = {"bot/classify/engine.py", "bot/classify/homophones.py", "bot/domain/privacy.py",
                 "bot/domain/privacy_names.py", "bot/domain/privacy_numbers.py",
                 # words read in residents' texts: building spellings, interjections
                 "bot/domain/buildings.py", "bot/services/wordless.py"}
# The local Bot API stands for Telegram: its Chinese (a default first name, a group's title) is
# what Telegram and its users would say, never the bot's own words.
STANDS_FOR_TELEGRAM = "bot/localapi/"


def _resident_strings() -> dict[str, str]:
    """Every resident-facing string, named for the failure message."""
    found = {name: getattr(texts, name) for name in texts.RESIDENT_MESSAGES}
    found |= {name: getattr(texts, name) for name in texts.RESIDENT_LONG_MESSAGES}
    found |= {name: getattr(texts, name) for name in texts.RESIDENT_LABELS}
    for table in texts.RESIDENT_NAME_TABLES:
        found |= {f"{table}[{key}]": value for key, value in getattr(texts, table).items()}
    found |= {f"ERRORS[{key}]": texts.ERRORS[key] for key in texts.RESIDENT_ERRORS}
    return found


def test_the_resident_facing_names_all_exist_and_are_text() -> None:
    for name, value in _resident_strings().items():
        assert isinstance(value, str) and CJK.search(value), name


@pytest.mark.parametrize("name", sorted(_resident_strings()))
def test_no_office_words_toward_residents(name: str) -> None:
    value = _resident_strings()[name]
    used = [word for word in texts.OFFICE_WORDS if word in value]
    assert not used, f"{name} says {used}: {value!r}"


@pytest.mark.parametrize("name", texts.RESIDENT_MESSAGES)
def test_resident_messages_are_three_short_lines_at_most(name: str) -> None:
    lines = getattr(texts, name).strip("\n").split("\n")
    assert len(lines) <= texts.RESIDENT_MAX_LINES, name
    assert all(len(line) <= 60 for line in lines), name


@pytest.mark.parametrize("name", sorted(texts.RESIDENT_LONG_MESSAGES))
def test_the_longer_resident_messages_keep_to_their_length(name: str) -> None:
    assert len(getattr(texts, name).split("\n")) <= texts.RESIDENT_LONG_MESSAGES[name], name


def test_the_first_message_has_no_commands_but_buttons() -> None:
    assert not SLASH_COMMAND.search(texts.START), texts.START
    assert len(texts.START.split("\n")) <= 5  # decisions.md 12
    labels = [b.label for row in welcome_buttons() for b in row]
    assert labels == [texts.BTN_START_REPORT, texts.BTN_START_WISH, texts.BTN_START_MY,
                      texts.BTN_START_PRIVACY]


def test_the_privacy_note_says_what_is_kept_and_who_sees_it() -> None:
    for kept in ("文字", "照片", "手机号"):
        assert kept in texts.PRIVACY
    assert "志愿者" in texts.PRIVACY and "社区工作人员" in texts.PRIVACY


def test_no_threat_or_reproach_in_the_reminder_and_the_auto_close() -> None:
    for name in ("NOTICE_CONFIRM_REMINDER", "NOTICE_AUTO_CLOSED"):
        value = getattr(texts, name)
        for harsh in ("将按", "您一直没有", "没有回复", "结单"):
            assert harsh not in value, (name, harsh)


def test_the_preview_never_names_the_kind() -> None:
    """A wish shown as 投诉/问题 reads as a complaint: the preview has no kind line."""
    assert "类型" not in texts.PREVIEW and "{kind}" not in texts.PREVIEW
    assert not any(kind in texts.PREVIEW for kind in texts.KIND_NAMES.values())


NOTES = (None, "", "重复", "重复反映", "  重复。", "不属于社区职责", "职责", "无法", "暂时无法解决",
         "办不了", "duplicate")


@pytest.mark.parametrize("reason", sorted(texts.CLOSE_REASONS))
@pytest.mark.parametrize("note", NOTES)
def test_a_close_notice_never_says_a_word_twice(reason: str, note: str | None) -> None:
    """"/close 12 重复" once gave "重复反映。重复。" (the reason, then the word that named it)."""
    told = closed_notice(12, reason, note)
    assert "重复重复" not in told
    assert texts.CLOSE_REASONS_FOR_RESIDENT[reason] in told
    for word in ("重复", "职责", "无法", "办不了"):
        assert told.count(word) <= 1, told
    if note and not note_adds_to_reason(reason, note):
        assert texts.CLOSED_NOTE.split("{")[0] not in told
    office = [texts.NOTICE_CLOSED_BY_OFFICE.format(number=12, reason=texts.CLOSE_REASONS[reason]),
              texts.CLOSED.format(number=12, reason=texts.CLOSE_REASONS[reason])]
    assert not any("重复重复" in text for text in office)


def test_a_close_note_that_says_more_is_passed_on() -> None:
    told = closed_notice(12, "duplicate", "和 #3 说的是同一个路灯")
    assert "和 #3 说的是同一个路灯" in told
    assert texts.CLOSE_REASONS_FOR_RESIDENT["duplicate"] in told


def test_placeholders_match_between_residents_and_office_reasons() -> None:
    assert set(texts.CLOSE_REASONS_FOR_RESIDENT) == set(texts.CLOSE_REASONS)
    assert set(texts.CLOSE_REASON_WORDS) == set(texts.CLOSE_REASONS)
    assert set(texts.CLOSE_HELP_FOR_RESIDENT) == set(texts.CLOSE_REASONS)
    fields = {f for _, f, _, _ in string.Formatter().parse(texts.NOTICE_CLOSED_UNRESOLVED) if f}
    assert fields == {"number", "reason", "note", "help"}


def test_not_our_duty_says_kindly_where_to_turn_and_that_the_office_helps() -> None:
    """It once said "这件事不归社区管，社区没法办。有疑问可以找社区。": no, then go to us."""
    told = closed_notice(12, "not_our_duty", None)
    assert "不归社区管" not in told and "没法办" not in told
    for who in ("物业", "12345"):
        assert who in told
    assert "社区帮您" in told
    assert len(told.splitlines()) <= texts.RESIDENT_MAX_LINES
    with_note = closed_notice(12, "not_our_duty", "这是自来水公司的管网，电话 96116")
    assert "96116" in with_note and len(with_note.splitlines()) <= texts.RESIDENT_MAX_LINES


# ---- every shown string lives in the catalogue (bot/texts/__init__.py) -------------------------

def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def chinese_literals(source: str) -> list[tuple[int, str]]:
    """(line, literal) of each string constant holding Chinese, docstrings left out
    (comments are not in the syntax tree at all)."""
    tree = ast.parse(source)
    docstrings = _docstring_nodes(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings and CJK.search(node.value)]


def test_the_finder_sees_literals_but_not_docstrings_or_comments() -> None:
    source = ('"""模块说明"""\n# 注释\ndef f():\n    """函数说明"""\n'
              '    return f"{1}件" + "好的"\n')
    assert sorted(text for _, text in chinese_literals(source)) == sorted(["件", "好的"])


def test_no_shown_chinese_outside_the_catalogue() -> None:
    offenders = []
    for folder in ("bot", "handlers", "scheduler", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative == CATALOGUE or relative in MATCHING_ONLY \
                    or relative.startswith(STANDS_FOR_TELEGRAM):
                continue
            offenders += [f"{relative}:{line}: {text!r}"
                          for line, text in chinese_literals(path.read_text(encoding="utf-8"))]
    assert not offenders, f"put these in {CATALOGUE}:\n" + "\n".join(offenders)
