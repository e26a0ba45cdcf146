"""kefu.logs: every log record of a process has personal data masked and secrets redacted."""

from __future__ import annotations

import io
import logging

import pytest

from kefu import logs
from kefu.settings import load_settings


@pytest.fixture
def captured(monkeypatch):
    """Installs the masking as the processes do at start: with the secrets of their settings,
    here given by the environment."""
    monkeypatch.setenv("BOT_API_TOKEN", "tok-SECRET-0123456789")
    monkeypatch.setenv("TELEGRAM_TOKEN", "123456789:AAsecret-telegram-token-value-xyz")
    factory = logging.getLogRecordFactory()
    monkeypatch.setattr(logs, "_installed", False)
    monkeypatch.setattr(logs, "_process_secrets", [])
    logs.install(load_settings().secret_values())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    logger = logging.getLogger("kefu.test_logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)


def test_phone_numbers_and_addresses_are_masked(captured):
    logger, stream = captured
    logger.info("customer wrote %r", "电话13812345678，寄到上海市浦东新区世纪大道100号")
    logger.warning("call +86 138 1234 5678 or mail li.lei@example.com")
    out = stream.getvalue()
    assert "13812345678" not in out and "1234 5678" not in out and "世纪大道" not in out
    assert "*******5678" in out and "上海市***" in out and "l***@example.com" in out


def test_secrets_are_redacted_in_messages_and_tracebacks(captured):
    logger, stream = captured
    logger.error("GET /conversations/x/tracker?token=tok-SECRET-0123456789 failed")
    logger.info("POST https://api.telegram.org/bot123456789:AAsecret-telegram-token-value-xyz/sendMessage")
    logger.info("connecting to postgresql://kefu:hunter2pass@db:5432/kefu")
    try:
        raise RuntimeError("login with password=opensesame for 13900001111")
    except RuntimeError:
        logger.exception("it failed")
    out = stream.getvalue()
    for secret in ("tok-SECRET-0123456789", "AAsecret-telegram-token", "hunter2pass", "opensesame", "13900001111"):
        assert secret not in out, secret
    assert out.count("<redacted>") >= 4 and "RuntimeError" in out


def test_other_loggers_are_masked_too(captured):
    _logger, stream = captured
    other = logging.getLogger("rasa.some.module")
    handler = logging.StreamHandler(stream)
    other.addHandler(handler)
    try:
        other.warning("user said 我的手机是13712345678")
    finally:
        other.removeHandler(handler)
    assert "13712345678" not in stream.getvalue() and "*******5678" in stream.getvalue()


def test_rasa_loggers_that_print_message_text_are_quiet(captured):
    assert logging.getLogger("rasa.core.processor").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_signed_tokens_are_redacted_wherever_they_appear(captured):
    """A customer token (a JWT in message metadata) is a credential: a log line that quotes the
    metadata, a request or an error never carries it."""
    logger, stream = captured
    token = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJDMTAwMSIsImV4cCI6MTc5OTk5OTk5OX0"
             ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    logger.info("metadata %s", {"customer_token": token, "page": "/orders"})
    logger.warning("Authorization: Bearer %s refused", token)
    out = stream.getvalue()
    assert token.split(".")[2] not in out and token.split(".")[1] not in out
    assert out.count("<redacted>") == 2 and "/orders" in out


def test_personal_data_quoted_as_json_escapes_is_masked_too(captured):
    """Rasa's structured lines quote a message it cannot read as ``/intent`` as JSON, Chinese as
    ``\\uXXXX`` escapes: the address and the phone word are unreadable to a pattern until written out."""
    import json

    logger, stream = captured
    typed = "/{电话 6612 3456,澳门新马路12号,上海市浦东新区世纪大道100号}"
    logger.warning("%s", json.dumps({"user_text": typed, "event": "message.parsing.failed"}))
    logger.warning("%s", json.dumps({"note": "line\nbreak \u202e and a \"quote\""}))
    out = stream.getvalue()
    for secret in ("6612 3456", "新马路", "世纪大道"):
        assert secret not in out and json.dumps(secret)[1:-1] not in out, secret
    assert "电话 **** 3456" in out and "澳门***" in out and "上海市***" in out
    # control and format characters stay escaped: no line can be forged into the log
    assert "\\n" in out and "\\u202e" in out and '\\"quote\\"' in out


#: Every secret setting, with a value in the shape it has; the two URLs carry a password.
SECRETS = {
    "KEFU_REST_TOKEN": "rest-token-Secret-4711",
    "KEFU_CUSTOMER_TOKEN_SECRET": "customer-token-secret-0123456789abcdefghij",
    "TELEGRAM_TOKEN": "987654321:tg-Secret-token-0123456789abcdefghijk",
    "TELEGRAM_WEBHOOK_SECRET": "tg-webhook-Secret-0815",
    "WECHAT_TOKEN": "wechat-token-Secret-42",
    "WECHAT_APP_SECRET": "wechat-app-Secret-0123456789abcdef",
    "WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "KEFU_SECRET_KEY": "master-key-Secret-0123456789abcdefghijklmnop",
    "BOT_API_TOKEN": "bot-api-token-Secret-1234",
    "DEMO_AGENT_PASSWORD": "agent-pass-Secret-99",
    "DEMO_EDITOR_PASSWORD": "editor-pass-Secret-98",
}
URL_PASSWORDS = {"DATABASE_URL": ("postgresql://kefu:{}@127.0.0.1:5432/kefu", "db-pass-Secret-77"),
                 "REDIS_URL": ("redis://:{}@127.0.0.1:6379/0", "redis-pass-Secret-88")}


@pytest.fixture
def every_secret(monkeypatch, tmp_path):
    """The masking installed with settings that give every secret (the action server's secret
    left to be derived from the master key, as by default)."""
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("KEFU_ACTION_SECRET", raising=False)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    for name, (url, password) in URL_PASSWORDS.items():
        monkeypatch.setenv(name, url.format(password))
    factory = logging.getLogRecordFactory()
    monkeypatch.setattr(logs, "_installed", False)
    monkeypatch.setattr(logs, "_process_secrets", [])
    settings = load_settings()
    logs.install(settings.secret_values())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("kefu.test_logs.secrets")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield settings, logger, stream
    logger.removeHandler(handler)
    logging.setLogRecordFactory(factory)


def test_every_secret_setting_is_redacted_when_logged_bare(every_secret):
    """Each secret logged on its own (no ``token=`` around it for a pattern to find) shows as
    <redacted>: the list comes from the settings, so none is forgotten."""
    settings, logger, stream = every_secret
    values = {**SECRETS, **{name: password for name, (_url, password) in URL_PASSWORDS.items()},
              "KEFU_ACTION_SECRET (derived)": settings.action_secret}
    for name, value in values.items():
        logger.warning("%s is %s", name, value)
    out = stream.getvalue()
    for name, value in values.items():
        assert value not in out, name
    assert out.count("<redacted>") == len(values)


def test_every_setting_named_like_a_secret_is_declared_one():
    """A new setting called *token, *secret, *password or *key is a secret unless it is public:
    declared with ``_secret()`` it is redacted from the logs without another list to keep."""
    from dataclasses import fields

    from kefu.settings import Settings

    public = {"customer_token_public_key"}
    for field in fields(Settings):
        if any(word in field.name for word in ("token", "secret", "password", "_key")) and field.name not in public:
            assert field.metadata.get("secret"), f"Settings.{field.name} is not declared a secret"
