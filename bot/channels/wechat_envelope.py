"""What a WeChat push must pass before it is read: signature, safe mode, the replay cache, XML.

In order, for ``POST /webhooks/wechat/webhook``:

1. ``signature`` (token, timestamp, nonce; the timestamp within the clock-skew window) — 403.
   It covers no body, so it is checked before the body is read.
2. Safe mode required (``WECHAT_REQUIRE_ENCRYPTION``, on by default when an EncodingAESKey is
   set): a push without ``encrypt_type=aes`` is refused with 403 before its body is read; one
   whose body has no ``Encrypt`` with 400.
3. In safe mode ``msg_signature`` (which does cover the encrypted body) — 403; then decryption.
4. The replay cache (:mod:`bot.channels.wechat_replay`): a signed query already used with
   another body — 403.

XML is parsed without DTDs or entities (:mod:`bot.channels.wechat_xml`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from bot.channels.wechat_crypto import WeChatCipher, WeChatCryptoError, check_signature, sign
from bot.channels.wechat_replay import ReplayCache
from bot.channels.wechat_xml import XmlRefused, encrypted_reply, parse_message

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A push that is answered with an HTTP error (status and a short reason)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Envelope:
    """Opens and seals the pushes of one Official Account."""

    def __init__(self, token: str, cipher: WeChatCipher | None, *, require_encryption: bool,
                 replays: ReplayCache) -> None:
        """
        Args:
            token: the account's token (WECHAT_TOKEN).
            cipher: safe mode's cipher (WECHAT_ENCODING_AES_KEY), ``None`` in plaintext mode.
            require_encryption: refuse plaintext pushes (needs ``cipher``).
            replays: remembers each signed query with the digest of its body.

        Raises:
            ValueError: when encryption is required without a cipher.
        """
        if require_encryption and cipher is None:
            raise ValueError("WECHAT_REQUIRE_ENCRYPTION needs WECHAT_ENCODING_AES_KEY (safe mode)")
        self.token = token
        self.cipher = cipher
        self.require_encryption = require_encryption
        self.replays = replays

    async def open(self, args: Mapping[str, Any], body: bytes) -> tuple[dict[str, str], bool]:
        """Checks a push and returns (its fields, whether it came encrypted).

        Raises:
            Refused: 403 for a bad signature, a plaintext push where safe mode is required, or a
                replayed query; 400 for a body that is refused or unreadable.
        """
        fields, encrypted = self._open(args, body)
        signature = args.get("signature") or args.get("msg_signature") or ""
        if not await self.replays.admit(str(args.get("timestamp")), str(args.get("nonce")), signature, body):
            logger.warning("wechat: a signed query used before with another body was refused (replay)")
            raise Refused(403, "this signed request was already used for another message")
        return fields, encrypted

    def _open(self, args: Mapping[str, Any], body: bytes) -> tuple[dict[str, str], bool]:
        signature, timestamp, nonce = args.get("signature"), args.get("timestamp"), args.get("nonce")
        encrypted = (args.get("encrypt_type") or "").lower() == "aes"
        # The plain signature covers token, timestamp and nonce only: checked before the body is read.
        if (signature or not encrypted) and not check_signature(self.token, signature, timestamp, nonce):
            logger.warning("wechat: push with a bad signature refused")
            raise Refused(403, "invalid signature")
        if self.require_encryption and not encrypted:
            logger.warning("wechat: a plaintext push was refused: safe mode is required (WECHAT_REQUIRE_ENCRYPTION)")
            raise Refused(403, "plaintext pushes are refused: this account requires safe mode (encrypt_type=aes)")
        fields = _parse(body)
        if not encrypted:
            return fields, False
        encrypt = fields.get("Encrypt") or ""
        if not encrypt:
            raise Refused(400, "an encrypted push needs an Encrypt element")
        if not check_signature(self.token, args.get("msg_signature"), timestamp, nonce, encrypt):
            logger.warning("wechat: push with a bad msg_signature refused")
            raise Refused(403, "invalid msg_signature")
        if self.cipher is None:
            logger.error("wechat: an encrypted push arrived but WECHAT_ENCODING_AES_KEY is not set")
            raise Refused(400, "safe mode is not configured")
        try:
            return _parse(self.cipher.decrypt(encrypt)), True
        except WeChatCryptoError as error:
            logger.warning("wechat: encrypted push refused: %s", error)
            raise Refused(400, "cannot decrypt") from None

    def seal(self, xml: str, args: Mapping[str, Any]) -> str:
        """The safe-mode envelope of a reply."""
        assert self.cipher is not None
        timestamp = str(int(time.time()))
        nonce = str(args.get("nonce") or "kefu")
        encrypt = self.cipher.encrypt(xml)
        return encrypted_reply(encrypt=encrypt, signature=sign(self.token, timestamp, nonce, encrypt),
                               timestamp=timestamp, nonce=nonce)


def _parse(body: bytes | str) -> dict[str, str]:
    try:
        return parse_message(body)
    except XmlRefused as error:
        logger.warning("wechat: push refused: %s", error)
        raise Refused(400, "malformed or forbidden XML") from None
