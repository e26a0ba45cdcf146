"""The memoization policy's featurizer, built from the last states only, gives Rasa's states."""

from __future__ import annotations

import itertools
import random

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.patches import dialogue_states, memoization_states, replay
from tests.unit.bot.patches.random_events import DOMAIN, RULE_ONLY, random_event


@pytest.fixture(autouse=True)
def fresh():
    replay.clear()
    yield
    replay.clear()


@pytest.mark.parametrize("seed", range(8))
def test_policy_featurizers_get_rasas_states(seed, monkeypatch):
    """Through the featurizer (which edits the last user input in place, and Rasa's states of a
    turn share their user part): with a max_history from the last turns only, without one (the
    rule policy) from the whole incremental history."""
    from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer

    rng = random.Random(900 + seed)
    tracker = DialogueStateTracker.from_events(f"tail-{seed}", [ActionExecuted("action_listen")], DOMAIN.slots)
    compared = 0
    for step in range(160):
        events = random_event(rng, tracker)
        if rng.random() < 0.08:
            events = [ActionExecuted("action_unlikely_intent")]
        for event in events:
            tracker.update(event, DOMAIN)
        if rng.random() > 0.3:
            continue
        featurizer = MaxHistoryTrackerFeaturizer(max_history=rng.choice([None, 1, 2, 3, 5]))
        options = {"use_text_for_last_user_input": rng.random() < 0.5, "ignore_rule_only_turns": rng.random() < 0.5,
                       "rule_only_data": RULE_ONLY, "ignore_action_unlikely_intent": rng.random() < 0.5}
        expected = memoization_states.rasa_prediction_states(featurizer, [tracker], DOMAIN, **options)  # Rasa all along
        with monkeypatch.context() as patch:
            patch.setattr(Domain, "states_for_tracker_history", dialogue_states.states_for_tracker_history)
            got = memoization_states.max_history_prediction_states(featurizer, [tracker], DOMAIN, **options)
        assert got == expected
        shared = lambda s: [a.get("user") is not None and a.get("user") is b.get("user") for a, b in itertools.pairwise(s)]
        assert shared(got[0]) == shared(expected[0])
        compared += 1
    assert compared > 30
