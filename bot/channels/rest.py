"""The REST channel (``POST /webhooks/rest/webhook``) with input checks for real traffic.

Same request and response as Rasa's built-in ``rest`` channel (``{"sender", "message"}`` in,
a list of ``{"recipient_id", "text", ...}`` out), with these differences:

* malformed requests get a JSON 400 that names the problem, never an HTML page or a trace;
* a request without ``sender`` is refused instead of joining a conversation shared by every
  anonymous caller (Rasa's default sender is the literal ``"default"``);
* a sender id of another channel (``tg:…``, ``wx:…``, ``web:…``, the widget's former 32 hex
  characters; :mod:`bot.channels.senders`) is refused with 400: a REST caller speaks only for
  its own conversations, never for a Telegram, WeChat or widget shopper;
* ``metadata`` may hold only the known keys (:mod:`bot.channels.metadata`), at most 4096 bytes;
  anything else is refused with 400 naming the key or the size;
* with ``KEFU_REST_TOKEN`` set, every call needs ``Authorization: Bearer <token>`` (401 without);
* an empty message (``""`` or none) fetches the messages waiting for the customer, without
  disturbing the conversation: ``[]`` when nothing is waiting (it is how a REST client polls);
  a message of spaces or invisible characters only gets those waiting messages, else a polite prompt;
* every other message goes through the channels' gate (:mod:`bot.channels.gate`): a sender over
  the rate limit gets 429 with a "too fast" reply, and while a human holds the conversation the
  message is recorded for the agent and the reply is empty.

Trust model: a REST caller chooses its sender ids, so anyone who can reach the webhook and knows
a REST conversation's id can speak in it (docs/operators/security/sender-ownership.md).

Messages that reach a REST customer outside a reply (an agent's message during a handoff, the
rating question after it) arrive through Rasa's HTTP API with ``output_channel=rest`` (the
handoff's channel, :func:`handoff.rasa_client.reply_channel`); Rasa hands them to
:meth:`KefuRestInput.get_output_channel`, an :class:`OutboxOutputChannel` that keeps them in the
app database's outbox. The customer's next REST call returns them first, before the replies to
that call (:meth:`KefuRestInput.pending_messages`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.gate import GatedChannel
from bot.channels.metadata import MetadataError, checked_metadata, customer_token_key
from bot.channels.senders import reserved_problem
from bot.channels.system_replies import system_reply
from kefu.outbox import put_outbox, take_outbox
from kefu.settings import Settings, SettingsError, current
from kefu.text import is_blank
from kefu.tokens import CustomerTokens

logger = logging.getLogger(__name__)

MAX_SENDER = 128
MAX_MESSAGE = 10_000


class BadRequest(ValueError):
    """The request cannot be processed; the message says why (it is shown to the caller)."""


def parse_body(raw: bytes, customer_key: CustomerTokens | None = None) -> dict[str, Any]:
    """Checks a webhook body and returns ``{"sender", "message", "metadata"}``.

    Args:
        customer_key: what a ``metadata.customer_token`` is checked with (none: refused).

    Raises:
        BadRequest: naming the field that is missing or wrong.
    """
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body must be JSON: {\"sender\": \"<id>\", \"message\": \"<text>\"}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object with 'sender' and 'message'")
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("'sender' is required: a string that identifies the customer's conversation")
    if len(sender) > MAX_SENDER or any(unicodedata.category(c).startswith("C") for c in sender):
        raise BadRequest(f"'sender' must be printable text of at most {MAX_SENDER} characters")
    problem = reserved_problem(sender)
    if problem:
        raise BadRequest(problem)
    message = body.get("message", "")
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise BadRequest("'message' must be a string")
    try:
        metadata = checked_metadata(body.get("metadata"), customer_key)
    except MetadataError as error:
        raise BadRequest(str(error)) from None
    return {"sender": sender.strip(), "message": message[:MAX_MESSAGE], "metadata": metadata}


def bearer_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header is ``Bearer <token>`` (compared in constant time)."""
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


UNAUTHORIZED = {"error": "this webhook needs 'Authorization: Bearer <token>' with the shop's REST token "
                         "(KEFU_REST_TOKEN)"}


class OutboxOutputChannel(CollectingOutputChannel):
    """Keeps messages for REST customers in the outbox until their next call."""

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.database_url = database_url

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _persist_message(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        await asyncio.get_running_loop().run_in_executor(
            None, put_outbox, self.database_url, message["recipient_id"], message
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in text.strip().split("\n\n"):
            message = self._message(recipient_id, text=part)
            if kwargs.get("agent"):  # an agent's message says who wrote it
                message["agent"] = kwargs["agent"]
            await self._persist_message(message)


class KefuRestInput(GatedChannel, RestInput):
    """Rasa's REST channel with request validation; registered under the name ``rest``."""

    def __init__(self, database_url: str | None = None, settings: Settings | None = None) -> None:
        self._database_url = database_url
        self._settings = settings

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = current()
        return self._settings

    @property
    def database_url(self) -> str:
        if self._database_url is None:
            self._database_url = self.settings.database_url
        return self._database_url

    def gate_settings(self) -> Settings:
        return self.settings

    def customer_key(self) -> CustomerTokens | None:
        """What customer tokens in ``metadata`` are checked with; ``None`` when unavailable."""
        try:
            return customer_token_key(self.settings)
        except SettingsError as error:
            logger.error("rest: customer tokens cannot be checked (%s)", error)
            return None

    @classmethod
    def name(cls) -> str:
        return "rest"

    def get_output_channel(self) -> OutboxOutputChannel:
        """Where messages sent outside a reply go: the outbox (see the module docstring)."""
        return OutboxOutputChannel(self.database_url)

    async def pending_messages(self, sender_id: str) -> list[dict[str, Any]]:
        """Messages for this customer that arrived since their last call (e.g. from an agent)."""
        try:
            if self.database_url.startswith("sqlite"):
                # one indexed read of a local file (tens of microseconds), as the tracker store
                # does on this thread: cheaper than the hand-over to a worker thread and back
                return take_outbox(self.database_url, sender_id)
            return await asyncio.get_running_loop().run_in_executor(None, take_outbox, self.database_url, sender_id)
        except Exception:  # the customer still gets the replies to this call
            logger.exception("rest: reading the outbox failed")
            return []

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"kefu_webhook_{type(self).__name__}", __name__)
        rest_token = self.settings.rest_token
        customer_key = self.customer_key()

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request):
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            if rest_token and not bearer_matches(request.headers.get("Authorization"), rest_token):
                return response.json(UNAUTHORIZED, status=401, headers={"WWW-Authenticate": "Bearer"})
            try:
                body = parse_body(request.body, customer_key)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            sender, text = body["sender"], body["message"]
            if text == "":
                # an empty message fetches what is waiting (an agent's words): silent when nothing is
                pending = await self.pending_messages(sender)
                return response.json(pending)
            if is_blank(text):
                # spaces or invisible characters only, typed by a person: what is waiting, else a polite prompt
                pending = await self.pending_messages(sender)
                return response.json(pending or [{"recipient_id": sender, "text": system_reply("blank", None)}])
            limit = await self.gate.admit(self.name(), sender)
            if not limit.allowed:  # a flood from one sender: refused here, other senders unaffected
                return response.json([{"recipient_id": sender, "text": system_reply("too_fast", text=text)}],
                                     status=429, headers={"Retry-After": str(max(1, round(limit.retry_after)))})

            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=body["metadata"])
            # who holds the conversation and whether anything waits in its outbox, in one statement
            # when both are in one database (they are, but for tests that give the gate its own)
            together = self.gate.store.database_url == self.database_url
            hold = await self.gate.hold_of(sender, outbox=together)
            try:
                await self.gate.hand_over(message, on_new_message, request.app, hold=hold)
            except asyncio.CancelledError:
                logger.error("rest: the reply to a message timed out")
            except Exception:  # the customer gets an apology, the log gets the trace
                logger.exception("rest: processing a message failed")
                return response.json([{"recipient_id": sender, "text": system_reply("failed", text=text)}],
                                     status=500)
            # What waited when the message came, first. A message put in the outbox while this turn
            # ran (an agent's, from the web app) is the next call's: as if it came a moment later.
            pending = await self.pending_messages(sender) if hold.outbox or not together else []
            return response.json(pending + collector.messages)

        return webhook
