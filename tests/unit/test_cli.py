"""`python -m bot`: friendly failures (exit 2, no traceback) and the classify command.

A few real subprocesses check what a person at the terminal sees; the rest calls
`bot.app.cli.main` in-process (it returns the exit code)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.cli import main

REPO = Path(__file__).resolve().parents[2]
SHIPPED_TEXT = (REPO / "config.toml").read_text(encoding="utf-8")
RESULT_KEYS = {"category", "category_name", "kind", "urgent", "matched"}


def run_cli(*args: str, tmp_path: Path, bot_config: Path | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("BOT_CONFIG", None)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    env["PYTHONIOENCODING"] = "utf-8"
    if bot_config is not None:
        env["BOT_CONFIG"] = str(bot_config)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO, env=env, input=stdin,
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )


def call_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """In-process calls read os.environ: no token, no BOT_CONFIG, a throwaway database."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'inproc.db'}")


def jsonl(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


# ---- run: failures a person can act on -----------------------------------------------------


def test_run_without_a_token_explains_botfather_and_exits_2(tmp_path: Path) -> None:
    result = run_cli("run", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "BotFather" in result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "令牌" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "cli.db").exists()  # nothing started, nothing created


def test_run_with_a_malformed_duration_names_file_and_key(tmp_path: Path) -> None:
    assert SHIPPED_TEXT.count('accept_timeout = "2h"') == 1
    bad = tmp_path / "bad.toml"
    bad.write_text(
        SHIPPED_TEXT.replace('accept_timeout = "2h"', 'accept_timeout = "3x"'), encoding="utf-8"
    )
    result = run_cli("run", tmp_path=tmp_path, bot_config=bad)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(bad) in result.stderr
    assert "followups.accept_timeout" in result.stderr
    assert "时长" in result.stderr
    assert "没有启动" in result.stderr


def test_run_with_a_config_file_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    result = run_cli("run", tmp_path=tmp_path, bot_config=missing)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(missing) in result.stderr
    assert "找不到配置文件" in result.stderr


def test_run_with_a_config_file_that_is_not_toml(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[bot]\ntimezone = Asia/Shanghai\n", encoding="utf-8")
    result = run_cli("run", tmp_path=tmp_path, bot_config=broken)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(broken) in result.stderr
    assert "TOML" in result.stderr


def test_config_option_is_used_and_errors_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SHIPPED_TEXT.replace('time = "08:30"', 'time = "25:00"'), encoding="utf-8")
    code, out, err = call_main("--config", str(bad), "run")
    assert code == 2
    assert out == ""
    assert str(bad) in err
    assert "digest.time" in err


def test_run_in_process_without_token_does_not_start(tmp_path: Path) -> None:
    code, out, err = call_main("run")
    assert code == 2
    assert "BotFather" in err
    assert out == ""


# ---- classify ------------------------------------------------------------------------------


def test_classify_one_text_prints_one_json_line(tmp_path: Path) -> None:
    result = run_cli("classify", "楼道灯坏了三天了", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert answer.keys() >= RESULT_KEYS
    assert answer["category"] == "repairs"
    assert answer["category_name"] == "设施维修"
    assert answer["urgent"] is False
    assert answer["kind"] == "complaint"
    assert "楼道灯" in answer["matched"]
    assert "楼道灯" in lines[0]  # readable Chinese, not \\u escapes


def test_classify_jsonl_keeps_order_and_skips_blank_lines(tmp_path: Path) -> None:
    source = jsonl(
        tmp_path / "items.jsonl",
        json.dumps({"text": "楼下有煤气味，好像漏气了"}, ensure_ascii=False),
        "",
        json.dumps({"text": "楼道灯坏了三天了"}, ensure_ascii=False),
        "   ",
        json.dumps({"text": "希望有人陪独居老人聊聊天", "id": 7}, ensure_ascii=False),
    )
    result = run_cli("classify", "--jsonl", str(source), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 3
    assert all(a.keys() >= RESULT_KEYS for a in answers)
    gas, lamp, elderly = answers
    assert gas["urgent"] is True
    assert lamp["category"] == "repairs" and lamp["urgent"] is False
    assert elderly["category"] == "elderly" and elderly["urgent"] is False
    assert elderly["kind"] == "wish"


def test_classify_jsonl_malformed_lines_keep_their_place_and_exit_1(tmp_path: Path) -> None:
    source = jsonl(
        tmp_path / "mixed.jsonl",
        json.dumps({"text": "楼道灯坏了三天了"}, ensure_ascii=False),
        "{not json",
        "",
        json.dumps({"message": "没有 text 键"}, ensure_ascii=False),
        json.dumps({"text": 42}),
        json.dumps({"text": "楼下有煤气味"}, ensure_ascii=False),
    )
    code, out, _err = call_main("classify", "--jsonl", str(source))
    assert code == 1
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == 5
    assert answers[0]["category"] == "repairs"
    for answer, line in zip(answers[1:4], (2, 4, 5), strict=True):
        assert answer["line"] == line
        assert str(source) in answer["error"]
        assert f"第 {line} 行" in answer["error"]
        assert "category" not in answer
    assert answers[4]["urgent"] is True


def test_classify_jsonl_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO('{"text": "楼道灯坏了三天了"}\n{"text": "楼下有煤气味"}\n')
    )
    code, out, _err = call_main("classify", "--jsonl", "-")
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert answers[0]["category"] == "repairs"
    assert [a["urgent"] for a in answers] == [False, True]


def test_classify_needs_text_or_jsonl_but_not_both(tmp_path: Path) -> None:
    code, out, err = call_main("classify")
    assert code == 2
    assert out == ""
    assert "--jsonl" in err
    source = jsonl(tmp_path / "one.jsonl", '{"text": "垃圾"}')
    code, out, err = call_main("classify", "楼道灯坏了", "--jsonl", str(source))
    assert code == 2
    assert out == ""


def test_classify_jsonl_file_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    code, out, err = call_main("classify", "--jsonl", str(missing))
    assert code == 2
    assert out == ""
    assert str(missing) in err


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        call_main("serve")
    assert info.value.code == 2
