"""The Telegram channel on python-telegram-bot: ``POST /webhooks/telegram/webhook``.

* Every webhook call must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to
  ``TELEGRAM_WEBHOOK_SECRET`` (set with ``setWebhook(secret_token=...)``); otherwise 403 and
  nothing is processed.
* Telegram gets its 200 at once; the update is processed in a background task, so a slow bot
  or a Bot API outage never makes Telegram wait (or re-send).
* ``update_id`` is remembered for an hour: an update Telegram delivers twice is handled once.
* Bot buttons become inline keyboards; a pressed button (``callback_query``) reaches the bot as
  the button's payload, and only when the bot sent that button to that chat: callback data is
  tagged with an HMAC (:class:`bot.channels.telegram_format.CallbackPayloads`), anything else is
  answered (so the client stops spinning) and ignored. Stickers, photos, voice and locations get a polite "text please".
* Every update of a chat goes through the channels' gate (:mod:`bot.channels.gate`): a chat over
  the rate limit is told once per flood; while a human holds the conversation nothing is answered.
* ``TELEGRAM_MODE=polling`` (local development, no public URL): the server fetches updates with
  ``getUpdates`` instead; the webhook is removed when polling starts.
* Sender id of a chat: ``tg:<chat id>``.

Calls to the Bot API are retried with growing pauses on network errors, 5xx and 429
(``retry_after`` respected); failures are logged, never shown to the customer as errors.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.channels.common import (
    BackgroundTasks,
    SeenCache,
    TransientError,
    conversation_language,
    retrying,
    with_agent_prefix,
)
from bot.channels.gate import GatedChannel
from bot.channels.system_replies import reply_language, system_reply, text_please
from bot.channels.telegram_format import CallbackPayloads, chat_id, sender_id, split_text, user_text
from kefu.keys import TELEGRAM_CALLBACKS
from kefu.settings import current

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLL_TIMEOUT = 25  # seconds a getUpdates call may wait for news
ALLOWED_UPDATES = ("message", "callback_query")


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value or 0)


async def call_bot_api(operation: Callable[[], Awaitable[Any]], *, what: str, token: str) -> Any:
    """One Bot API call, retried on transient errors; ``None`` when it finally fails (logged).

    A 400 (bad request) or 403 (the user blocked the bot) is not retried.
    """

    async def attempt() -> Any:
        try:
            return await operation()
        except RetryAfter as error:
            raise TransientError("rate limited by Telegram", retry_after=_seconds(error.retry_after)) from None
        except BadRequest:
            raise
        except NetworkError as error:  # includes timeouts and HTTP 5xx
            raise TransientError(str(error).replace(token, "<token>")) from None

    try:
        return await retrying(attempt, what=what)
    except TransientError:
        return None  # logged by retrying()
    except Forbidden as error:
        logger.warning("%s refused by Telegram (the user may have blocked the bot): %s", what, error)
    except TelegramError as error:
        logger.error("%s failed: %s", what, str(error).replace(token, "<token>"))
    return None


class TelegramOutput(OutputChannel):
    """Sends the bot's (and agents') messages to a Telegram chat."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, bot: Bot, payloads: CallbackPayloads) -> None:
        self.bot = bot
        self.payloads = payloads

    async def _send(self, recipient_id: str, text: str, reply_markup: Any = None) -> None:
        chat = chat_id(recipient_id)
        if chat is None:
            logger.error("telegram: %r is not a Telegram sender id (tg:<chat id>); message dropped", recipient_id)
            return
        pieces = split_text(text)
        for index, piece in enumerate(pieces):
            markup = reply_markup if index == len(pieces) - 1 else None

            async def send(piece: str = piece, markup: Any = markup) -> Any:
                return await self.bot.send_message(chat_id=chat, text=piece, reply_markup=markup)

            await call_bot_api(send, what=f"telegram sendMessage to {recipient_id}", token=self.bot.token)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, with_agent_prefix(text, kwargs))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        chat = chat_id(recipient_id)
        keyboard = self.payloads.keyboard(chat, buttons) if buttons and chat is not None else None
        await self._send(recipient_id, with_agent_prefix(text or "", kwargs) or "…", keyboard)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        chat = chat_id(recipient_id)
        if chat is None:
            return

        async def send() -> Any:
            return await self.bot.send_photo(chat_id=chat, photo=image)

        await call_bot_api(send, what=f"telegram sendPhoto to {recipient_id}", token=self.bot.token)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str):
            await self._send(recipient_id, attachment)
        else:
            logger.info("telegram: attachment of type %s not supported; skipped", type(attachment).__name__)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text:
            await self._send(recipient_id, text)
        else:
            logger.info("telegram: custom message without text skipped")


class TelegramInput(GatedChannel, InputChannel):
    """Receives Telegram updates (webhook, or polling for local development)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Reads ``token``, ``webhook_secret``, ``api_url``, ``mode`` and ``poll`` from the
        channel's entry in the credentials file, each defaulting to Kefu's settings
        (``TELEGRAM_TOKEN`` ...). ``poll: false`` keeps a polling-mode replica from polling.
        """
        credentials = credentials or {}
        settings = current()
        token = credentials.get("token") or settings.telegram_token
        if not token:
            raise ValueError("the Telegram channel needs TELEGRAM_TOKEN")
        mode = (credentials.get("mode") or settings.telegram_mode or "webhook").lower()
        return cls(
            token=str(token),
            webhook_secret=credentials.get("webhook_secret") or settings.telegram_webhook_secret,
            api_url=credentials.get("api_url") or settings.telegram_api_url,
            polling=mode == "polling" and bool(credentials.get("poll", True)),
            callback_key=settings.key(TELEGRAM_CALLBACKS),
        )

    def __init__(self, *, token: str, webhook_secret: str | None, api_url: str, polling: bool = False,
                 callback_key: bytes | None = None) -> None:
        """
        Args:
            callback_key: tags the callback data of the bot's buttons; every replica needs the
                same (a sub-key of ``KEFU_SECRET_KEY``). Without one, a random key: only buttons
                sent by this process are accepted.
        """
        self.token = token
        self.webhook_secret = webhook_secret
        self.polling = polling
        self.bot = Bot(
            token,
            base_url=api_url,
            request=HTTPXRequest(connection_pool_size=32, read_timeout=10, write_timeout=10, pool_timeout=5),
            get_updates_request=HTTPXRequest(connection_pool_size=1, read_timeout=POLL_TIMEOUT + 10),
        )
        self.payloads = CallbackPayloads(callback_key or os.urandom(32))
        self.seen = SeenCache(ttl=3600)
        self.tasks = BackgroundTasks()
        self._poller: asyncio.Task | None = None

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self.bot, self.payloads)

    # -- receiving -----------------------------------------------------------
    def secret_ok(self, header: str | None) -> bool:
        if not self.webhook_secret or not header:
            return False
        return hmac.compare_digest(header.encode("utf-8"), self.webhook_secret.encode("utf-8"))

    async def handle_update(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                            app: Any) -> None:
        """Processes one update: a text, a pressed button, or something the bot cannot read."""
        output = self.get_output_channel()
        query = update.callback_query
        from_chat = (query.message.chat.id if query.message else query.from_user.id) if query is not None else (
            update.message.chat.id if update.message is not None else None)
        if from_chat is not None:
            limit = await self.gate.admit(self.name(), sender_id(from_chat))
            if not limit.allowed:  # told once per flood, not once per message
                if limit.notify:
                    typed = update.message.text if update.message is not None else None
                    await output.send_text_message(sender_id(from_chat), system_reply("too_fast", text=typed))
                return
        if query is not None:
            await call_bot_api(lambda: self.bot.answer_callback_query(query.id),
                               what="telegram answerCallbackQuery", token=self.token)
            chat = query.message.chat.id if query.message else query.from_user.id
            payload = self.payloads.payload_for(chat, query.data)
            if payload is None:  # answered above, so the client stops waiting; nothing else happens
                logger.warning("telegram: a callback from %s carries data the bot did not send to that chat "
                               "(forged, from another chat, or a long payload no longer known); ignored",
                               sender_id(chat))
                return
            await self.gate.hand_over(UserMessage(payload, output, sender_id(chat), input_channel=self.name(),
                                                  metadata=self._metadata(query.from_user)), on_new_message, app)
            return

        message = update.message
        if message is None:  # edits, channel posts, membership changes: nothing to answer
            return
        sender = sender_id(message.chat.id)
        language_code = message.from_user.language_code if message.from_user else None
        if not message.text:
            language = reply_language(conversation=await conversation_language(app, sender), hint=language_code)
            await output.send_text_message(sender, text_please(language))
            return
        await self.gate.hand_over(UserMessage(user_text(message.text, language_code), output, sender,
                                              input_channel=self.name(), metadata=self._metadata(message.from_user)),
                                  on_new_message, app)

    @staticmethod
    def _metadata(user: Any) -> dict[str, Any]:
        code = getattr(user, "language_code", None)
        return {"telegram": {"language_code": code}} if code else {}

    def _process(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]], app: Any) -> None:
        if not self.seen.first_time(update.update_id):
            logger.info("telegram: update %s arrived again; already handled", update.update_id)
            return
        self.tasks.spawn(self.handle_update(update, on_new_message, app), name=f"telegram update {update.update_id}")

    # -- polling (TELEGRAM_MODE=polling) ---------------------------------------
    async def poll(self, app: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Fetches updates with ``getUpdates`` until cancelled."""
        while getattr(app.ctx, "agent", None) is None or not app.ctx.agent.is_ready():
            await asyncio.sleep(0.5)
        while await call_bot_api(lambda: self.bot.delete_webhook(), what="telegram deleteWebhook",
                                 token=self.token) is None:
            await asyncio.sleep(10)
        logger.info("telegram: polling for updates (TELEGRAM_MODE=polling)")
        offset: int | None = None
        pause = 1.0
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=POLL_TIMEOUT,
                                                     allowed_updates=list(ALLOWED_UPDATES),
                                                     read_timeout=POLL_TIMEOUT + 10)
                pause = 1.0
            except asyncio.CancelledError:
                raise
            except Conflict:
                logger.error("telegram: getUpdates conflicts with a webhook or another poller; retrying in 10 s")
                await asyncio.sleep(10)
                continue
            except TelegramError as error:
                logger.warning("telegram: getUpdates failed: %s; retrying in %.0f s",
                               str(error).replace(self.token, "<token>"), pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30)
                continue
            for update in updates:
                offset = update.update_id + 1
                self._process(update, on_new_message, app)

    # -- the Sanic blueprint -------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"kefu_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request):
            return response.json({"status": "ok", "mode": "polling" if self.polling else "webhook"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            if not self.secret_ok(request.headers.get(SECRET_HEADER)):
                logger.warning("telegram: webhook call with a missing or wrong secret token refused")
                return response.json({"error": "forbidden"}, status=403)
            try:
                data = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return response.json({"error": "the body must be a Telegram Update (JSON)"}, status=400)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return response.json({"error": "the body must be a Telegram Update with an update_id"}, status=400)
            try:
                update = Update.de_json(data, self.bot)
            except Exception:  # noqa: BLE001 - python-telegram-bot raises anything on a malformed update
                logger.warning("telegram: update %s could not be read; ignored", data.get("update_id"))
                return response.json({"ok": True})
            self._process(update, on_new_message, request.app)
            return response.json({"ok": True})

        @webhook.listener("after_server_start")
        async def start_polling(app, _loop) -> None:
            if self.polling:
                self._poller = asyncio.get_running_loop().create_task(self.poll(app, on_new_message),
                                                                      name="telegram polling")

        @webhook.listener("before_server_stop")
        async def stop(_app, _loop) -> None:
            if self._poller:
                self._poller.cancel()
            await self.tasks.drain(timeout=5)

        return webhook
