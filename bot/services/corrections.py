"""Corrections the classifier can learn from: a coordinator changed a ticket's category.

Stored (CategoryCorrection) in the same transaction as the change and its audit event (triage
and /recat, bot/services/office.py); `python -m bot classify --suggest` reads them
(storage.queries.category_corrections, bot/classify/suggest.py). Nothing here changes the
rules: a person edits config.toml.
"""

from __future__ import annotations

from datetime import datetime

from storage.db import Session
from storage.models import CategoryCorrection, Ticket


def record_correction(session: Session, now: datetime, ticket: Ticket, before: str, after: str,
                      tg_id: int) -> None:
    """Store a coordinator's change of category (nothing when the category stayed)."""
    if before == after:
        return
    session.add(CategoryCorrection(
        ticket_id=ticket.id,  # type: ignore[arg-type]
        from_category=before, to_category=after, text=ticket.text or "",
        actor_tg_id=tg_id, at=now))

