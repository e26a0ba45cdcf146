"""Logging of every Kefu process: personal data masked, secrets redacted, Rasa kept quiet.

:func:`install` (called first thing by the Rasa server, the action server and the web app)
replaces the log record factory, so that every record, of whichever logger and whichever handler
prints it later, has its message (with JSON ``\\u`` escapes written out, as in Rasa's structured
lines that quote a customer's text) already passed through :func:`kefu.privacy.mask_pii` (phone
numbers, ID numbers, e-mail and street addresses) and :func:`redact` (the values of the secrets
the process's settings name, ``token=`` / ``secret=`` / ``password=`` query parameters and JWTs). A record
factory rather than a handler filter: Rasa, rasa-sdk and Sanic each add their own handlers.

It also raises the loggers that would print a customer's words at INFO to WARNING, and ignores
the warnings known to come from third-party code, each by its message (:mod:`kefu.known_warnings`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from kefu.privacy import mask_pii

_QUERY_SECRET = re.compile(r"(?i)\b((?:access_)?token|secret|appsecret|password|passwd)=([^&\s\"',)]+)")
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@/\s]+)(@)")
_TELEGRAM_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b")
#: A JSON Web Token (customer and staff tokens): base64url header "eyJ...", payload, signature.
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")

#: Loggers that print message text (or every request) at INFO.
QUIET = ("rasa.core.processor", "rasa.core.actions.action", "rasa.core.policies", "rasa.shared.utils.io",
         "rasa.core.lock_store", "sanic.access", "tensorflow", "httpx", "httpcore", "urllib3", "aiogram")


#: The secret values of this process (:meth:`kefu.settings.Settings.secret_values`), from :func:`install`.
_process_secrets: list[str] = []


def redact(text: str, secrets: list[str] | None = None) -> str:
    """``text`` without secret values (``secrets``, else those given to :func:`install`), URL
    passwords, ``token=...`` style parameters or signed tokens (JWTs such as a customer token
    quoted from message metadata)."""
    for secret in _process_secrets if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, "<redacted>")
    text = _QUERY_SECRET.sub(r"\1=<redacted>", text)
    text = _URL_PASSWORD.sub(r"\1<redacted>\3", text)
    text = _JWT.sub("<redacted>", text)
    return _TELEGRAM_TOKEN.sub("<redacted>", text)


#: A JSON ``\\uXXXX`` escape (a surrogate pair first): Rasa's structured log lines quote what a
#: customer typed as JSON, Chinese included, where no pattern would recognise an address.
_JSON_ESCAPE = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u([0-9a-f]{4})", re.IGNORECASE)


def _unescaped(match: re.Match[str]) -> str:
    if match.group(3) is None:
        code = 0x10000 + ((int(match.group(1), 16) - 0xD800) << 10) + int(match.group(2), 16) - 0xDC00
    else:
        code = int(match.group(3), 16)
    char = chr(code) if not 0xD800 <= code <= 0xDFFF else ""
    # control, format (bidi overrides) and quoting characters stay escaped: no forged log lines
    return char if char.isprintable() and char not in "\"\\" else match.group(0)


def readable(text: str) -> str:
    """``text`` with the JSON escapes of printable characters written out (``\\u9999\\u6e2f`` →
    香港), so that personal data inside JSON can be masked."""
    return _JSON_ESCAPE.sub(_unescaped, text) if "\\u" in text else text


def clean(text: str, secrets: list[str] | None = None) -> str:
    """A log line as Kefu writes it: JSON escapes written out, personal data masked, secrets
    redacted."""
    return mask_pii(redact(readable(text), secrets)) or text


_installed = False


def install(secret_values: Iterable[str] = ()) -> None:
    """Masks every log record of this process from now on (idempotent).

    Args:
        secret_values: the values never to show, longest first (the process's settings give
            them: :meth:`kefu.settings.Settings.secret_values`).
    """
    global _installed
    if _installed:
        return
    _installed = True
    secrets = sorted({value for value in secret_values if len(value) >= 6}, key=len, reverse=True)
    _process_secrets[:] = secrets
    make_record = logging.getLogRecordFactory()

    def masking_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string (any error): leave it to logging to report
            return record
        cleaned = clean(message, secrets)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            # the exception's text is printed with the trace; formatted and cleaned here
            record.exc_text = clean(logging.Formatter().formatException(record.exc_info), secrets)
        return record

    logging.setLogRecordFactory(masking_record)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger(name).level))
    # The process prints any warning but those known to come from third-party code, by message.
    from kefu import known_warnings

    known_warnings.install()
