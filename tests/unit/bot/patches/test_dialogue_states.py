"""Incremental applied events and dialogue states give exactly Rasa's results.

Random but seeded event sequences over the project's real domain (tests/unit/bot/patches/
random_events.py) and policy-style copies of the tracker are compared with Rasa's own functions
after every event.
"""

from __future__ import annotations

import random

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.patches import dialogue_states, replay
from tests.unit.bot.patches.random_events import ACTIONS, DOMAIN, RULE_ONLY, random_event

#: Rasa's own states, which the patched ones are compared with
rasa_states = dialogue_states.rasa_states_for_tracker_history

FLAGS = [(False, False, None), (False, True, RULE_ONLY), (True, True, RULE_ONLY), (True, False, None)]


def assert_same(tracker: DialogueStateTracker) -> None:
    expected_applied = dialogue_states.rasa_applied_events(tracker)
    assert dialogue_states.applied_events(tracker) == expected_applied
    for omit, ignore, rule_only in FLAGS:
        expected = rasa_states(DOMAIN, tracker, omit_unset_slots=omit, ignore_rule_only_turns=ignore,
                               rule_only_data=rule_only)
        got = dialogue_states.states_for_tracker_history(DOMAIN, tracker, omit_unset_slots=omit,
                                                         ignore_rule_only_turns=ignore, rule_only_data=rule_only)
        assert got == expected


@pytest.fixture(autouse=True)
def fresh():
    # the module's functions are compared directly with Rasa's, which stay in place
    replay.clear()
    yield
    replay.clear()


@pytest.mark.parametrize("seed", range(12))
def test_random_conversations_match_rasa_after_every_event(seed):
    rng = random.Random(seed)
    tracker = DialogueStateTracker.from_events(f"conv-{seed}", [ActionExecuted("action_listen")], DOMAIN.slots)
    for _ in range(220):
        for event in random_event(rng, tracker):
            tracker.update(event, DOMAIN)
        if rng.random() < 0.4:
            assert_same(tracker)
        if rng.random() < 0.1:
            # a policy's temporary copy branches off and gets its own events
            branch = tracker.copy()
            branch.update(ActionExecuted(rng.choice(ACTIONS)), DOMAIN)
            assert_same(branch)
    assert_same(tracker)


def test_returned_states_are_copies():
    tracker = DialogueStateTracker.from_events("copies", [ActionExecuted("action_listen"),
                                                          UserUttered("hi", {"name": "greet", "confidence": 1.0})],
                                               DOMAIN.slots)
    first = dialogue_states.states_for_tracker_history(DOMAIN, tracker)
    first[-1]["user"]["intent"] = "tampered"  # featurizers edit states in place
    first[0].clear()
    assert dialogue_states.states_for_tracker_history(DOMAIN, tracker) == rasa_states(DOMAIN, tracker)
    applied = dialogue_states.applied_events(tracker)
    applied.clear()
    assert dialogue_states.applied_events(tracker) == dialogue_states.rasa_applied_events(tracker)


def test_a_reloaded_tracker_with_new_event_objects_is_computed_afresh():
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
              ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("reload", events, DOMAIN.slots)
    assert_same(tracker)
    reloaded = DialogueStateTracker.from_dict("reload", [e.as_dict() for e in events[:2]], DOMAIN.slots)
    reloaded.update(UserUttered("bye", {"name": "goodbye", "confidence": 1.0}), DOMAIN)
    assert_same(reloaded)
