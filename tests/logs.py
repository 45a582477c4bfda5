"""Reading what the bot logs, in tests."""

from __future__ import annotations

import logging

from bot.app.application import OUR_LOGGERS


def enable_loggers() -> None:
    """Earlier tests in the same process may have configured logging in a way that disabled
    the loggers existing then (import-linter does): a test that reads log lines enables them."""
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.disabled = False


def unconfigure(handler: logging.Handler) -> None:
    """Undo bot.app.application.configure_logging: its handler and our loggers' levels."""
    logging.getLogger().removeHandler(handler)
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
