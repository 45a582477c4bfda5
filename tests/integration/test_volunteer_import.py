"""Volunteer CSV import: all rows or none, updates by Telegram id, errors by line number.
Runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app.clock import ManualClock
from bot.config import Config
from bot.services.deps import Deps
from bot.services.roster import ImportFailed, ImportResult, import_volunteers
from storage.db import UnitOfWork, create_schema, make_engine, uow_factory
from storage.models import Volunteer
from tests.factories import deps_at

REPO = Path(__file__).resolve().parents[2]
HEADER = "telegram_id,name,unit,community,categories,buildings"
Uows = Callable[[], UnitOfWork]


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


GOOD = csv_text(
    "100001,王芳,区卫健委,hx,repairs;safety,b1;b2",
    "100002,李强,,hx,elderly；hardship,",
    "100003,赵敏,街道办,hx,sanitation,ly；az1",
)


def all_volunteers(uows: Uows) -> dict[int, Volunteer]:
    with uows() as uow:
        return {v.tg_id: v for v in uow.session.exec(select(Volunteer)).all()}


def snapshot(uows: Uows) -> list[tuple[object, ...]]:
    return sorted(
        (v.tg_id, v.name, v.unit, v.community, tuple(v.categories), tuple(v.buildings), v.active)
        for v in all_volunteers(uows).values()
    )


def failed_errors(uows: Uows, config: Config, clock: ManualClock, content: str) -> list[str]:
    with pytest.raises(ImportFailed) as info:
        import_volunteers(deps_at(uows, config, clock.now()), content)
    return info.value.errors


# ---- a good file ---------------------------------------------------------------------------


def test_good_csv_imports_every_row(uows: Uows, config: Config, deps: Deps) -> None:
    result = import_volunteers(deps, GOOD)
    assert result == ImportResult(created=3, updated=0)
    rows = all_volunteers(uows)
    assert set(rows) == {100001, 100002, 100003}
    wang = rows[100001]
    assert wang.name == "王芳"
    assert wang.unit == "区卫健委"
    assert wang.community == "hx"
    assert wang.categories == ["repairs", "safety"]
    assert wang.buildings == ["b1", "b2"]
    assert wang.active is True
    assert wang.max_open == config.bot.default_max_open
    li = rows[100002]
    assert li.unit == ""
    assert li.categories == ["elderly", "hardship"]  # full-width ；
    assert li.buildings == []  # no paired building: serves the whole community
    assert rows[100003].buildings == ["ly", "az1"]
    assert wang.created_at is not None and wang.updated_at is not None


def test_bom_header_crlf_spaces_and_blank_lines_are_accepted(uows: Uows, deps: Deps) -> None:
    content = (
        "\ufeffTelegram_ID, Name ,unit,community,categories,buildings\r\n"
        " 200001 , 陈静 , 社区医院 ,hx, repairs ; property ,b5\r\n"
        "\r\n"
        ",,,,,\r\n"
        '200002,"周, 杰",,hx,"culture,children",b6\r\n'
    )
    assert import_volunteers(deps, content) == ImportResult(2, 0)
    rows = all_volunteers(uows)
    assert rows[200001].name == "陈静"
    assert rows[200001].unit == "社区医院"
    assert rows[200001].categories == ["repairs", "property"]
    assert rows[200002].name == "周, 杰"
    assert rows[200002].categories == ["culture", "children"]


def test_repeated_codes_in_a_list_are_kept_once(uows: Uows, deps: Deps) -> None:
    import_volunteers(deps, csv_text("300001,孙丽,,hx,repairs;repairs,b1;b1"))
    volunteer = all_volunteers(uows)[300001]
    assert volunteer.categories == ["repairs"]
    assert volunteer.buildings == ["b1"]


def test_large_telegram_ids_survive(uows: Uows, deps: Deps) -> None:
    import_volunteers(deps, csv_text("7123456789,吴昊,,hx,repairs,"))
    assert set(all_volunteers(uows)) == {7123456789}


def test_header_only_file_imports_nothing(uows: Uows, deps: Deps) -> None:
    assert import_volunteers(deps, HEADER + "\n") == ImportResult(0, 0)
    assert all_volunteers(uows) == {}


# ---- importing again -----------------------------------------------------------------------


def test_importing_the_same_file_twice_updates_and_never_duplicates(
        uows: Uows, clock: ManualClock, deps: Deps) -> None:
    import_volunteers(deps, GOOD)
    before = snapshot(uows)
    clock.advance(timedelta(days=1))
    assert import_volunteers(deps, GOOD) == ImportResult(created=0, updated=3)
    assert snapshot(uows) == before
    assert len(all_volunteers(uows)) == 3


def test_a_changed_row_updates_the_volunteer(uows: Uows, clock: ManualClock, deps: Deps) -> None:
    import_volunteers(deps, GOOD)
    first_created = all_volunteers(uows)[100001].created_at
    clock.advance(timedelta(days=2))
    changed = csv_text(
        "100001,王芳芳,区民政局,hx,disputes,b3",
        "100004,钱进,,hx,greening,",
    )
    assert import_volunteers(deps, changed) == ImportResult(1, 1)
    rows = all_volunteers(uows)
    assert len(rows) == 4
    wang = rows[100001]
    assert wang.name == "王芳芳"
    assert wang.unit == "区民政局"
    assert wang.categories == ["disputes"]
    assert wang.buildings == ["b3"]
    assert wang.created_at == first_created
    assert wang.updated_at > first_created
    assert rows[100002].name == "李强"  # not in the second file: left alone


def test_reimport_reactivates_and_keeps_a_personal_maximum(uows: Uows, deps: Deps) -> None:
    import_volunteers(deps, GOOD)
    with uows() as uow:
        volunteer = uow.session.exec(select(Volunteer).where(Volunteer.tg_id == 100001)).one()
        volunteer.active = False
        volunteer.max_open = 5
        uow.session.add(volunteer)
        uow.commit()
    import_volunteers(deps, GOOD)
    volunteer = all_volunteers(uows)[100001]
    assert volunteer.active is True
    assert volunteer.max_open == 5


# ---- bad rows: reported by line, nothing written -------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("12ab,王芳,,hx,repairs,b1", "telegram_id 应为数字"),
        (",王芳,,hx,repairs,b1", "telegram_id 应为数字"),
        ("100009, ,,hx,repairs,b1", "姓名不能为空"),
        ("100009,王芳,,xx,repairs,b1", '未知的社区代码 "xx"'),
        ("100009,王芳,,hx,repairs;plumbing,b1", '未知的分类代码 "plumbing"'),
        ("100009,王芳,,hx,repairs,b4", '社区 hx 中没有楼院代码 "b4"'),
        ("100009,王芳,,hx,repairs", "应有 6 列，实际为 5 列"),
        ("100009,王芳,,hx,repairs,b1,extra", "应有 6 列，实际为 7 列"),
        ("100009,王芳,,hx, ; ,b1", "至少要填一个服务分类"),
    ],
)
def test_one_bad_row_among_good_ones_is_reported_and_nothing_is_written(
    uows: Uows, config: Config, clock: ManualClock, row: str, expected: str, deps: Deps
) -> None:
    import_volunteers(deps, csv_text("100001,原名,,hx,other,"))
    before = snapshot(uows)
    content = csv_text(
        "100001,新名,,hx,repairs,b1",
        "100002,李强,,hx,elderly,",
        row,
        "100003,赵敏,,hx,sanitation,ly",
    )
    errors = failed_errors(uows, config, clock, content)
    assert len(errors) == 1
    assert errors[0].startswith("第 4 行：")
    assert expected in errors[0]
    assert snapshot(uows) == before


def test_duplicate_telegram_id_in_the_file_names_both_lines(
    uows: Uows, config: Config, clock: ManualClock
) -> None:
    content = csv_text(
        "100001,王芳,,hx,repairs,b1",
        "100002,李强,,hx,elderly,",
        "100001,王芳二号,,hx,safety,",
    )
    errors = failed_errors(uows, config, clock, content)
    assert errors == ["第 4 行：telegram_id 100001 在第 2 行已出现过"]
    assert all_volunteers(uows) == {}


def test_every_bad_row_is_listed_with_its_own_line_number(
    uows: Uows, config: Config, clock: ManualClock
) -> None:
    content = csv_text(
        "abc,王芳,,hx,repairs,b1",
        "100002,李强,,hx,elderly,",
        "",
        "100003,,,nowhere,repairs,",
        "100004,钱进,,hx,nothing,b9",
    )
    errors = failed_errors(uows, config, clock, content)
    assert any(e.startswith("第 2 行：") and "telegram_id" in e for e in errors)
    assert not any(e.startswith("第 3 行") for e in errors)
    line5 = [e for e in errors if e.startswith("第 5 行：")]
    assert any("姓名不能为空" in e for e in line5)
    assert any("nowhere" in e for e in line5)
    line6 = [e for e in errors if e.startswith("第 6 行：")]
    assert any('"nothing"' in e for e in line6)
    assert any('"b9"' in e for e in line6)
    assert len(errors) == 5
    assert all_volunteers(uows) == {}


def test_wrong_header_is_reported(uows: Uows, config: Config, clock: ManualClock) -> None:
    content = csv_text("100001,王芳,,hx,repairs,b1", header="id,name,unit,community,categories")
    errors = failed_errors(uows, config, clock, content)
    assert len(errors) == 1
    assert errors[0].startswith("第 1 行：")
    assert "telegram_id,name,unit,community,categories,buildings" in errors[0]
    assert "id,name,unit,community,categories" in errors[0]
    assert all_volunteers(uows) == {}


def test_empty_file_is_reported(uows: Uows, config: Config, clock: ManualClock) -> None:
    errors = failed_errors(uows, config, clock, "")
    assert errors[0].startswith("第 1 行：")
    assert all_volunteers(uows) == {}


def test_doubled_minus_sign_in_telegram_id_is_reported_by_line(
    uows: Uows, config: Config, clock: ManualClock
) -> None:
    errors = failed_errors(uows, config, clock, csv_text("--5,王芳,,hx,repairs,"))
    assert errors[0].startswith("第 2 行：")
    assert all_volunteers(uows) == {}


def test_telegram_id_too_large_for_the_database_is_reported_by_line(
    uows: Uows, config: Config, clock: ManualClock
) -> None:
    errors = failed_errors(uows, config, clock, csv_text("99999999999999999999,王芳,,hx,repairs,"))
    assert errors[0].startswith("第 2 行：")
    assert all_volunteers(uows) == {}


# ---- the command line ----------------------------------------------------------------------


def test_cli_import_then_a_bad_file_changes_nothing(tmp_path: Path) -> None:
    db_path = tmp_path / "roster.db"
    env = dict(os.environ)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("BOT_CONFIG", None)
    env["DATABASE_URL"] = f"sqlite:///{db_path}"
    env["PYTHONIOENCODING"] = "utf-8"

    def cli(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "volunteers", "import", str(path)], cwd=REPO, env=env,
            capture_output=True, text=True, encoding="utf-8", timeout=120,
        )

    good = tmp_path / "volunteers.csv"
    good.write_text("\ufeff" + GOOD, encoding="utf-8")
    result = cli(good)
    assert result.returncode == 0, result.stderr
    assert "导入完成：新增 3 名，更新 0 名志愿者。" in result.stdout
    assert "Traceback" not in result.stderr

    engine = make_engine(f"sqlite:///{db_path}")
    try:
        create_schema(engine)
        uows = uow_factory(engine)
        before = snapshot(uows)
        assert [row[0] for row in before] == [100001, 100002, 100003]

        bad = tmp_path / "bad.csv"
        bad.write_text(
            csv_text("100001,改名,,hx,repairs,b1", "x1,李强,,hx,elderly,", "100005,,,hx,repairs,"),
            encoding="utf-8",
        )
        result = cli(bad)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert "没有写入任何数据" in result.stderr
        assert "第 3 行" in result.stderr
        assert "第 4 行" in result.stderr
        assert "第 2 行" not in result.stderr
        assert snapshot(uows) == before
    finally:
        engine.dispose()
