"""Domain errors: a code the person's language is looked up by, plus its parameters."""

from __future__ import annotations

from typing import Any

from bot import texts


class DomainError(Exception):
    """A refused action; nothing was changed. `message` is the polite Chinese explanation."""

    def __init__(self, code: str, /, **params: Any) -> None:
        # Positional-only, so a parameter may itself be called `code` (bad_category).
        super().__init__(code)
        self.code = code
        self.params = params

    @property
    def message(self) -> str:
        return texts.ERRORS[self.code].format(**self.params)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
