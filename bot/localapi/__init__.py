"""A local Telegram Bot API with Telegram's rules (see bot/localapi/core.py)."""

from bot.localapi.core import ApiError, Call, Delivery, LocalBotApi

__all__ = ["ApiError", "Call", "Delivery", "LocalBotApi"]
