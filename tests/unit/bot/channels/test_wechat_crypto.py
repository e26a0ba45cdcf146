"""WeChat signatures and safe-mode encryption, checked against wechatpy (WeChat's side)."""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.channels.wechat_crypto import WeChatCipher, WeChatCryptoError, check_signature, sign

TOKEN = "kefu_token"
APP_ID = "wx0123456789abcdef"
KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")


def wechatpy_signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def test_signature_is_wechats():
    assert sign(TOKEN, "1700000000", "nonce") == wechatpy_signature(TOKEN, "1700000000", "nonce")
    assert sign(TOKEN, "1", "2", "enc") == wechatpy_signature(TOKEN, "1", "2", "enc")


def test_check_signature():
    good = wechatpy_signature(TOKEN, "1700000000", "42")
    now = 1700000000 + 30  # a push arrives within seconds of being signed
    assert check_signature(TOKEN, good, "1700000000", "42", now=now)
    assert check_signature(TOKEN, good.upper(), "1700000000", "42", now=now)
    assert not check_signature(TOKEN, good, "1700000001", "42", now=now)
    assert not check_signature("other", good, "1700000000", "42", now=now)
    assert not check_signature(TOKEN, None, "1700000000", "42", now=now)
    assert not check_signature(TOKEN, good, None, "42", now=now)
    assert not check_signature(TOKEN, "", "1700000000", "42", now=now)


def test_a_replayed_push_is_refused_however_well_signed():
    good = wechatpy_signature(TOKEN, "1700000000", "42")
    assert not check_signature(TOKEN, good, "1700000000", "42", now=1700000000 + 3600)  # an hour later
    assert not check_signature(TOKEN, good, "1700000000", "42", now=1700000000 - 3600)  # from the future
    assert not check_signature(TOKEN, wechatpy_signature(TOKEN, "soon", "42"), "soon", "42", now=1700000000)


def test_our_encryption_opens_with_wechatpy_and_theirs_with_ours():
    cipher = WeChatCipher(KEY, APP_ID)
    message = "<xml><Content><![CDATA[你好，明镜商城]]></Content></xml>"
    key = base64.b64decode(KEY + "=")
    assert PrpCrypto(key).decrypt(cipher.encrypt(message), APP_ID) == message

    envelope = WeChatCrypto(TOKEN, KEY, APP_ID).encrypt_message(message, "nonce", "1700000000")
    encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert cipher.decrypt(encrypt) == message


def test_encryption_is_randomised():
    cipher = WeChatCipher(KEY, APP_ID)
    assert cipher.encrypt("same") != cipher.encrypt("same")


def test_message_for_another_app_is_refused():
    theirs = WeChatCipher(KEY, "wxanotherappid0000")
    with pytest.raises(WeChatCryptoError, match="another AppID"):
        WeChatCipher(KEY, APP_ID).decrypt(theirs.encrypt("<xml/>"))


@pytest.mark.parametrize("encrypted", ["not base64!!", base64.b64encode(b"short").decode(),
                                       base64.b64encode(b"\x00" * 32).decode(), ""])
def test_garbage_is_refused(encrypted):
    with pytest.raises(WeChatCryptoError):
        WeChatCipher(KEY, APP_ID).decrypt(encrypted)


def test_wrong_key_is_refused():
    other = base64.b64encode(bytes(range(1, 33))).decode().rstrip("=")
    with pytest.raises(WeChatCryptoError):
        WeChatCipher(other, APP_ID).decrypt(WeChatCipher(KEY, APP_ID).encrypt("<xml>x</xml>"))


@pytest.mark.parametrize("key", ["", "short", KEY + "A", "!" * 43])
def test_malformed_key_is_refused_with_the_variable_named(key):
    with pytest.raises(WeChatCryptoError, match="WECHAT_ENCODING_AES_KEY"):
        WeChatCipher(key, APP_ID)
