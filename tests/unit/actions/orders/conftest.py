"""Tracker fixtures for the order actions, against a seeded SQLite demo shop.

``chat`` builds rasa-sdk trackers the way the Rasa server sends them (the session's start, the
latest message with its metadata, input channel and time, slots, active loop) and runs an
action; ``Run.texts`` renders what it said through the domain's responses and
``bot.nlg.KefuNLG``, i.e. the words the customer would see.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from kefu.keys import CUSTOMER_TOKENS, derive_text
from kefu.settings import ROOT
from kefu.text import normalize
from kefu.tokens import CustomerTokens
from shop.demo import DemoShop
from shop.demo.seed import seed_demo_shop
from shop.policy import shop_today
from tests.databases import migrated_sqlite

SECRET = "test-secret-" + "x" * 32
SLOTS = {"language": None, "script": None, "order_id": None, "phone_last4": None, "order_verification": None,
         "order_task": None, "cancel_pending_order": None, "return_reason": None,
         "handoff_reason": None, "requested_slot": None}
#: The conversation every ``chat`` run belongs to (its wrong answers are counted under this id).
SENDER = "shopper"
#: How long ago the conversation's session started, seconds before the latest message.
SESSION_AGE = 3600


def verified(order_id: str, phone: str, *, age: float = 60, channel: str = "rest", **extra) -> dict[str, Any]:
    """Slots of an anonymous shopper who passed the phone check for ``order_id`` ``age`` seconds
    before the latest message, on ``channel``."""
    at = time.time() - age
    return {"order_id": order_id, "phone_last4": phone,
            "order_verification": {"order_id": order_id, "channel": channel, "at": at}, **extra}


@pytest.fixture
def shop(tmp_path, monkeypatch) -> DemoShop:
    """A migrated SQLite database holding the demo shop seeded today; the actions' settings point at it."""
    url = migrated_sqlite(tmp_path / "app.db")
    seed_demo_shop(url, today=shop_today())
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("KEFU_SECRET_KEY", SECRET)
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("KEFU_VERIFICATION_MINUTES", raising=False)
    monkeypatch.delenv("SHOP_ADAPTER", raising=False)  # the demo shop
    return DemoShop(url)


def token(customer_id: str) -> dict[str, str]:
    """Message metadata of a shopper signed in on the widget."""
    return {"customer_token": CustomerTokens(secret=derive_text(SECRET, CUSTOMER_TOKENS)).issue(customer_id)}


@dataclass
class Run:
    """What an action did: its events and its messages (response name + values)."""

    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    language: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)

    @property
    def responses(self) -> list[str]:
        return [m["response"] for m in self.messages]

    def slot(self, name: str, default: Any = "unset") -> Any:
        values = [e["value"] for e in self.events if e.get("event") == "slot" and e.get("name") == name]
        return values[-1] if values else default

    @property
    def followup(self) -> str | None:
        return next((e["name"] for e in self.events if e.get("event") == "followup"), None)

    @property
    def texts(self) -> str:
        return render(self.messages, self.language)


def _responses() -> dict[str, list[dict]]:
    responses = dict(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"])
    faq_data = ROOT / "data" / "nlu" / "faq.yml"
    if faq_data.exists():
        responses.update(yaml.safe_load(faq_data.read_text(encoding="utf-8")).get("responses", {}))
    return responses


def render(messages: list[dict[str, Any]], language: str | None) -> str:
    """The text the customer sees for these messages (KefuNLG: language variation, shop details,
    traditional characters)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.nlg import KefuNLG

    domain = Domain.from_dict({"slots": {"language": {"type": "categorical", "values": ["zh-Hans", "zh-Hant", "en"],
                                                      "influence_conversation": False, "mappings": []}},
                               "responses": _responses()})
    tracker = DialogueStateTracker.from_events("t", [SlotSet("language", language)], slots=domain.slots)
    nlg = KefuNLG(domain=domain)
    out = []
    for message in messages:
        values = {k: v for k, v in message.items() if k not in ("response", "template")}
        reply = asyncio.run(nlg.generate(message["response"], tracker, "rest", **values))
        assert reply is not None, f"no response {message['response']} in the domain"
        out.append(reply["text"])
    return "\n".join(out)


@pytest.fixture
def chat(shop):
    """``chat(action, text, intent=..., slots=..., metadata=..., loop=...)`` → :class:`Run`."""
    return runner()


def runner():
    """The function behind ``chat``, for tests that prepare the settings themselves (another shop)."""

    def run(action, text: str = "", *, intent: str | None = "inform", slots: dict | None = None,
            metadata: dict | None = None, loop: str | None = None, entities: list | None = None,
            history: list[dict] | None = None, confidence: float = 0.9, channel: str = "rest",
            session_age: float = SESSION_AGE) -> Run:
        all_slots = {**SLOTS, **(slots or {})}
        latest = {"text": normalize(text), "intent": {"name": intent, "confidence": confidence},
                  "entities": entities or [], "metadata": metadata or {}}
        now = time.time()
        events = [{"event": "session_started", "timestamp": now - session_age}, *(history or []),
                  {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {},
                   "timestamp": now, "input_channel": channel}]
        tracker = Tracker(SENDER, all_slots, latest, events, False, None,
                          {"name": loop} if loop else {}, "action_listen")
        dispatcher = CollectingDispatcher()
        result = asyncio.run(action.run(dispatcher, tracker, {}))
        return Run(result, dispatcher.messages, all_slots["language"], all_slots)

    return run
