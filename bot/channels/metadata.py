"""The message metadata a channel accepts from customers: a few known keys, capped in size.

Metadata travels with every message into Rasa's tracker and the event broker, and actions read
it, so only what Kefu uses is let through (:data:`METADATA_KEYS`), at most
:data:`MAX_METADATA_BYTES` of JSON:

* ``customer_token`` — the shop's signed customer token (a logged-in shopper); passed on only
  when its signature and expiry check out (:func:`customer_token_valid`);
* ``locale`` — the page's language tag (``zh-CN``, ``en``);
* ``product_sku`` — the product the shopper is looking at on the storefront's product page (shaped
  like a SKU here; the product action checks it against the catalogue and uses it only as the
  product in focus, "这款" on that page — never for access to anything).

The REST channel refuses anything else with a 400 naming the key or the size
(:func:`checked_metadata`: its callers are integrators' servers, who want to know); the widget
drops it silently (:func:`cleaned_metadata`: its callers are browsers).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from kefu.settings import Settings
from kefu.tokens import CustomerTokens, customer_tokens

logger = logging.getLogger(__name__)

#: The metadata keys customers' messages may carry (every channel's one list).
METADATA_KEYS = ("customer_token", "locale", "product_sku")
#: The most metadata a message may carry, in bytes of compact UTF-8 JSON.
MAX_METADATA_BYTES = 4096

_LOCALE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,4}")
_SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


class MetadataError(ValueError):
    """Metadata the REST channel refuses; the message names the key or the size (shown to the caller)."""


def customer_token_key(settings: Settings) -> CustomerTokens:
    """The verifier customer tokens are checked with (the one place the channels take it from).

    Raises:
        SettingsError: when no key is configured or the shop's public key is unusable.
    """
    return customer_tokens(settings)


def customer_token_valid(token: object, key: CustomerTokens | None) -> bool:
    """Whether ``token`` is a customer token the verifier accepts (signature, claims, expiry)."""
    return key is not None and key.read(token) is not None


def metadata_size(metadata: Any) -> int:
    """Bytes of ``metadata`` as compact UTF-8 JSON."""
    return len(json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _problem(key: str, value: Any, customer_key: CustomerTokens | None) -> str | None:
    if key not in METADATA_KEYS:
        return (f"'metadata' key {key!r} is not accepted; a message's metadata may hold only "
                f"{', '.join(repr(k) for k in METADATA_KEYS)}")
    if key == "customer_token" and not customer_token_valid(value, customer_key):
        return ("'metadata.customer_token' is not a valid customer token (a bad signature, or past its "
                "expiry); send none for an anonymous shopper")
    if key == "locale" and not (isinstance(value, str) and len(value) <= 35 and _LOCALE.fullmatch(value)):
        return "'metadata.locale' must be a language tag such as 'zh-CN' or 'en'"
    if key == "product_sku" and not (isinstance(value, str) and _SKU.fullmatch(value)):
        return "'metadata.product_sku' must be a product SKU such as 'LM-AP-001' (letters, digits, '-', '_')"
    return None


def checked_metadata(metadata: Any, customer_key: CustomerTokens | None) -> dict[str, Any]:
    """REST: ``metadata`` when every key is known and valid and it is small enough.

    Raises:
        MetadataError: naming the size, or the first key that is unknown or invalid.
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise MetadataError("'metadata' must be a JSON object when given")
    size = metadata_size(metadata)
    if size > MAX_METADATA_BYTES:
        raise MetadataError(f"'metadata' is {size} bytes of JSON; at most {MAX_METADATA_BYTES} are accepted")
    for key, value in metadata.items():
        problem = _problem(key, value, customer_key)
        if problem:
            raise MetadataError(problem)
    return dict(metadata)


def cleaned_metadata(raw: Any, customer_key: CustomerTokens | None) -> dict[str, Any]:
    """Widget: the known, valid keys of ``raw`` (a dict or its JSON text); the rest is dropped."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    if not isinstance(raw, dict):
        return {}
    try:
        if metadata_size(raw) > MAX_METADATA_BYTES:
            logger.info("widget: oversized message metadata dropped")
            return {}
    except (TypeError, ValueError):
        return {}
    kept = {}
    for key, value in raw.items():
        if _problem(key, value, customer_key) is None:
            kept[key] = value
        elif key == "customer_token":
            logger.info("widget: a customer token with a bad signature or past its expiry was dropped")
    return kept
