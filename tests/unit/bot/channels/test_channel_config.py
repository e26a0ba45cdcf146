"""Which channels the Rasa server gets: credentials.yml plus the ones configured by environment."""

from __future__ import annotations

import base64
import dataclasses

import pytest

from bot.channels import TELEGRAM, WECHAT, optional_channels, runtime_credentials, write_runtime_credentials
from kefu.settings import ROOT, Settings

AES_KEY = base64.b64encode(b"x" * 32).decode().rstrip("=")


def settings(tmp_path, **values) -> Settings:
    base = Settings(root=ROOT, var_dir=tmp_path, bot_port=5005, actions_port=5055, web_port=8000,
                    database_url=f"sqlite:///{tmp_path / 'app.db'}", redis_url=None)
    return dataclasses.replace(base, **values)


def test_nothing_configured_means_rest_and_widget_only(tmp_path):
    credentials = runtime_credentials(settings(tmp_path))
    assert set(credentials) == {"bot.channels.rest.KefuRestInput", "bot.channels.widget.KefuSocketIOInput"}
    assert credentials["bot.channels.widget.KefuSocketIOInput"]["session_persistence"] is True
    notes = optional_channels(settings(tmp_path))[1]
    assert any(n.startswith("Telegram: off") for n in notes) and any(n.startswith("WeChat: off") for n in notes)


def test_telegram_webhook_needs_its_secret(tmp_path):
    entries, notes = optional_channels(settings(tmp_path, telegram_token="1:x"))
    assert TELEGRAM not in entries
    assert any("TELEGRAM_WEBHOOK_SECRET is required" in n for n in notes)
    entries, _ = optional_channels(settings(tmp_path, telegram_token="1:x", telegram_webhook_secret="s"))
    assert entries[TELEGRAM] == {}


def test_telegram_polling_needs_no_secret_and_one_poller(tmp_path):
    polling = settings(tmp_path, telegram_token="1:x", telegram_mode="polling")
    assert optional_channels(polling)[0][TELEGRAM] == {"poll": True}
    assert optional_channels(polling, telegram_polling=False)[0][TELEGRAM] == {"poll": False}


def test_wechat(tmp_path):
    entries, notes = optional_channels(settings(tmp_path, wechat_token="t", wechat_app_id="wx1", wechat_app_secret="s"))
    assert entries[WECHAT] == {} and any("WeChat: on (plaintext mode)" in n for n in notes)
    entries, notes = optional_channels(settings(tmp_path, wechat_token="t"))
    assert WECHAT in entries and any("only quick replies" in n for n in notes)
    entries, notes = optional_channels(settings(tmp_path, wechat_token="t", wechat_app_id="wx1",
                                                wechat_encoding_aes_key=AES_KEY))
    assert WECHAT in entries and any("safe mode" in n for n in notes)


def test_wechat_safe_mode_notes_say_whether_plaintext_is_refused(tmp_path):
    base = {"wechat_token": "t", "wechat_app_id": "wx1", "wechat_encoding_aes_key": AES_KEY}
    notes = optional_channels(settings(tmp_path, **base, wechat_require_encryption=True))[1]
    assert any("safe mode, plaintext pushes refused" in n for n in notes)
    notes = optional_channels(settings(tmp_path, **base, wechat_require_encryption=False))[1]
    assert any("plaintext pushes accepted too" in n for n in notes)


@pytest.mark.parametrize("values, problem", [
    ({"wechat_encoding_aes_key": AES_KEY}, "needs WECHAT_APP_ID"),
    ({"wechat_require_encryption": True}, "WECHAT_REQUIRE_ENCRYPTION=on needs WECHAT_ENCODING_AES_KEY"),
    ({"wechat_encoding_aes_key": "too-short", "wechat_app_id": "wx1"}, "43-character"),
])
def test_misconfigured_wechat_stays_off_without_breaking_the_rest(tmp_path, values, problem):
    entries, notes = optional_channels(settings(tmp_path, wechat_token="t", **values))
    assert WECHAT not in entries
    assert any(problem in n for n in notes)


def test_written_file_is_read_by_rasa_and_holds_no_secrets(tmp_path):
    from rasa.shared.utils.io import read_config_file

    configured = settings(tmp_path, telegram_token="123:SECRET-TOKEN", telegram_webhook_secret="WEBHOOK-SECRET",
                          wechat_token="WX-TOKEN", wechat_app_id="wx1", wechat_app_secret="APP-SECRET")
    path = write_runtime_credentials(configured, tmp_path / "credentials.yml")
    text = path.read_text()
    assert not any(secret in text for secret in ("SECRET-TOKEN", "WEBHOOK-SECRET", "WX-TOKEN", "APP-SECRET"))
    channels = read_config_file(str(path))
    assert set(channels) == {"bot.channels.rest.KefuRestInput", "bot.channels.widget.KefuSocketIOInput",
                             TELEGRAM, WECHAT}


def test_channels_are_built_from_the_environment(monkeypatch, tmp_path):
    """What the Rasa server does with the file: each class reads its secrets from the settings."""
    from bot.channels.telegram import TelegramInput
    from bot.channels.wechat import WeChatInput

    monkeypatch.setenv("TELEGRAM_TOKEN", "123:abc")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("WECHAT_TOKEN", "wxtoken")
    monkeypatch.setenv("WECHAT_APP_ID", "wx1")
    monkeypatch.setenv("WECHAT_APP_SECRET", "appsecret")
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", AES_KEY)
    monkeypatch.setenv("KEFU_SECRET_KEY", "m" * 32)  # the callback tags' key is derived from it
    telegram = TelegramInput.from_credentials({})
    assert telegram.name() == "telegram" and telegram.webhook_secret == "s3cret" and not telegram.polling
    assert telegram.bot.base_url.startswith("http://127.0.0.1:9/bot")
    assert TelegramInput.from_credentials({"mode": "polling", "poll": False}).polling is False
    assert TelegramInput.from_credentials({"mode": "polling"}).polling is True
    wechat = WeChatInput.from_credentials(None)
    assert wechat.name() == "wechat" and wechat.cipher is not None and wechat.client is not None
    assert wechat.require_encryption  # an EncodingAESKey means plaintext pushes are refused ...
    monkeypatch.setenv("WECHAT_REQUIRE_ENCRYPTION", "off")
    assert not WeChatInput.from_credentials(None).require_encryption  # ... unless switched off


def test_launcher_hands_the_runtime_file_to_every_replica(monkeypatch, tmp_path):
    from bot import launcher

    monkeypatch.setenv("BOT_API_TOKEN", "t")
    monkeypatch.setenv("KEFU_SECRET_KEY", "k" * 32)
    configured = settings(tmp_path, bot_replicas=2, telegram_token="1:x", telegram_mode="polling")
    rasa = [s for s in launcher.services(configured, tmp_path / "model.tar.gz") if s.name.startswith("rasa")]
    files = [s.command[s.command.index("--credentials") + 1] for s in rasa]
    assert files == [str(tmp_path / "credentials.yml"), str(tmp_path / "credentials-replica.yml")]
    from rasa.shared.utils.io import read_config_file

    assert read_config_file(files[0])[TELEGRAM] == {"poll": True}
    assert read_config_file(files[1])[TELEGRAM] == {"poll": False}
