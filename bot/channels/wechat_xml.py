"""WeChat message XML: safe parsing of pushes and rendering of passive replies (pure functions).

Pushes are parsed with ``defusedxml`` and any document type declaration is refused, so that
XML bombs (entity expansion) and external entities (``SYSTEM "file:///..."``) are rejected
before anything is expanded or read. WeChat never sends a DTD.
"""

from __future__ import annotations

import time

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

#: Largest push accepted; WeChat's messages are a few hundred bytes.
MAX_XML_BYTES = 64 * 1024


class XmlRefused(ValueError):
    """The body is not a WeChat message we are willing to parse; the message says why."""


def parse_message(body: bytes | str) -> dict[str, str]:
    """Returns the fields of a WeChat XML message (``<xml><ToUserName>...</xml>``) as a dict.

    Only the root's direct children are read; their text is kept as sent (``Content`` may carry
    spaces and new lines that matter).

    Raises:
        XmlRefused: for a too-large body, malformed XML, any DTD or entity declaration, or a
            root element other than ``<xml>``.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > MAX_XML_BYTES:
        raise XmlRefused(f"body larger than {MAX_XML_BYTES} bytes")
    if not raw.strip():
        raise XmlRefused("empty body")
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise XmlRefused(f"forbidden XML construct ({type(error).__name__})") from None
    except SafeET.ParseError as error:
        raise XmlRefused(f"malformed XML: {error}") from None
    if root.tag != "xml":
        raise XmlRefused("the root element must be <xml>")
    return {child.tag: child.text or "" for child in root if isinstance(child.tag, str) and len(child) == 0}


def cdata(text: str) -> str:
    """``text`` as CDATA; a ``]]>`` inside is split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(*, to_user: str, from_user: str, content: str, create_time: int | None = None) -> str:
    """A passive text reply (被动回复文本消息) to ``to_user`` (the follower's OpenID)."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time or time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )


def encrypted_reply(*, encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """The safe-mode envelope around an encrypted reply."""
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )
