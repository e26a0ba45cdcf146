"""What a shopper sees when a part of the stack fails, installed into each Rasa server.

* **Database or Redis unavailable** (the tracker store or the lock store raises a connection
  error; Rasa's own fallback to a per-process in-memory tracker is switched off): the message
  is answered with a short apology in the shopper's language instead of silence or an HTTP
  500, on every channel, and logged without its text. Nothing is kept of that turn; the tracker
  store's pool checks connections before use (``kefu.db.ping_when_idle``), so the next message,
  once the database is back, continues the conversation where it was.
* **Action server unreachable or failing** (connection refused, 5xx, timeout): the action's
  events are not lost silently as in plain Rasa; the shopper gets a friendly reply that offers a
  human agent, the form in progress (if any) is closed and the bot listens again. Asking for a
  human then still works: ``action_handoff_request`` runs inside the Rasa server when the action
  server cannot run it (it only needs the app database, which the Rasa server uses anyway),
  through rasa-sdk's executor: the reason the version gate checks rasa-sdk too.

Not a speed-up. Plain Rasa (``KEFU_STOCK_RASA=on``) instead answers from an empty in-memory
tracker per process while the database is down, and while the action server is down it logs the
error, drops the action's events and goes on without the action's reply.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from bot.channels.system_replies import FAULT_REPLIES
from bot.patches import registry

logger = logging.getLogger(__name__)

#: Custom actions the Rasa server may run itself when the action server cannot.
IN_PROCESS_ACTIONS = frozenset({"action_handoff_request"})

#: What the shopper is told, by case and language: the Rasa server's fault replies, kept with the
#: channels' own in :mod:`bot.channels.system_replies`.
SENTENCES = FAULT_REPLIES
APOLOGY = SENTENCES["apology"]
ACTIONS_DOWN = SENTENCES["actions_down"]
HUMAN_BUTTON = SENTENCES["human_button"]
HANDOFF_DOWN = SENTENCES["handoff_down"]
#: The apology when the message's language is unclear (digits only): both languages.
APOLOGY_BOTH = f"{APOLOGY['zh-Hans']} {APOLOGY['en']}"


def apology_for(text: str | None) -> str:
    """The database apology in the language of the shopper's message (both when unclear)."""
    from kefu.text import detect_language

    language = detect_language(text)
    return APOLOGY.get(language or "", APOLOGY_BOTH)


def is_unavailable(error: BaseException) -> bool:
    """True for errors that mean a database or Redis could not be used right now."""
    import sqlalchemy.exc
    from rasa.core.lock_store import LockError

    try:
        import redis.exceptions

        redis_errors: tuple[type[BaseException], ...] = (redis.exceptions.ConnectionError,
                                                         redis.exceptions.TimeoutError)
    except ImportError:  # pragma: no cover - redis ships with Rasa
        redis_errors = ()
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
                              sqlalchemy.exc.DisconnectionError, sqlalchemy.exc.TimeoutError,
                              LockError, ConnectionError) + redis_errors):
            return True
        if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
    return False


def _language_of(tracker: Any) -> str:
    language = tracker.get_slot("language") if tracker is not None else None
    return language if language in ACTIONS_DOWN else "zh-Hans"


_executor = None


async def run_in_process(action_call: dict[str, Any]) -> dict[str, Any] | None:
    """Runs a Kefu custom action inside this process, as the action server would."""
    global _executor
    if _executor is None:
        from rasa_sdk.executor import ActionExecutor

        executor = ActionExecutor()
        executor.register_package("actions")
        _executor = executor
    return await _executor.run(action_call)


def install() -> None:
    """Patches Rasa's agent, its fail-safe tracker store and remote actions (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent

    if registry.is_replaced(Agent, "handle_message"):
        return

    original_handle = Agent.handle_message

    @functools.wraps(original_handle)
    async def handle_message(self, message):
        try:
            return await original_handle(self, message)
        except Exception as error:
            if not is_unavailable(error):
                raise
            # the error, never the message (customer text): SQL parameters are hidden by the store
            logger.error("a message could not be processed, the database or Redis is unavailable: %s: %s",
                         type(error).__name__, str(error).splitlines()[0][:200] if str(error) else "")
            try:
                await message.output_channel.send_text_message(message.sender_id, apology_for(message.text))
            except Exception:
                logger.warning("the apology could not be sent either", exc_info=True)
            return None

    registry.replace(Agent, "handle_message", handle_message)

    # Rasa wraps the tracker store in a "fail-safe" one that, when the database fails, reads an
    # empty conversation and saves into process memory: the shopper would be answered as a
    # stranger, differently by each replica, and those turns vanish when the database is back.
    # The error goes up instead (to the apology above).
    from rasa.core.tracker_store import FailSafeTrackerStore

    async def retrieve(self, sender_id):
        return await self._tracker_store.retrieve(sender_id)

    async def retrieve_full_tracker(self, sender_id):
        return await self._tracker_store.retrieve_full_tracker(sender_id)

    async def save(self, tracker):
        await self._tracker_store.save(tracker)

    registry.replace(FailSafeTrackerStore, "retrieve", retrieve)
    registry.replace(FailSafeTrackerStore, "retrieve_full_tracker", retrieve_full_tracker)
    registry.replace(FailSafeTrackerStore, "save", save)

    original_run = RemoteAction.run

    @functools.wraps(original_run)
    async def run(self, output_channel, nlg, tracker, domain):
        from rasa.core.actions.action import ActionExecutionRejection
        from rasa.shared.core.events import ActiveLoop, BotUttered, FollowupAction, SlotSet, deserialise_events

        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - any failure of the action server is answered the same way
            logger.error("custom action %s failed (%s); the action server is down or failing",
                         self.name(), type(error.__cause__ or error).__name__)
            if self.name() in IN_PROCESS_ACTIONS:
                try:
                    response = await run_in_process(self._action_call_format(tracker, domain))
                    self._validate_action_result(response)
                    messages = await self._utter_responses(response.get("responses", []), output_channel,
                                                           nlg, tracker)
                    logger.info("custom action %s ran inside the Rasa server instead", self.name())
                    return list(messages) + deserialise_events(response.get("events", []))
                except Exception:
                    logger.exception("custom action %s failed inside the Rasa server too", self.name())
            language = _language_of(tracker)
            if self.name() in IN_PROCESS_ACTIONS:
                text, buttons = HANDOFF_DOWN[language], []
            else:
                text = ACTIONS_DOWN[language]
                buttons = [{"title": HUMAN_BUTTON[language], "payload": HUMAN_BUTTON[language]}]
            await output_channel.send_response(tracker.sender_id, {"text": text, "buttons": buttons})
            events: list = [BotUttered(text, {"buttons": buttons} if buttons else {}, {"kefu_fault": "actions_down"})]
            if tracker.active_loop_name:
                events += [ActiveLoop(None), SlotSet("requested_slot", None)]
            return events + [FollowupAction("action_listen")]

    registry.replace(RemoteAction, "run", run)
