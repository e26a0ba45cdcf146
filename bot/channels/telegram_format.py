"""Telegram specifics that need no network: sender ids, commands, long texts, inline keyboards
whose callback data only the bot can make."""

from __future__ import annotations

import base64
import hashlib
import hmac
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
#: Bytes of HMAC in a button's tag (96 bits), and the tag's length in base64url characters.
TAG_BYTES = 12
TAG_CHARS = 16
#: The longest payload sent in the callback data itself (after its tag).
MAX_TAGGED_PAYLOAD = MAX_CALLBACK_BYTES - TAG_CHARS


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
    """Maps button payloads to Telegram callback data (at most 64 bytes) and back, so that only
    buttons the bot sent are accepted.

    Anyone can send the bot a ``callback_query`` with any ``data`` (a modified client, or the Bot
    API's webhook format posted by whoever knows it), so callback data is never taken at its word:

    * a payload of up to :data:`MAX_TAGGED_PAYLOAD` bytes is sent as ``<tag><payload>``, the tag
      being an HMAC (:data:`kefu.keys.TELEGRAM_CALLBACKS` sub-key) over the chat id and the
      payload, truncated to :data:`TAG_CHARS` characters: any replica holding the key checks a
      button it did not send, and a button of one chat is refused in another;
    * a longer payload is replaced by ``#<tag>`` and remembered (the newest ``capacity`` of them,
      in this process);
    * data that is neither (forged, from another chat, forgotten) gives ``None``.
    """

    def __init__(self, key: bytes, capacity: int = 10_000) -> None:
        """
        Args:
            key: the secret the tags are made with (``settings.key(keys.TELEGRAM_CALLBACKS)``),
                the same on every replica.
            capacity: long payloads remembered.
        """
        if len(key) < 16:
            raise ValueError("the callback key must have at least 16 bytes")
        self._key = key
        self.capacity = capacity
        self._long: OrderedDict[str, str] = OrderedDict()

    def _tag(self, chat: int | str, payload: str) -> str:
        mac = hmac.new(self._key, f"{chat}\n{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:TAG_BYTES]).decode("ascii")

    def data_for(self, chat: int | str, payload: str) -> str:
        """The callback data of a button with ``payload`` sent to ``chat``."""
        tag = self._tag(chat, payload)
        if len(payload.encode("utf-8")) <= MAX_TAGGED_PAYLOAD:
            return tag + payload
        key = "#" + tag
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self.capacity:
            self._long.popitem(last=False)
        return key

    def payload_for(self, chat: int | str, data: str | None) -> str | None:
        """The payload of a button pressed in ``chat``; ``None`` unless the bot sent that button
        to that chat (and, for a long payload, this process still remembers it)."""
        if not data:
            return None
        if data.startswith("#"):
            payload = self._long.get(data)
            if payload is None or not hmac.compare_digest(data[1:], self._tag(chat, payload)):
                return None
            return payload
        tag, payload = data[:TAG_CHARS], data[TAG_CHARS:]
        if not payload or not hmac.compare_digest(tag.encode("utf-8"), self._tag(chat, payload).encode("ascii")):
            return None
        return payload

    def keyboard(self, chat: int | str, buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup:
        """An inline keyboard for ``chat``; short titles (ratings, yes/no) share rows, long ones
        get their own."""
        items = []
        for button in buttons:
            title = str(button.get("title") or button.get("payload"))[:64]
            if button.get("type") == "web_url" and button.get("url"):
                items.append(InlineKeyboardButton(title, url=button["url"]))
            else:
                payload = str(button.get("payload") or button.get("title"))
                items.append(InlineKeyboardButton(title, callback_data=self.data_for(chat, payload)))
        longest = max((len(item.text) for item in items), default=0)
        width = 5 if longest <= 4 else 2 if longest <= 12 else 1
        rows = [items[i : i + width] for i in range(0, len(items), width)]
        return InlineKeyboardMarkup(rows)
