"""Random but seeded conversations over the project's real domain, for the equivalence tests of
the dialogue-state patches: user turns, actions, forms (loop executions, unhappy paths), slots,
reverted turns and actions, session starts, restarts."""

from __future__ import annotations

import random

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from kefu.settings import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
FORMS = list(DOMAIN.form_names)
ACTIONS = [a for a in DOMAIN.action_names_or_texts if a not in FORMS and a != "action_listen"]
RULE_ONLY = {"slots": ["order_verification", "order_task"], "loops": FORMS[:1]}


def random_event(rng: random.Random, tracker: DialogueStateTracker):
    roll = rng.random()
    if roll < 0.25:
        intent = rng.choice(DOMAIN.intents)
        return [UserUttered("text", {"name": intent, "confidence": 1.0}), ]
    if roll < 0.5:
        return [ActionExecuted(rng.choice(ACTIONS), hide_rule_turn=rng.random() < 0.3)]
    if roll < 0.58:
        return [ActionExecuted("action_listen")]
    if roll < 0.68 and FORMS:
        form = rng.choice(FORMS)
        return [ActionExecuted(form), ActiveLoop(form if rng.random() < 0.7 else None)]
    if roll < 0.76:
        slot = rng.choice(DOMAIN.slots)
        value = rng.choice(slot.values) if getattr(slot, "values", None) else rng.choice(["a", "b", None, 1.0])
        return [SlotSet(slot.name, value)]
    if roll < 0.81:
        return [UserUtteranceReverted()]
    if roll < 0.85:
        return [ActionReverted()]
    if roll < 0.88:
        return [BotUttered("hi")]
    if roll < 0.9:
        return [SessionStarted(), ActionExecuted("action_listen")]
    if roll < 0.91:
        return [Restarted()]
    return [ActionExecuted("action_listen"), UserUttered("x", {"name": rng.choice(DOMAIN.intents), "confidence": 1.0})]
