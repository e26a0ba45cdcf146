"""Sub-keys derived from the one master key (``KEFU_SECRET_KEY``), one per purpose.

A key that signs one kind of credential never signs another: the key a shop's storefront uses
for customer tokens cannot mint a staff token, a widget session id signed for the widget is no
action-server secret. Each sub-key is ``HMAC-SHA256(master, "kefu/<purpose>/v1")`` (the HKDF
"expand" step with a one-block output), so knowing one sub-key tells nothing of the master or
of the others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

#: Signs staff session tokens (JWT HS256); never leaves the Kefu processes.
STAFF_TOKENS = "staff-tokens"
#: Signs and checks customer tokens (JWT HS256) when the shop configures no key of its own.
CUSTOMER_TOKENS = "customer-tokens"
#: Signs the widget's server-issued session ids.
WIDGET_SESSIONS = "widget-sessions"
#: The header the Rasa servers send to the action server.
ACTION_SERVER = "action-server"
#: Tags the callback data of Telegram buttons the bot sent.
TELEGRAM_CALLBACKS = "telegram-callbacks"

PURPOSES = (STAFF_TOKENS, CUSTOMER_TOKENS, WIDGET_SESSIONS, ACTION_SERVER, TELEGRAM_CALLBACKS)

#: The master key must carry at least this many bytes (256 bits).
MIN_MASTER_BYTES = 32


def derive_key(master: str | bytes, purpose: str) -> bytes:
    """The 32-byte sub-key of ``master`` for ``purpose`` (one of :data:`PURPOSES`)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown key purpose {purpose!r}; use one of {', '.join(PURPOSES)}")
    secret = master.encode("utf-8") if isinstance(master, str) else master
    return hmac.new(secret, f"kefu/{purpose}/v1".encode("ascii"), hashlib.sha256).digest()


def derive_text(master: str | bytes, purpose: str) -> str:
    """:func:`derive_key` as URL-safe base64 text (43 characters), for headers and config files."""
    return base64.urlsafe_b64encode(derive_key(master, purpose)).rstrip(b"=").decode("ascii")
