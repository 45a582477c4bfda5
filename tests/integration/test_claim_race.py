"""Many volunteers press 认领 at the same moment: exactly one owns the ticket."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.app.clock import ManualClock
from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.states import TicketStatus as S
from bot.services import volunteers as V
from tests.factories import Uows, add_volunteer, deps_at, events, outbox, reload, submit

PRESSERS = list(range(800, 810))


@pytest.mark.parametrize("round_", range(3))
def test_ten_simultaneous_claims_make_exactly_one_owner(
        uows: Uows, config: Config, clock: ManualClock, round_: int) -> None:
    now = clock.now()
    for tg_id in PRESSERS:
        add_volunteer(uows, now, tg_id, categories=("elderly",))
    number = submit(uows, config, now).id or 0  # nobody serves repairs: posted for open claim
    assert reload(uows, number).offered_in_group
    start = threading.Barrier(len(PRESSERS))

    def press(tg_id: int) -> str:
        start.wait()  # release every thread at once so the claims really overlap
        try:
            V.claim_ticket(deps_at(uows, config, now), number, tg_id)
            return "won"
        except DomainError as refused:
            return refused.code

    with ThreadPoolExecutor(len(PRESSERS)) as pool:
        results = dict(zip(PRESSERS, pool.map(press, PRESSERS), strict=True))

    winners = [tg for tg, r in results.items() if r == "won"]
    assert len(winners) == 1, results
    assert set(results.values()) <= {"won", "already_taken"}
    ticket = reload(uows, number)
    assert ticket.status == S.CLAIMED and ticket.version == 2  # route-to-group, then one claim
    claims = [e for e in events(uows, number) if e[0] == "claim"]
    assert len(claims) == 1
    # Only the winner was sent the resident's details.
    assert [c for c, n in outbox(uows, number) if n == "details"] == winners
