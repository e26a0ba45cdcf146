"""The WeChat Official Account channel: ``GET|POST /webhooks/wechat/webhook``.

* ``GET``: WeChat's server check (``signature``, ``timestamp``, ``nonce``, ``echostr``); a bad
  signature gets 403, a good one the ``echostr`` back.
* ``POST``: a follower's message as XML, signed like the check (403 when not). In safe mode
  (``WECHAT_ENCODING_AES_KEY``, query ``encrypt_type=aes``) the body is encrypted and signed by
  ``msg_signature``; replies go back encrypted. With ``WECHAT_REQUIRE_ENCRYPTION`` (on by default
  when an EncodingAESKey is set) plaintext pushes are refused. A signed query is good for one
  body only (replay cache). XML is parsed without DTDs or entities. See
  :mod:`bot.channels.wechat_envelope`.
* The bot's answer is the passive XML reply when it is ready within 4 seconds; otherwise WeChat
  gets ``success`` and the answer follows through the customer-service message API
  (:mod:`bot.channels.wechat_replies`, :mod:`bot.channels.wechat_api`). A ``MsgId`` that WeChat
  sends again (the same follower's) is answered with the first outcome and processed once.
* Images, voice (without WeChat's speech recognition), video, locations, links get a polite
  "text please"; following the account (``subscribe``) gets the greeting; a menu ``CLICK``
  sends its key to the bot. Bot buttons are shown as numbered lines; the follower answers with
  the number (or the title). Typed text is never read as Rasa's ``/intent`` shortcut.
* Every push goes through the channels' gate (:mod:`bot.channels.gate`): a follower over the rate
  limit is told once per flood (then answered ``success``); while a human holds the conversation
  the push is recorded for the agent and answered ``success``.
* Sender id of a follower: ``wx:<OpenID>``.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import TransientError, button_lines, conversation_language, typed_text, with_agent_prefix
from bot.channels.gate import GatedChannel
from bot.channels.system_replies import reply_language, system_reply, text_please
from bot.channels.wechat_api import WeChatApiError, WeChatClient
from bot.channels.wechat_crypto import MAX_CLOCK_SKEW, WeChatCipher, check_signature
from bot.channels.wechat_envelope import Envelope, Refused
from bot.channels.wechat_replay import ReplayCache
from bot.channels.wechat_replies import DEFAULT_BUDGET, ReplyCoordinator
from bot.channels.wechat_xml import text_reply
from kefu.settings import current

logger = logging.getLogger(__name__)

#: Kefu's sender id of a follower is ``wx:<OpenID>``.
SENDER_PREFIX = "wx:"
MAX_OPENID = 64


def sender_id(openid: str) -> str:
    return f"{SENDER_PREFIX}{openid}"


def openid_of(sender: str) -> str | None:
    """The OpenID inside a Kefu sender id, ``None`` when it is not a WeChat one."""
    if not sender.startswith(SENDER_PREFIX):
        return None
    return sender[len(SENDER_PREFIX):] or None


@dataclass(frozen=True)
class Push:
    """One message or event pushed by WeChat, decrypted and parsed."""

    openid: str
    account: str
    msg_type: str
    create_time: str
    msg_id: str | None
    content: str
    event: str
    event_key: str
    recognition: str

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> Push:
        openid = (fields.get("FromUserName") or "").strip()
        if not openid or len(openid) > MAX_OPENID or any(unicodedata.category(c)[0] in "CZ" for c in openid):
            raise Refused(400, "FromUserName (the follower's OpenID) is missing or malformed")
        return cls(
            openid=openid,
            account=(fields.get("ToUserName") or "").strip(),
            msg_type=(fields.get("MsgType") or "").strip().lower(),
            create_time=(fields.get("CreateTime") or "").strip(),
            msg_id=(fields.get("MsgId") or fields.get("MsgID") or "").strip() or None,
            content=fields.get("Content") or "",
            event=(fields.get("Event") or "").strip().lower(),
            event_key=(fields.get("EventKey") or "").strip(),
            recognition=(fields.get("Recognition") or "").strip(),
        )

    @property
    def key(self) -> tuple[str, ...]:
        """Identifies the push across WeChat's retries (WeChat's advice: MsgId, or sender +
        CreateTime for events), always with the follower's OpenID: a push of another follower
        that names the same MsgId is another push, never answered with this one's outcome."""
        if self.msg_id:
            return ("msg", self.openid, self.msg_id)
        return ("event", self.openid, self.create_time, self.event)


class ButtonMenus:
    """The last buttons shown to each follower, so that "2" (or a title) picks the second."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._menus: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    def remember(self, sender: str, buttons: list[dict[str, Any]]) -> None:
        self._menus[sender] = buttons
        self._menus.move_to_end(sender)
        while len(self._menus) > self.capacity:
            self._menus.popitem(last=False)

    def resolve(self, sender: str, text: str) -> str | None:
        """The payload the follower picked with ``text``; the menu is used up either way."""
        buttons = self._menus.pop(sender, None)
        if not buttons:
            return None
        choice = unicodedata.normalize("NFKC", text).strip()
        for index, button in enumerate(buttons, 1):
            title = str(button.get("title") or "")
            if choice == str(index) or (title and choice == title):
                return str(button.get("payload") or title)
        return None


def render(text: str | None, buttons: list[dict[str, Any]] | None, message: dict[str, Any]) -> str:
    """A bot message as WeChat text: the agent's name first, buttons as numbered lines."""
    body = with_agent_prefix(text or "", message) if text else ""
    if buttons:
        body = f"{body}\n{button_lines(buttons)}" if body else button_lines(buttons)
    return body


class _TextCollector(OutputChannel):
    """Collects the bot's answer to one push as WeChat texts (sent passively or late)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, menus: ButtonMenus) -> None:
        self.menus = menus
        self.texts: list[str] = []

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.texts.append(render(text, None, kwargs))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        self.menus.remember(recipient_id, buttons)
        self.texts.append(render(text, buttons, kwargs))

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        self.texts.append(image)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text:
            self.texts.append(text)


class WeChatOutput(OutputChannel):
    """Pushes messages to a follower through the customer-service message API (agent messages,
    late answers)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, client: WeChatClient | None, menus: ButtonMenus) -> None:
        self.client = client
        self.menus = menus

    async def send_texts(self, recipient_id: str, texts: list[str]) -> None:
        openid = openid_of(recipient_id)
        if openid is None:
            logger.error("wechat: %r is not a WeChat sender id (wx:<OpenID>); message dropped", recipient_id)
            return
        if self.client is None:
            logger.error("wechat: cannot push a message to %s: set WECHAT_APP_ID and WECHAT_APP_SECRET "
                         "to use the customer-service message API", recipient_id)
            return
        for text in texts:
            try:
                await self.client.send_text(openid, text)
            except (WeChatApiError, TransientError) as error:
                logger.error("wechat: message to %s not delivered: %s", recipient_id, error)
                return

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_texts(recipient_id, [render(text, None, kwargs)])

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        self.menus.remember(recipient_id, buttons)
        await self.send_texts(recipient_id, [render(text, buttons, kwargs)])

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_texts(recipient_id, [image])

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text:
            await self.send_texts(recipient_id, [text])


class WeChatInput(GatedChannel, InputChannel):
    """Receives pushes of a WeChat Official Account and answers them."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Reads ``token``, ``app_id``, ``app_secret``, ``encoding_aes_key``, ``api_url``,
        ``require_encryption`` and ``reply_timeout`` (seconds, default 4) from the channel's
        entry in the credentials file, each defaulting to Kefu's settings (``WECHAT_TOKEN`` ...,
        ``WECHAT_REQUIRE_ENCRYPTION``); the replay cache is shared through ``REDIS_URL``."""
        credentials = credentials or {}
        settings = current()
        token = credentials.get("token") or settings.wechat_token
        if not token:
            raise ValueError("the WeChat channel needs WECHAT_TOKEN")
        return cls(
            token=str(token),
            app_id=credentials.get("app_id") or settings.wechat_app_id,
            app_secret=credentials.get("app_secret") or settings.wechat_app_secret,
            encoding_aes_key=credentials.get("encoding_aes_key") or settings.wechat_encoding_aes_key,
            api_url=credentials.get("api_url") or settings.wechat_api_url,
            reply_timeout=float(credentials.get("reply_timeout") or DEFAULT_BUDGET),
            require_encryption=bool(credentials.get("require_encryption", settings.wechat_require_encryption)),
            redis_url=settings.redis_url,
        )

    def __init__(self, *, token: str, app_id: str | None, app_secret: str | None,
                 encoding_aes_key: str | None = None, api_url: str = "https://api.weixin.qq.com",
                 reply_timeout: float = DEFAULT_BUDGET, require_encryption: bool | None = None,
                 redis_url: str | None = None) -> None:
        """
        Args:
            require_encryption: refuse plaintext pushes; default: on when ``encoding_aes_key``
                is given (as ``WECHAT_REQUIRE_ENCRYPTION``).
            redis_url: shares the replay cache between replicas; ``None``: in this process.
        """
        self.token = token
        self.reply_timeout = reply_timeout
        self.cipher: WeChatCipher | None = None
        if encoding_aes_key:
            if not app_id:
                raise ValueError("WeChat safe mode (WECHAT_ENCODING_AES_KEY) needs WECHAT_APP_ID")
            self.cipher = WeChatCipher(encoding_aes_key, app_id)
        self.require_encryption = self.cipher is not None if require_encryption is None else require_encryption
        self.replays = ReplayCache(redis_url)
        self.envelope = Envelope(token, self.cipher, require_encryption=self.require_encryption,
                                 replays=self.replays)
        self.client = WeChatClient(api_url, app_id, app_secret) if app_id and app_secret else None
        if self.client is None:
            logger.warning("wechat: WECHAT_APP_ID/WECHAT_APP_SECRET unset: only answers within 5 s "
                           "(passive replies) reach followers; agent messages cannot be pushed")
        self.menus = ButtonMenus()
        self.output = WeChatOutput(self.client, self.menus)
        # A push's outcome is kept as long as its signed query passes the clock check, so that
        # the same query with the same body, however late, is answered from memory.
        self.replies = ReplyCoordinator(self.output.send_texts, keep_seconds=2 * MAX_CLOCK_SKEW + 60)

    def get_output_channel(self) -> OutputChannel:
        return self.output

    # -- what the bot hears --------------------------------------------------
    async def run_bot(self, push: Push, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      app: Any) -> list[str]:
        """Hands a push to the bot (or answers it directly) and returns the answer's texts."""
        sender = sender_id(push.openid)
        collector = _TextCollector(self.menus)
        text: str | None = None
        typed = push.content if push.msg_type == "text" else push.recognition if push.msg_type == "voice" else ""
        if typed:
            picked = self.menus.resolve(sender, typed)
            text = picked if picked is not None else _typed(typed)
        elif push.msg_type == "event":
            if push.event == "subscribe":
                text = "/greet"
            elif push.event == "click" and push.event_key:
                text = push.event_key
            else:
                return []  # unsubscribe, menu links, location reports ...: nothing to say
        if text is None:  # a photo, voice, location ...
            language = reply_language(conversation=await conversation_language(app, sender))
            return [text_please(language)]
        await self.gate.hand_over(UserMessage(text, collector, sender, input_channel=self.name(), metadata={}),
                                  on_new_message, app)
        return collector.texts

    # -- the Sanic blueprint -------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"kefu_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request):
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def server_check(request: Request):
            args = request.args
            if not check_signature(self.token, args.get("signature"), args.get("timestamp"), args.get("nonce")):
                logger.warning("wechat: server check with a bad signature refused")
                return response.text("invalid signature", status=403)
            return response.text(args.get("echostr") or "")

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            deadline = time.monotonic() + self.reply_timeout
            try:
                fields, encrypted = await self.envelope.open(request.args, request.body)
                push = Push.from_fields(fields)
            except Refused as refused:
                return response.text(refused.reason, status=refused.status)
            limit = await self.gate.admit(self.name(), sender_id(push.openid))
            if not limit.allowed:  # a passive "too fast" once per flood, then just "success"
                if not limit.notify:
                    return response.text("success")
                too_fast = system_reply("too_fast", text=push.content or push.recognition)
                xml = text_reply(to_user=push.openid, from_user=push.account, content=too_fast)
                if encrypted:
                    xml = self.envelope.seal(xml, request.args)
                return response.text(xml, content_type="application/xml; charset=utf-8")
            answer = await self.replies.answer(
                push.key, sender_id(push.openid), lambda: self.run_bot(push, on_new_message, request.app),
                deadline=deadline,
            )
            if answer is None:
                return response.text("success")
            xml = text_reply(to_user=push.openid, from_user=push.account, content=answer)
            if encrypted:
                xml = self.envelope.seal(xml, request.args)
            return response.text(xml, content_type="application/xml; charset=utf-8")

        @webhook.listener("before_server_stop")
        async def stop(_app, _loop) -> None:
            await self.replies.tasks.drain(timeout=5)
            await self.replays.close()
            if self.client is not None:
                await self.client.close()

        return webhook



def _typed(text: str) -> str:
    """Typed text as the bot reads it (:func:`bot.channels.common.typed_text`)."""
    return typed_text(text)
