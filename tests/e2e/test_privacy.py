"""What the volunteers' group sees of a resident who writes every personal detail down:
through the real Application and the stand-in Bot API, over real HTTP."""

from __future__ import annotations

from tests.e2e.conftest import GROUP, Harness
from tests.e2e.fake_bot_api import Call

RESIDENT = 910
VOLUNTEER = 511
TELEGRAM_NAME = "刘桂芳"
# Their own name twice (in full and the given name alone), one phone in two forms (spaced
# digits and Chinese numerals), their door, and a neighbour's name.
MESSAGE = ("桂芳反映：我住3单元502，楼道灯坏了好几天，晚上看不见。电话139 1234 5678，"
           "打不通就打幺三九一二三四五六七八。对门张秀兰家也说过。")
PRIVATE = ("刘桂芳", "桂芳", "139 1234 5678", "13912345678", "幺三九一二三四五六七八",
           "1234", "五六七八", "502", "张秀兰", "秀兰")


def _shown(call: Call) -> str:
    return (call.params.get("text") or "") + (call.params.get("caption") or "")


async def test_no_group_message_carries_the_residents_personal_data(bot: Harness) -> None:
    bot.add_volunteer(VOLUNTEER, "李明", categories=("elderly",))
    number = await bot.submit(RESIDENT, MESSAGE, first_name=TELEGRAM_NAME)

    post = await bot.reply_to(GROUP, f"#{number}")
    assert "139****5678" in _shown(post) and "3单元***" in _shown(post)  # still useful
    await bot.press(VOLUNTEER, post, "认领")
    details = await bot.reply_to(VOLUNTEER, "详情")
    await bot.reply_to(GROUP, "李明")  # the post now says who took it

    # The one who claimed it sees everything, to go and help.
    assert "139 1234 5678" in _shown(details) and TELEGRAM_NAME in _shown(details)
    to_group = [c for c in bot.api.calls() if c.chat_id == GROUP]
    assert {c.method for c in to_group} >= {"sendMessage", "editMessageText"}
    for call in to_group:
        for private in PRIVATE:
            assert private not in _shown(call), (private, _shown(call))
