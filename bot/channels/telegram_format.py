"""Telegram specifics that need no network: sender ids, commands, long texts, inline keyboards."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.common import typed_text

#: Kefu's sender id of a Telegram chat is ``tg:<chat id>`` (channels must not share ids).
SENDER_PREFIX = "tg:"
#: Telegram refuses longer messages.
MAX_MESSAGE = 4096
#: Telegram's limit for a button's callback data.
MAX_CALLBACK_BYTES = 64


def sender_id(chat_id: int) -> str:
    return f"{SENDER_PREFIX}{chat_id}"


def chat_id(sender: str) -> int | None:
    """The chat id inside a Kefu sender id, ``None`` when it is not a Telegram one."""
    if not sender.startswith(SENDER_PREFIX):
        return None
    try:
        return int(sender[len(SENDER_PREFIX):])
    except ValueError:
        return None


def user_text(text: str, language_code: str | None) -> str:
    """What the bot reads for a typed message.

    ``/start`` and ``/help`` (Telegram's standard commands, also as ``/start@MyBot payload``)
    become a greeting in the user's language. Anything else goes through
    :func:`bot.channels.common.typed_text`: leading slashes are dropped until none is left, so
    that typed text is never read as Rasa's ``/intent{"entity": ...}`` shortcut (buttons still
    send payloads).
    """
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        words = stripped[1:].split(maxsplit=1)
        command = words[0].split("@", 1)[0].lower() if words else ""
        if command in ("start", "help"):
            language = "en" if (language_code or "").lower().startswith("en") else "zh-Hans"
            return "/greet" + json.dumps({"language": language})
    return typed_text(text)


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cuts a long text into Telegram-sized pieces, at a line break when there is one."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text or not pieces:
        pieces.append(text)
    return pieces


class CallbackPayloads:
    """Maps button payloads to Telegram callback data (at most 64 bytes) and back.

    A payload that fits is used as is; a longer one is replaced by ``#<digest>`` and
    remembered (the newest ``capacity`` of them).
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._long: OrderedDict[str, str] = OrderedDict()

    def data_for(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith("#"):
            return payload
        key = "#" + hashlib.sha1(payload.encode("utf-8")).hexdigest()[:24]
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self.capacity:
            self._long.popitem(last=False)
        return key

    def payload_for(self, data: str | None) -> str | None:
        """The payload of a pressed button; ``None`` for a forgotten long one."""
        if not data:
            return None
        if data.startswith("#"):
            return self._long.get(data)
        return data

    def keyboard(self, buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup:
        """An inline keyboard; short titles (ratings, yes/no) share rows, long ones get their own."""
        items = []
        for button in buttons:
            title = str(button.get("title") or button.get("payload"))[:64]
            if button.get("type") == "web_url" and button.get("url"):
                items.append(InlineKeyboardButton(title, url=button["url"]))
            else:
                payload = str(button.get("payload") or button.get("title"))
                items.append(InlineKeyboardButton(title, callback_data=self.data_for(payload)))
        longest = max((len(item.text) for item in items), default=0)
        width = 5 if longest <= 4 else 2 if longest <= 12 else 1
        rows = [items[i : i + width] for i in range(0, len(items), width)]
        return InlineKeyboardMarkup(rows)
