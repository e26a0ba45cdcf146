"""Whose a sender id is: each channel's conversations live in a namespace of their own.

A conversation (Rasa's tracker, the handoff's ``sender_id``, analytics) is keyed by its sender id,
and whoever can write with a sender id speaks in that conversation and gets its replies. So each
channel's ids can be used only through that channel:

| channel | sender id | chosen by |
|---|---|---|
| Telegram | ``tg:<chat id>`` | Telegram (the chat of an update signed with the webhook secret) |
| WeChat | ``wx:<OpenID>`` | WeChat (the sender of a signed push) |
| site widget | ``web:<id>`` | the server (:mod:`bot.channels.widget_sessions`) |
| REST | any other id | the caller |

Before widget sessions were issued by the server, a widget conversation was keyed by 32 hex
characters the browser made up (:data:`LEGACY_WIDGET_ID`); REST may not use that shape either,
so such conversations, still in the tracker store, stay out of a REST caller's reach.

The prefixes are the channels' own (``bot.channels.telegram_format.SENDER_PREFIX``,
``bot.channels.wechat.SENDER_PREFIX``; a unit test keeps them equal), repeated here so that the
REST channel does not import the messengers' modules.
"""

from __future__ import annotations

import re
import unicodedata

TELEGRAM_PREFIX = "tg:"
WECHAT_PREFIX = "wx:"
WIDGET_PREFIX = "web:"

#: prefix → the channel that owns the ids starting with it
RESERVED_PREFIXES = {TELEGRAM_PREFIX: "Telegram", WECHAT_PREFIX: "WeChat", WIDGET_PREFIX: "the site widget"}

#: the shape of the widget's former, browser-made session ids (``uuid4().hex``, as Rasa's channel)
LEGACY_WIDGET_ID = re.compile(r"[0-9a-fA-F]{32}")


def reserved_for(sender: str) -> str | None:
    """The channel that owns ``sender``, or ``None`` when a REST caller may use it.

    Prefixes are compared without regard to case, width or surrounding spaces (``TG:1``,
    ``ｔｇ：1``): such an id is not another channel's today, but nobody has a reason to need it.
    """
    folded = unicodedata.normalize("NFKC", sender).strip().casefold()
    for prefix, channel in RESERVED_PREFIXES.items():
        if folded.startswith(prefix):
            return channel
    if LEGACY_WIDGET_ID.fullmatch(folded):
        return "the site widget"
    return None


def reserved_problem(sender: str) -> str | None:
    """Why a REST caller may not use ``sender`` (shown to the caller), or ``None`` when it may."""
    channel = reserved_for(sender)
    if channel is None:
        return None
    folded = unicodedata.normalize("NFKC", sender).strip().casefold()
    prefix = next((p for p in RESERVED_PREFIXES if folded.startswith(p)), None)
    shape = f"ids starting with '{prefix}'" if prefix else "ids of 32 hexadecimal characters"
    return (f"'sender' is reserved: {shape} are {channel}'s conversations, and only {channel} can speak "
            f"in them. A REST caller speaks only for its own conversations; use an id of your own "
            f"(for example 'shop-user-42').")
