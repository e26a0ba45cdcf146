"""Signatures and safe-mode encryption of WeChat Official Account messages (pure functions).

WeChat signs every push with the account's token: ``signature = sha1(sorted(token, timestamp,
nonce))``; in safe mode (安全模式) the body carries an ``Encrypt`` element and the query a
``msg_signature = sha1(sorted(token, timestamp, nonce, Encrypt))``.

Encrypted payloads are AES-256-CBC with the key ``base64(EncodingAESKey + "=")`` and the first
16 key bytes as IV, PKCS#7-padded to 32-byte blocks; the plaintext is
``16 random bytes | 4-byte big-endian length | message | AppID``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class WeChatCryptoError(ValueError):
    """An encrypted message cannot be opened (wrong key, corrupted, or meant for another AppID)."""


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


#: A signed request older or newer than this (seconds) is refused: a captured push cannot be
#: replayed later. WeChat stamps each push (and each retry) with the current time.
MAX_CLOCK_SKEW = 600


def check_signature(token: str, signature: str | None, timestamp: str | None, nonce: str | None,
                    *extra: str, now: float | None = None) -> bool:
    """True when ``signature`` signs ``token``, ``timestamp``, ``nonce`` (and ``extra``, e.g. Encrypt)
    and ``timestamp`` is within :data:`MAX_CLOCK_SKEW` of ``now``."""
    if not signature or timestamp is None or nonce is None:
        return False
    try:
        age = (time.time() if now is None else now) - int(timestamp)
    except ValueError:
        return False
    if abs(age) > MAX_CLOCK_SKEW:
        return False
    expected = sign(token, timestamp, nonce, *extra)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


def _pad(data: bytes) -> bytes:
    amount = BLOCK - len(data) % BLOCK
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    if not data:
        raise WeChatCryptoError("empty plaintext")
    amount = data[-1]
    if not 1 <= amount <= BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise WeChatCryptoError("bad padding (wrong EncodingAESKey?)")
    return data[:-amount]


class WeChatCipher:
    """Encrypts and decrypts safe-mode messages of one Official Account."""

    def __init__(self, encoding_aes_key: str, app_id: str) -> None:
        """
        Args:
            encoding_aes_key: the 43-character EncodingAESKey from the account's settings.
            app_id: the account's AppID; a decrypted message must name it.

        Raises:
            WeChatCryptoError: when the key is not 43 characters of base64 (32 bytes).
        """
        try:
            key = base64.b64decode(encoding_aes_key.strip() + "=", validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(encoding_aes_key.strip()) != 43 or len(key) != 32:
            raise WeChatCryptoError("WECHAT_ENCODING_AES_KEY must be the 43-character EncodingAESKey")
        self._key = key
        self.app_id = app_id

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, message: str, *, random_prefix: bytes | None = None) -> str:
        """Returns the base64 ``Encrypt`` value for ``message``."""
        body = message.encode("utf-8")
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = _pad(prefix + struct.pack(">I", len(body)) + body + self.app_id.encode("utf-8"))
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """Returns the message inside a base64 ``Encrypt`` value.

        Raises:
            WeChatCryptoError: when it is not valid base64/AES, the padding or length is wrong,
                or the message belongs to another AppID.
        """
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise WeChatCryptoError("Encrypt is not base64") from None
        if not raw or len(raw) % 16:
            raise WeChatCryptoError("Encrypt has the wrong length")
        decryptor = self._cipher().decryptor()
        plain = _unpad(decryptor.update(raw) + decryptor.finalize())
        if len(plain) < 20:
            raise WeChatCryptoError("plaintext too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, app_id = plain[20 : 20 + length], plain[20 + length :]
        if len(body) != length:
            raise WeChatCryptoError("message length does not match")
        if not hmac.compare_digest(app_id, self.app_id.encode("utf-8")):
            raise WeChatCryptoError("the message is for another AppID")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise WeChatCryptoError("message is not UTF-8") from None
