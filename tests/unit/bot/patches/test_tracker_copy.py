"""Tracker copies from a kept replay equal Rasa's replayed copies, event for event and slot for slot."""

from __future__ import annotations

import random

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.patches import replay, tracker_copy
from tests.unit.bot.patches.random_events import ACTIONS, DOMAIN, FORMS, random_event


@pytest.fixture(autouse=True)
def fresh():
    replay.clear()
    yield
    replay.clear()


def _snapshot(tracker: DialogueStateTracker) -> dict:
    """Everything a tracker holds, comparable: event identities, slot internals, the rest by value."""
    snapshot = {name: value for name, value in vars(tracker).items() if name not in ("events", "slots")}
    snapshot["events"] = [id(event) for event in tracker.events]
    snapshot["maxlen"] = tracker.events.maxlen
    snapshot["slots"] = {name: (type(slot), vars(slot)) for name, slot in tracker.slots.items()}
    return snapshot


def _more_events(rng: random.Random):
    from rasa.shared.core.events import (
        ActionExecutionRejected,
        ConversationPaused,
        ConversationResumed,
        DefinePrevUserUtteredFeaturization,
        EntitiesAdded,
        FollowupAction,
        LoopInterrupted,
    )

    return rng.choice([
        [EntitiesAdded([{"entity": "order_id", "value": "123", "start": 0, "end": 3}])],
        [DefinePrevUserUtteredFeaturization(rng.random() < 0.5)],
        [FollowupAction(rng.choice(ACTIONS))],
        [ConversationPaused()], [ConversationResumed()],
        [LoopInterrupted(rng.random() < 0.5)],
        [ActionExecutionRejected(rng.choice(FORMS or ACTIONS))],
        [SlotSet(rng.choice(DOMAIN.slots).name, ["a", "list"])],
    ])


@pytest.mark.parametrize("seed", range(10))
def test_tracker_copies_equal_rasas_replayed_copies(seed):
    rng = random.Random(500 + seed)
    tracker = DialogueStateTracker.from_events(f"copy-{seed}", [], DOMAIN.slots)
    tracker.model_id = "model-1"  # not carried by Rasa's copy either
    for step in range(200):
        for event in (_more_events(rng) if rng.random() < 0.25 else random_event(rng, tracker)):
            tracker.update(event, DOMAIN)
        if rng.random() < 0.1:
            tracker.clear_followup_action()  # as the processor does, without an event
        if step < 5 or rng.random() < 0.3:
            expected, got = tracker_copy.rasa_copy(tracker), tracker_copy.tracker_copy(tracker)
            assert type(got) is type(expected)
            assert _snapshot(got) == _snapshot(expected)
            # the copy is the caller's own: changing it leaves the tracker and later copies alone
            got.update(SlotSet(DOMAIN.slots[0].name, "changed"), DOMAIN)
            got.update(ActionExecuted(rng.choice(ACTIONS)), DOMAIN)
            got.change_loop_to(FORMS[0] if FORMS else None)
            got.latest_action["action_name"] = "tampered"
            assert _snapshot(tracker_copy.tracker_copy(tracker)) == _snapshot(tracker_copy.rasa_copy(tracker))


def test_a_copy_of_another_conversation_or_domain_is_replayed_afresh():
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
              SlotSet(DOMAIN.slots[0].name, "x"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("same-id", events, DOMAIN.slots)
    assert _snapshot(tracker_copy.tracker_copy(tracker)) == _snapshot(tracker_copy.rasa_copy(tracker))
    other_domain = Domain.from_yaml(f"""
version: "3.1"
slots:
  {DOMAIN.slots[0].name}:
    type: any
    initial_value: other
    mappings: [{{type: custom}}]
""")
    other = DialogueStateTracker.from_events("same-id", events, other_domain.slots)
    assert _snapshot(tracker_copy.tracker_copy(other)) == _snapshot(tracker_copy.rasa_copy(other))
    assert tracker_copy.tracker_copy(other).slots[DOMAIN.slots[0].name].value == "x"
