"""Webhook mode's settings: [web] public_url (or WEB_PUBLIC_URL) and TELEGRAM_WEBHOOK_SECRET,
each mistake refused naming the key, the secret never read from the file."""

from __future__ import annotations

import pytest

from bot.web.webhook import webhook_path
from tests.unit.test_config_ops import SOURCE, load, refused

SECRET = "a" * 16


def test_public_url_and_secret_are_optional_and_trimmed() -> None:
    assert load().web.public_url == "" and load().webhook_secret is None
    config = load(lambda raw: raw["web"].update(public_url="https://bot.example.org/hook/"),
                  env={"TELEGRAM_WEBHOOK_SECRET": SECRET})
    assert config.web.public_url == "https://bot.example.org/hook"
    assert config.webhook_secret == SECRET
    assert "webhook_secret" not in config.model_dump()  # never written out with the config


def test_web_public_url_overrides_the_file() -> None:
    config = load(lambda raw: raw["web"].update(public_url="https://a.example.org"),
                  env={"WEB_PUBLIC_URL": " http://127.0.0.1:8443 "})
    assert config.web.public_url == "http://127.0.0.1:8443"


@pytest.mark.parametrize("url", [
    "bot.example.org", "ftp://bot.example.org", "https://bot.example.org/?a=1",
    "https://bot.example.org/#x", "https://user@bot.example.org", "https:///path",
    "https://bot.example.org/a b",
])
def test_a_public_url_that_is_not_a_plain_address_is_refused(url: str) -> None:
    message = refused(lambda raw: raw["web"].update(public_url=url))
    assert "web.public_url" in message and url in message


@pytest.mark.parametrize("secret", ["short", "a" * 15, "a" * 257, "has space in it ok",
                                    "ünïcödé-secret-0123", "semi;colon;secret;xx"])
def test_a_secret_telegram_would_refuse_is_refused(secret: str) -> None:
    with pytest.raises(Exception, match="TELEGRAM_WEBHOOK_SECRET"):
        load(env={"TELEGRAM_WEBHOOK_SECRET": secret})


def test_the_secret_is_never_read_from_the_file() -> None:
    message = refused(lambda raw: raw.update(webhook_secret=SECRET))
    assert "TELEGRAM_WEBHOOK_SECRET" in message and SOURCE in message


def test_the_webhook_path_is_the_secrets_hash_not_the_secret() -> None:
    path = webhook_path(SECRET)
    assert len(path) == 32 and SECRET not in path
    assert path == webhook_path(SECRET) != webhook_path("b" * 16)
