"""The greeting's buttons (反映问题 / 说个心愿 / 我反映过的事 / 隐私说明) and /privacy.

Each button does what its command does, so a resident who never types a command can use
the bot: the same prompt as /report and /wish, the same list as /my.
"""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.services.views import my_tickets_text
from bot.texts.callbacks import Press
from handlers.common import Context, pressed, say

_PROMPTS = {"s.rep": texts.REPORT_PROMPT, "s.wish": texts.WISH_PROMPT, "s.priv": texts.PRIVACY}


async def privacy_command(update: Update, context: Context) -> None:
    """/privacy: what the bot keeps about a resident and who sees it."""
    await say(update, texts.PRIVACY)


async def on_welcome_button(update: Update, context: Context, press: Press) -> None:
    """A greeting button: answers in the chat, and leaves the greeting's buttons in place."""
    query, user_id, d = pressed(update, context)
    await query.answer()
    if press.action == "s.my":
        await say(update, await d.run(my_tickets_text, d, user_id))
        return
    await say(update, _PROMPTS[press.action])
