"""Refusals: a rule said no. A code the person's words are looked up by (texts.ERRORS, through
bot.texts.render.refusal), plus its parameters."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused action; nothing was changed. bot.texts.render.refusal(error) is the polite
    Chinese explanation shown to whoever asked."""

    def __init__(self, code: str, /, **params: Any) -> None:
        # Positional-only, so a parameter may itself be called `code` (bad_category).
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        return f"{self.code}: {self.params}"
