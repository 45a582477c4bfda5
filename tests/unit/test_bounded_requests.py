"""Every Bot API call goes through bot/app/requests.py: at most `in_flight` at once, the rest
wait their turn and all of them still go (a burst of residents never opens hundreds of
connections, whose bookkeeping in httpx costs more than the sending)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from bot.app.requests import BoundedRequest


async def test_a_burst_goes_through_a_few_connections_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    open_now, most, served = 0, 0, []
    release = asyncio.Event()

    async def fake_request(self: HTTPXRequest, url: str, *args: Any, **kwargs: Any
                           ) -> tuple[int, bytes]:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        await release.wait()
        open_now -= 1
        served.append(url)
        return 200, b'{"ok": true, "result": true}'

    monkeypatch.setattr(HTTPXRequest, "do_request", fake_request)
    request = BoundedRequest(in_flight=3)
    await request.initialize()
    try:
        calls = [asyncio.create_task(request.do_request(f"u{i}", "POST")) for i in range(20)]
        while open_now < 3:  # the first three are in; the others must wait at the gate
            await asyncio.sleep(0)
        for _ in range(50):
            await asyncio.sleep(0)
        assert open_now == 3
        release.set()
        results = await asyncio.gather(*calls)
    finally:
        await request.shutdown()
    assert most == 3
    assert len(served) == 20 and all(code == 200 for code, _ in results)
