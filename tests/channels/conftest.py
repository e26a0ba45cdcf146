"""The helpers that play Telegram's and WeChat's side (updates, signed and encrypted pushes) for
the stack with Telegram and WeChat switched on against local fakes of their APIs
(``channels_stack``, ``telegram``, ``wechat`` in tests/conftest.py: tests/security uses them too),
and a shopper's browser."""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.parse
import uuid
from typing import Any

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from tests.fakes import wait_for
from tests.stack import Stack, http

TELEGRAM_TOKEN = "123456789:AAkefu-test-token"
TELEGRAM_SECRET = "kefu-webhook-secret-0123456789"
WECHAT_TOKEN = "kefu_wechat_token"
WECHAT_APP_ID = "wx0123456789abcdef"
WECHAT_APP_SECRET = "kefu-app-secret-0123456789abcdef"
WECHAT_AES_KEY = base64.b64encode(b"k" * 16 + b"e" * 16).decode().rstrip("=")
WECHAT_ACCOUNT = "gh_kefu_demo"


def unique_id() -> int:
    return int(uuid.uuid4().int % 10**9) + 10**9


def user_texts(stack: Stack, sender: str) -> list[str]:
    """What the customer said in a conversation, from Rasa's tracker."""
    return [e.get("text") for e in stack.tracker(sender).get("events", []) if e.get("event") == "user"]


def user_events(stack: Stack, sender: str, count: int) -> list[dict[str, Any]]:
    """The customer's messages in Rasa's tracker once it holds ``count`` of them (Rasa stores the
    tracker just after the replies have gone out, so a test that saw the reply may have to wait)."""
    def stored() -> list[dict[str, Any]] | None:
        events = [e for e in stack.tracker(sender).get("events", []) if e.get("event") == "user"]
        return events if len(events) >= count else None

    return wait_for(stored, timeout=10)


def push_to(stack: Stack, sender: str, event: dict[str, Any]) -> None:
    """Sends a message outside a reply as the handoff service does (docs/design.md)."""
    query = f"output_channel=latest&execute_side_effects=true&token={stack.token}"
    status, body = http("POST", f"{stack.bot_url}/conversations/{sender}/tracker/events?{query}", event)
    assert status == 200, (status, body)


# -- Telegram's side ----------------------------------------------------------
class TelegramSide:
    """Builds updates as Telegram does and posts them to the webhook."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.update_ids = iter(range(unique_id(), 10**12))

    def user(self, chat_id: int, language_code: str = "zh-hans") -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "顾客", "language_code": language_code}

    def message(self, chat_id: int, *, text: str | None = None, language_code: str = "zh-hans",
                update_id: int | None = None, **content: Any) -> dict[str, Any]:
        message = {"message_id": unique_id() % 100000, "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private"}, "from": self.user(chat_id, language_code)}
        if text is not None:
            message["text"] = text
        message.update(content)
        return {"update_id": update_id or next(self.update_ids), "message": message}

    def button_press(self, chat_id: int, data: str) -> dict[str, Any]:
        return {"update_id": next(self.update_ids), "callback_query": {
            "id": str(unique_id()), "from": self.user(chat_id), "chat_instance": "ci", "data": data,
            "message": {"message_id": 7, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                        "text": "…"}}}

    def post(self, update: dict[str, Any], *, secret: str | None = TELEGRAM_SECRET) -> tuple[int, Any, float]:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        started = time.monotonic()
        status, body = http("POST", f"{self.stack.bot_url}/webhooks/telegram/webhook", update, headers=headers)
        return status, body, time.monotonic() - started


# -- WeChat's side ------------------------------------------------------------
def wechat_text(openid: str, content: str, *, msg_id: int | None = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or unique_id()}</MsgId></xml>")


def wechat_message(openid: str, msg_type: str, body: str = "", *, msg_id: int | None = None) -> str:
    ident = "" if msg_type == "event" else f"<MsgId>{msg_id or unique_id()}</MsgId>"
    return (f"<xml><ToUserName><![CDATA[{WECHAT_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
            f"{body}{ident}</xml>")


def new_openid() -> str:
    return "o" + base64.urlsafe_b64encode(os.urandom(20)).decode().rstrip("=")[:27]


def wechat_signature(*parts: str) -> str:
    """WeChat's signature, computed with wechatpy (independently of Kefu's code)."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class WeChatSide:
    """Pushes messages as WeChat's servers do: signed with the token and, unless ``plain``, in safe
    mode (encrypted, ``encrypt_type=aes``, signed by ``msg_signature``), as WeChat does for an
    account with an EncodingAESKey."""

    def __init__(self, stack: Stack, *, port: int | None = None) -> None:
        self.stack = stack
        self.crypto = WeChatCrypto(WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)
        self.url = f"http://127.0.0.1:{port or stack.bot_port}/webhooks/wechat/webhook"

    def query(self, *, token: str = WECHAT_TOKEN, **extra: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), str(unique_id())
        return {"signature": wechat_signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
                **extra}

    def post(self, xml: str | bytes, *, query: dict[str, str] | None = None, timeout: float = 30,
             plain: bool = False) -> tuple[int, str, float]:
        """Posts a push; returns status, body and seconds taken.

        Without ``query`` the push is signed afresh and, unless ``plain``, encrypted (the reply,
        when encrypted, is returned opened); with ``query`` the body is posted as it is.
        """
        if query is None and not plain:
            started = time.monotonic()
            status, body, _query = self.post_encrypted(xml if isinstance(xml, str) else xml.decode("utf-8"),
                                                        timeout=timeout)
            if status == 200 and body.startswith("<xml><Encrypt>"):
                body = self.open_reply(body)
            return status, body, time.monotonic() - started
        params = query if query is not None else self.query()
        started = time.monotonic()
        status, body = http("POST", f"{self.url}?{urllib.parse.urlencode(params)}",
                            raw=xml if isinstance(xml, bytes) else xml.encode("utf-8"),
                            headers={"Content-Type": "text/xml"}, timeout=timeout)
        return status, body if isinstance(body, str) else json.dumps(body), time.monotonic() - started

    def post_encrypted(self, xml: str, *, timeout: float = 30) -> tuple[int, str, dict[str, str]]:
        """An encrypted push (safe mode); returns status, body and the query used."""
        timestamp, nonce = str(int(time.time())), str(unique_id())
        envelope = self.crypto.encrypt_message(xml, nonce, timestamp)
        encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        query = {"signature": wechat_signature(WECHAT_TOKEN, timestamp, nonce), "timestamp": timestamp,
                 "nonce": nonce, "encrypt_type": "aes",
                 "msg_signature": wechat_signature(WECHAT_TOKEN, timestamp, nonce, encrypt)}
        status, body, _elapsed = self.post(envelope, query=query, timeout=timeout)
        return status, body, query

    def open_reply(self, body: str) -> str:
        """Decrypts an encrypted reply as WeChat does (checking its signature)."""
        import xmltodict
        from wechatpy.utils import to_text

        fields = xmltodict.parse(body)["xml"]
        return to_text(self.crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]))


def reply_fields(xml: str) -> dict[str, str]:
    """The fields of a passive reply (parsed with the standard library; the reply is ours)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    return {child.tag: child.text or "" for child in root}


# -- a shopper's browser -------------------------------------------------------
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright.

    Module-scoped on purpose: Playwright's sync API keeps an event loop running in the main thread
    while it is open, which would break every later asyncio test of the session.
    """
    from playwright.sync_api import sync_playwright

    if not os.path.exists("/usr/bin/chromium"):
        pytest.fail("Chromium is not installed at /usr/bin/chromium (make test installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shopper(browser):
    """A fresh browser profile (empty localStorage); its page errors fail the test."""
    # Playwright's string wait_for_function needs 'unsafe-eval'; tests/security/test_csp_browser.py checks the CSP.
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors
