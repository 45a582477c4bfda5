"""The playground in a real browser: the whole 一领四单 loop, time included, as a visitor clicks it.

Each step is checked twice: on the page (what the visitor sees) and in the playground's
database (what really happened). Waits are for states (a message, a row), never for time.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PIL import Image
from sqlmodel import Session, select

from bot import texts
from bot.domain.states import TicketStatus as S
from storage.models import DigestRun, Ticket, TicketEvent, Volunteer
from tests.playground_process import Playground

pytestmark = pytest.mark.browser
T = TypeVar("T")
DB_BOUND = 30.0  # seconds: a failure bound for a row to appear, never a wait when it is there


def until(read: Callable[[], T | None], what: str) -> T:
    """Poll the database until `read` returns something (bounded; for failures only)."""
    deadline = time.monotonic() + DB_BOUND
    while True:
        found = read()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the database never showed: {what}")
        time.sleep(0.05)


def be(page: Any, name: str) -> None:
    page.locator("#people button", has_text=name).click()
    page.wait_for_selector(f"#private-title:has-text('{name}')")


def last_message(page: Any, pane: str, has_text: str) -> Any:
    found = page.locator(f"#{pane}-messages .msg", has_text=has_text).last
    found.wait_for()
    return found


def press(page: Any, pane: str, message_text: str, label: str) -> None:
    message = last_message(page, pane, message_text)
    message.locator(".keyboard button", has_text=label).click()


def say(page: Any, text: str) -> None:
    page.fill("[data-testid=private-text]", text)
    page.click("[data-testid=private-send]")


def photo_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 160, 90)).save(out, format="PNG")
    return out.getvalue()


def tickets(engine: Any) -> list[Ticket]:
    with Session(engine) as s:
        return list(s.exec(select(Ticket).order_by(Ticket.id)).all())


def test_the_whole_loop_in_the_browser(playground: Playground, page: Any, tmp_path: Path) -> None:
    engine = playground.engine()
    page.goto(playground.url)
    page.wait_for_selector("#people button")

    # 居民下单: 刘奶奶 opens the bot from her building's QR code and sends a photo with words.
    be(page, "刘奶奶")
    page.click("[data-testid=start]")
    page.wait_for_selector("#private-messages .msg")
    page.fill("[data-testid=private-text]", "楼下垃圾堆了好几天了，又脏又臭，麻烦派人清一清")
    page.set_input_files("[data-testid=photo-input]",
                         {"name": "rubbish.png", "mimeType": "image/png", "buffer": photo_png()})
    page.locator("#private-messages img.photo").first.wait_for()
    press(page, "private", "垃圾", texts.BTN_CONFIRM)
    submitted = last_message(page, "private", "编号")
    first = until(lambda: next(iter(tickets(engine)), None), "the first ticket")
    assert f"编号 {first.id}" in submitted.inner_text()
    assert first.category == "sanitation" and first.photo_file_ids and first.building == "b1"

    # 接单: nobody serves 环境卫生, so it waits in the volunteers' group; 李建国 claims it there.
    be(page, "李建国")
    press(page, "group", f"#{first.id}", texts.BTN_CLAIM.split()[-1])
    alert = page.locator("[data-testid=alert-text]")
    alert.wait_for()  # Telegram shows the claim's answer as an alert
    assert f"#{first.id}" in alert.inner_text()
    page.click("[data-testid=alert-ok]")
    details = last_message(page, "private", f"#{first.id}")
    with Session(engine) as s:
        lee = s.exec(select(Volunteer).where(Volunteer.tg_id == 20001)).one()
    until(lambda: tickets(engine)[0].assignee_id == lee.id or None, "李建国 holds ticket 1")
    assert "刘奶奶" not in page.locator("#group-messages").inner_text()  # no names in the group
    assert details.is_visible()

    # 做单: he adds progress and finishes, saying how.
    press(page, "private", f"#{first.id}", texts.BTN_PROGRESS.split()[-1])
    say(page, "已经联系保洁，今天下午来清")
    until(lambda: _has_event(engine, first.id, "progress"), "the progress note")
    press(page, "private", f"#{first.id}", texts.BTN_RESOLVE.split()[-1])
    say(page, "垃圾已经清走了，地面也冲洗了")
    until(lambda: tickets(engine)[0].status == S.RESOLVED or None, "ticket 1 resolved")

    # 结单: 刘奶奶 sees the news, confirms and rates five stars.
    be(page, "刘奶奶")
    press(page, "private", "清走", texts.BTN_RESOLVED_YES.split()[-1])
    press(page, "private", f"编号 {first.id}", "⭐⭐⭐⭐⭐")
    done = until(lambda: (t := tickets(engine)[0]).rating == 5 and t, "the rating")
    assert done.status == S.CLOSED

    # 明天早上: the coordinator's daily digest arrives with its chart.
    page.click("[data-testid=step-morning]")
    until(lambda: _first(engine, select(DigestRun)), "a digest run")
    be(page, "张主任")
    chart = page.locator("#private-messages img.photo").last
    chart.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 300",
                           arg=chart.element_handle())
    last_message(page, "private", "简报")

    # 没人接: 陈师傅's lamp is offered to 李建国, who never answers; two hours later it is
    # posted to the group for anyone to claim.
    be(page, "陈师傅")
    page.click("[data-testid=start]")
    page.wait_for_selector("#private-messages .msg")
    say(page, "我们单元楼道灯坏了，晚上黑乎乎的，老人上下楼不方便")
    press(page, "private", "楼道灯", texts.BTN_CONFIRM)
    second = until(lambda: (ts := tickets(engine)) and len(ts) > 1 and ts[1], "the second ticket")
    assert second.status == S.ASSIGNED
    page.click("[data-testid=step-hour]")
    page.click("[data-testid=step-hour]")
    until(lambda: _has_event(engine, second.id, "accept_timeout"), "the offer lapsed")
    last_message(page, "group", f"#{second.id}")

    # The tour ticked what really happened, and nothing it did not.
    page.wait_for_selector("#tour li[data-step=lapsed][data-done=yes]")
    done_steps = page.eval_on_selector_all(
        "#tour li[data-done=yes]", "items => items.map(i => i.dataset.step)")
    assert set(done_steps) == {"submitted", "claimed", "worked", "closed", "digest", "lapsed"}
    shots = Path(os.environ.get("PLAYGROUND_SCREENSHOT_DIR", tmp_path))
    page.screenshot(path=str(shots / "playground.png"))


def test_phone_sized_window_and_starting_over(playground: Playground, browser: Any) -> None:
    """On a phone the panes become tabs; 重新开始 empties the chats and the database."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    engine = playground.engine()
    page.goto(playground.url)
    page.locator("#people button", has_text="小周").click()
    assert page.locator("#pane-private").is_visible()
    assert not page.locator("#pane-group").is_visible()
    page.click("[data-testid=start]")
    say(page, "小区健身器材坏了一个，小孩玩的时候容易夹手")
    page.locator("#private-messages .msg .keyboard button", has_text=texts.BTN_CONFIRM).last.click()
    page.locator("#private-messages .msg", has_text="编号").last.wait_for()
    until(lambda: tickets(engine) or None, "the ticket")
    page.click("#tabs button[data-pane=tour]")
    assert page.locator("#pane-tour").is_visible()
    page.wait_for_selector("#tour li[data-step=submitted][data-done=yes]")
    page.click("[data-testid=reset]")
    page.click("[data-testid=reset-yes]")  # the page's own question, in Chinese
    until(lambda: not tickets(engine) or None, "an empty database")
    page.wait_for_selector("#tour li[data-step=submitted][data-done=no]", state="attached")
    with Session(engine) as s:
        assert len(s.exec(select(Volunteer)).all()) == 3  # the demo people are back
    context.close()


def _has_event(engine: Any, ticket_id: int | None, action: str) -> bool:
    with Session(engine) as s:
        return s.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                TicketEvent.action == action)).first() is not None


def _first(engine: Any, statement: Any) -> Any:
    with Session(engine) as s:
        return s.exec(statement).first()


def test_location_voice_and_the_share_phone_button(playground: Playground, page: Any) -> None:
    """The composer's 位置 and 语音, and the reply keyboard's 留手机号, reach the bot as
    Telegram would send them."""
    engine = playground.engine()
    page.goto(playground.url)
    be(page, "小周")
    page.click("[data-testid=start]")
    share = page.locator("#reply-keyboard button", has_text=texts.BTN_SHARE_PHONE.split()[-1])
    share.click()
    last_message(page, "private", texts.PHONE_SAVED.split("，")[0])
    with Session(engine) as s:
        from storage.models import Resident

        resident = s.exec(select(Resident).where(Resident.tg_id == 30003)).one()
    assert resident.phone == "+8613800000003"
    page.click("[data-testid=send-location]")
    page.locator("#private-messages .msg .place").first.wait_for()
    page.click("[data-testid=send-voice]")
    page.locator("#private-messages audio").first.wait_for()
    preview = last_message(page, "private", texts.PREVIEW_VOICE)  # both join one draft
    assert texts.PREVIEW_LOCATION in preview.inner_text()


def test_a_reloaded_page_opens_each_chat_at_its_newest_message(
        playground: Playground, browser: Any) -> None:
    """A long chat, then the page reloaded: the newest message (the one with the buttons to
    press) is in view, not the middle of the history."""
    context = browser.new_context(viewport={"width": 1000, "height": 600}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(playground.url)
    be(page, "小周")
    page.click("[data-testid=start]")
    for n in range(6):  # enough for the chat to be several screens long
        say(page, f"{n + 2}号楼门口的路灯不亮了，晚上走路看不清，麻烦看一看")
        last_message(page, "private", f"{n + 2}号楼")
    page.reload()
    be(page, "小周")
    newest = page.locator("#private-messages .msg").last
    newest.wait_for()
    page.wait_for_function(  # at the end once the page has settled (fonts, keyboard)
        "() => { const p = document.getElementById('private-messages');"
        " return p.scrollHeight > p.clientHeight * 2"
        " && p.scrollHeight - p.scrollTop - p.clientHeight < 5; }")
    assert newest.is_visible()
    context.close()
