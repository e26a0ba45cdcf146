"""Kefu's Rasa input/output channels: REST, site widget (Socket.IO), Telegram, WeChat.

``credentials.yml`` lists the always-on channels (REST, the widget's Socket.IO). The launcher
writes the file the Rasa server actually reads (``var/credentials.yml``): those channels plus
Telegram and WeChat when their environment variables are set (:func:`runtime_credentials`).
The file holds no secrets; the channels read them from the environment.

Sender ids by channel (:mod:`bot.channels.senders`): REST — what the caller sends, except
another channel's; widget — ``web:<id>`` of a server-issued session; Telegram —
``tg:<chat id>``; WeChat — ``wx:<OpenID>``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from kefu.settings import Settings

TELEGRAM = "bot.channels.telegram.TelegramInput"
WECHAT = "bot.channels.wechat.WeChatInput"


def optional_channels(settings: Settings, *, telegram_polling: bool = True) -> tuple[dict[str, Any], list[str]]:
    """The Telegram/WeChat entries to add to the credentials, and notes on each channel's state.

    Args:
        telegram_polling: in ``TELEGRAM_MODE=polling``, whether this server polls (only one
            server may poll a bot; other replicas still send agent messages).

    Returns:
        ``(entries, notes)``: credentials entries keyed by class path; one line per channel
        saying whether it is on, and what to set when it is off or misconfigured.
    """
    entries: dict[str, Any] = {}
    notes: list[str] = []
    if not settings.telegram_token:
        notes.append("Telegram: off (set TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET to enable it)")
    elif settings.telegram_mode == "polling":
        entries[TELEGRAM] = {"poll": telegram_polling}
        notes.append("Telegram: on, polling the Bot API (TELEGRAM_MODE=polling, for local development)")
    elif not settings.telegram_webhook_secret:
        notes.append("Telegram: OFF: TELEGRAM_WEBHOOK_SECRET is required in webhook mode "
                     "(or set TELEGRAM_MODE=polling for local development)")
    else:
        entries[TELEGRAM] = {}
        notes.append(f"Telegram: on, webhook http://<public host>:{settings.bot_port}/webhooks/telegram/webhook")

    if not settings.wechat_token:
        notes.append("WeChat: off (set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET to enable it)")
    else:
        problem = _wechat_problem(settings)
        if problem:
            notes.append(f"WeChat: OFF: {problem}")
        else:
            entries[WECHAT] = {}
            if not settings.wechat_encoding_aes_key:
                mode = "plaintext mode"
            elif settings.wechat_require_encryption:
                mode = "safe mode, plaintext pushes refused"
            else:
                mode = "safe mode, plaintext pushes accepted too: WECHAT_REQUIRE_ENCRYPTION=off"
            line = f"WeChat: on ({mode}), server URL http://<public host>:{settings.bot_port}/webhooks/wechat/webhook"
            if not (settings.wechat_app_id and settings.wechat_app_secret):
                line += " — without WECHAT_APP_ID/WECHAT_APP_SECRET only quick replies reach followers"
            notes.append(line)
    return entries, notes


def _wechat_problem(settings: Settings) -> str | None:
    if settings.wechat_require_encryption and not settings.wechat_encoding_aes_key:
        return "WECHAT_REQUIRE_ENCRYPTION=on needs WECHAT_ENCODING_AES_KEY (safe mode)"
    if not settings.wechat_encoding_aes_key:
        return None
    from bot.channels.wechat_crypto import WeChatCipher, WeChatCryptoError

    if not settings.wechat_app_id:
        return "safe mode (WECHAT_ENCODING_AES_KEY) needs WECHAT_APP_ID"
    try:
        WeChatCipher(settings.wechat_encoding_aes_key, settings.wechat_app_id)
    except WeChatCryptoError as error:
        return str(error)
    return None


def runtime_credentials(settings: Settings, *, telegram_polling: bool = True) -> dict[str, Any]:
    """``credentials.yml`` plus the enabled optional channels."""
    base_path = settings.root / "credentials.yml"
    base = yaml.safe_load(base_path.read_text(encoding="utf-8")) or {}
    entries, _notes = optional_channels(settings, telegram_polling=telegram_polling)
    return {**base, **entries}


def write_runtime_credentials(settings: Settings, path: Path, *, telegram_polling: bool = True) -> Path:
    """Writes :func:`runtime_credentials` to ``path`` (replacing it atomically); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    content = yaml.safe_dump(runtime_credentials(settings, telegram_polling=telegram_polling),
                             sort_keys=False, allow_unicode=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("# Written by the launcher from credentials.yml and the environment; do not edit.\n"
                         + content, encoding="utf-8")
    os.replace(temporary, path)
    return path
