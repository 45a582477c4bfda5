"""A local Telegram Bot API with Telegram's rules (see bot/localapi/core.py)."""

from bot.localapi.core import ApiError, Call, LocalBotApi
from bot.localapi.delivery import Delivery

__all__ = ["ApiError", "Call", "Delivery", "LocalBotApi"]
