"""Volunteer roster: CSV import (all rows or none) and registration through an invitation."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from bot import texts
from bot.config import Config
from bot.services.template import Tx, action
from storage.models import Volunteer
from storage.queries import volunteers_by_tg

_TG_ID = re.compile(r"^\d{1,19}$")  # a Telegram user id: positive, fits in 64 bits
CSV_COLUMNS = ("telegram_id", "name", "unit", "community", "categories", "buildings")


@dataclass(frozen=True)
class VolunteerRow:
    line: int
    tg_id: int
    name: str
    unit: str
    community: str
    categories: tuple[str, ...]
    buildings: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _split(value: str) -> tuple[str, ...]:
    # Residents' offices type lists in Excel: accept full-width separators too.
    cleaned = value.replace("；", ";").replace("，", ";").replace(",", ";")
    return tuple(dict.fromkeys(p.strip() for p in cleaned.split(";") if p.strip()))


def parse_volunteer_csv(content: str, config: Config) -> list[VolunteerRow]:
    """Every row checked; raise ImportFailed listing each bad row by its line number."""
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    errors: list[str] = []
    rows: list[VolunteerRow] = []
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != CSV_COLUMNS:
        raise ImportFailed([
            texts.IMPORT_ROW_ERROR.format(line=1, problem=texts.IMPORT_BAD_HEADER.format(
                expected=",".join(CSV_COLUMNS), actual=",".join(header or [])))
        ])
    first_line_of: dict[int, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        problems = _row_problems(record, config)
        if problems:
            errors.extend(texts.IMPORT_ROW_ERROR.format(line=line, problem=p) for p in problems)
            continue
        row = _to_row(line, record)
        if row.tg_id in first_line_of:
            errors.append(texts.IMPORT_ROW_ERROR.format(line=line, problem=(
                texts.IMPORT_DUPLICATE_ID.format(value=row.tg_id, first=first_line_of[row.tg_id])
            )))
            continue
        first_line_of[row.tg_id] = line
        rows.append(row)
    if errors:
        raise ImportFailed(errors)
    return rows


def _to_row(line: int, record: list[str]) -> VolunteerRow:
    tg, name, unit, community, categories, buildings = (c.strip() for c in record)
    return VolunteerRow(line, int(tg), name, unit, community, _split(categories), _split(buildings))


def _row_problems(record: list[str], config: Config) -> list[str]:
    if len(record) != len(CSV_COLUMNS):
        return [texts.IMPORT_WRONG_COLUMNS.format(expected=len(CSV_COLUMNS), actual=len(record))]
    tg, name, _unit, community_code, categories, buildings = (c.strip() for c in record)
    problems = []
    if not _TG_ID.match(tg) or not 0 < int(tg) < 2**63:
        problems.append(texts.IMPORT_BAD_ID.format(value=tg))
    if not name:
        problems.append(texts.IMPORT_EMPTY_NAME)
    community = config.community(community_code)
    if community is None:
        problems.append(texts.IMPORT_UNKNOWN_COMMUNITY.format(value=community_code))
    codes = _split(categories)
    if not codes:
        problems.append(texts.IMPORT_NO_CATEGORIES)
    problems.extend(
        texts.IMPORT_UNKNOWN_CATEGORY.format(value=c) for c in codes if c not in config.categories
    )
    if community is not None:
        problems.extend(
            texts.IMPORT_UNKNOWN_BUILDING.format(community=community.code, value=b)
            for b in _split(buildings)
            if community.building(b) is None
        )
    return problems


@action
def import_volunteers(tx: Tx, content: str) -> ImportResult:
    """Insert new volunteers and update known ones (by Telegram id) in one transaction."""
    s, config, now = tx.session, tx.config, tx.now
    rows = parse_volunteer_csv(content, config)
    known = volunteers_by_tg(s, [r.tg_id for r in rows])
    created = 0
    for row in rows:
        volunteer = known.get(row.tg_id)
        if volunteer is None:
            volunteer = Volunteer(
                tg_id=row.tg_id, name=row.name, community=row.community,
                max_open=config.bot.default_max_open, created_at=now, updated_at=now,
            )
            created += 1
        volunteer.name = row.name
        volunteer.unit = row.unit
        volunteer.community = row.community
        volunteer.categories = list(row.categories)
        volunteer.buildings = list(row.buildings)
        volunteer.active = True
        volunteer.updated_at = now
        s.add(volunteer)
    return ImportResult(created=created, updated=len(rows) - created)
