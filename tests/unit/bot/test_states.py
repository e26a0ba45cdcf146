"""Incremental applied events and dialogue states give exactly Rasa's results.

Random but seeded event sequences over the project's real domain — user turns, actions, forms
(loop executions, unhappy paths), slots, reverted turns and actions, session starts, restarts,
and policy-style copies of the tracker — are compared with Rasa's own functions after every event.
"""

from __future__ import annotations

import random

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import states
from kefu.settings import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
FORMS = list(DOMAIN.form_names)
ACTIONS = [a for a in DOMAIN.action_names_or_texts if a not in FORMS and a != "action_listen"]
RULE_ONLY = {"slots": ["order_verification", "order_task"], "loops": FORMS[:1]}
FLAGS = [(False, False, None), (False, True, RULE_ONLY), (True, True, RULE_ONLY), (True, False, None)]


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


def assert_same(tracker: DialogueStateTracker) -> None:
    expected_applied = states._original_applied_events(tracker)
    assert states.applied_events(tracker) == expected_applied
    for omit, ignore, rule_only in FLAGS:
        expected = states._original(DOMAIN, tracker, omit_unset_slots=omit, ignore_rule_only_turns=ignore,
                                    rule_only_data=rule_only)
        got = states.states_for_tracker_history(DOMAIN, tracker, omit_unset_slots=omit,
                                                ignore_rule_only_turns=ignore, rule_only_data=rule_only)
        assert got == expected


@pytest.fixture(autouse=True)
def patched():
    # the module-level functions are compared directly; the originals stay in place for Rasa
    states.clear()
    yield
    states.clear()


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
    first = states.states_for_tracker_history(DOMAIN, tracker)
    first[-1]["user"]["intent"] = "tampered"  # featurizers edit states in place
    first[0].clear()
    assert states.states_for_tracker_history(DOMAIN, tracker) == states._original(DOMAIN, tracker)
    applied = states.applied_events(tracker)
    applied.clear()
    assert states.applied_events(tracker) == states._original_applied_events(tracker)


def test_a_reloaded_tracker_with_new_event_objects_is_computed_afresh():
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
              ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("reload", events, DOMAIN.slots)
    assert_same(tracker)
    reloaded = DialogueStateTracker.from_dict("reload", [e.as_dict() for e in events[:2]], DOMAIN.slots)
    reloaded.update(UserUttered("bye", {"name": "goodbye", "confidence": 1.0}), DOMAIN)
    assert_same(reloaded)


@pytest.fixture(scope="module")
def rule_policy(trained_model):
    from rasa.core.agent import Agent
    from rasa.core.policies.rule_policy import RulePolicy

    agent = Agent.load(str(trained_model))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    [policy] = [n._component for n in nodes if isinstance(getattr(n, "_component", None), RulePolicy)]
    return policy, agent.domain


@pytest.mark.parametrize("seed", range(6))
def test_memoised_rule_matching_matches_rasa(rule_policy, seed):
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH

    policy, domain = rule_policy
    rng = random.Random(100 + seed)
    tracker = DialogueStateTracker.from_events(f"rules-{seed}", [ActionExecuted("action_listen")], domain.slots)
    checked = 0
    for _ in range(150):
        for event in random_event(rng, tracker):
            tracker.update(event, domain)
        prediction_states = states._original(domain, tracker, rule_only_data=policy._get_rule_only_data())
        for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
            expected = states._original_get_possible_keys(policy, lookup, prediction_states)
            assert states.get_possible_keys(policy, lookup, prediction_states) == expected
            checked += bool(expected)
    assert checked > 10  # the sequences do reach states where rules apply


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
            expected, got = states._original_copy(tracker), states.tracker_copy(tracker)
            assert type(got) is type(expected)
            assert _snapshot(got) == _snapshot(expected)
            # the copy is the caller's own: changing it leaves the tracker and later copies alone
            got.update(SlotSet(DOMAIN.slots[0].name, "changed"), DOMAIN)
            got.update(ActionExecuted(rng.choice(ACTIONS)), DOMAIN)
            got.change_loop_to(FORMS[0] if FORMS else None)
            got.latest_action["action_name"] = "tampered"
            assert _snapshot(states.tracker_copy(tracker)) == _snapshot(states._original_copy(tracker))


def test_a_copy_of_another_conversation_or_domain_is_replayed_afresh():
    events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0}),
              SlotSet(DOMAIN.slots[0].name, "x"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("same-id", events, DOMAIN.slots)
    assert _snapshot(states.tracker_copy(tracker)) == _snapshot(states._original_copy(tracker))
    other_domain = Domain.from_yaml(f"""
version: "3.1"
slots:
  {DOMAIN.slots[0].name}:
    type: any
    initial_value: other
    mappings: [{{type: custom}}]
""")
    other = DialogueStateTracker.from_events("same-id", events, other_domain.slots)
    assert _snapshot(states.tracker_copy(other)) == _snapshot(states._original_copy(other))
    assert states.tracker_copy(other).slots[DOMAIN.slots[0].name].value == "x"


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
        options = dict(use_text_for_last_user_input=rng.random() < 0.5, ignore_rule_only_turns=rng.random() < 0.5,
                       rule_only_data=RULE_ONLY, ignore_action_unlikely_intent=rng.random() < 0.5)
        expected = states._original_prediction_states(featurizer, [tracker], DOMAIN, **options)  # Rasa all along
        with monkeypatch.context() as patch:
            patch.setattr(Domain, "states_for_tracker_history", states.states_for_tracker_history)
            got = states.max_history_prediction_states(featurizer, [tracker], DOMAIN, **options)
        assert got == expected
        shared = lambda s: [a.get("user") is not None and a.get("user") is b.get("user") for a, b in zip(s, s[1:])]  # noqa: E731
        assert shared(got[0]) == shared(expected[0])
        compared += 1
    assert compared > 30


@pytest.mark.parametrize("seed", range(4))
def test_rule_policy_predicts_the_same_from_its_newest_states(rule_policy, seed, monkeypatch):
    """Late in long conversations the rule policy sees only the newest ``rule_depth`` states;
    its predictions (action probabilities, events, hidden rule turns) stay Rasa's."""
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    policy, domain = rule_policy
    rng = random.Random(300 + seed)
    tracker = DialogueStateTracker.from_events(f"rule-tail-{seed}", [ActionExecuted("action_listen")], domain.slots)
    compared = cut = 0
    for _ in range(260):
        for event in random_event(rng, tracker):
            tracker.update(event, domain)
        if rng.random() > 0.3:
            continue
        predictions = []
        for prediction_states in (Policy._prediction_states, states.rule_prediction_states):
            with monkeypatch.context() as patch:
                patch.setattr(RulePolicy, "_prediction_states", prediction_states)
                p = policy.predict_action_probabilities(tracker, domain)
            predictions.append((p.probabilities, p.events, p.hide_rule_turn, p.is_end_to_end_prediction))
        assert predictions[0] == predictions[1]
        compared += 1
        cut += len(states._original(domain, tracker)) > states.rule_depth(policy)
    assert compared > 50 and cut > 20  # the conversations did grow past the depth


def test_a_rule_over_several_turns_still_applies_late_in_a_long_conversation(rule_policy, monkeypatch):
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    policy, domain = rule_policy

    def user(intent):
        return [UserUttered(intent, {"name": intent, "confidence": 1.0})]

    events = [ActionExecuted("action_listen")]
    for _ in range(80):  # a long, ordinary conversation
        events += [*user("greet"), ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    events += [*user("nlu_fallback"), ActionExecuted("utter_default"), ActionExecuted("action_listen"),
               *user("nlu_fallback")]
    tracker = DialogueStateTracker.from_events("long-then-lost", events, domain.slots)
    assert len(states._original(domain, tracker)) > 10 * states.rule_depth(policy)
    predicted = []
    for prediction_states in (Policy._prediction_states, states.rule_prediction_states):
        with monkeypatch.context() as patch:
            patch.setattr(RulePolicy, "_prediction_states", prediction_states)
            p = policy.predict_action_probabilities(tracker, domain)
        predicted.append(domain.action_names_or_texts[p.max_confidence_index])
    assert predicted == ["action_handoff_request", "action_handoff_request"]  # misunderstood twice: a human


def test_a_rule_whose_first_turn_decides_is_not_matched_by_its_tail(tmp_path, monkeypatch):
    """A rule over three user turns (a → x, b → y, c → z): its first turn is not implied by the
    newest states, so a policy that looked at too few of them would also answer "d → x, b → y, c"
    with z. Rasa doesn't; nor does the rule policy that sees only its newest ``rule_depth`` states."""
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.core.training_data.structures import StoryGraph

    domain = Domain.from_yaml("""
intents: [a, b, c, d]
responses:
  utter_x: [{text: x}]
  utter_y: [{text: y}]
  utter_z: [{text: z}]
""")
    rules = YAMLStoryReader(domain).read_from_string("""
rules:
- rule: z only after a, b, c
  steps:
  - intent: a
  - action: utter_x
  - intent: b
  - action: utter_y
  - intent: c
  - action: utter_z
""")
    trackers = TrainingDataGenerator(StoryGraph(rules), domain, augmentation_factor=0).generate()
    policy = RulePolicy.create({**RulePolicy.get_default_config(), "restrict_rules": False},
                               LocalModelStorage(tmp_path), Resource("rules"), ExecutionContext(GraphSchema({}), "t"))
    policy.train(trackers, domain)

    def conversation(first):
        events = [ActionExecuted("action_listen")]
        for intent, action in ((first, "utter_x"), ("b", "utter_y")):
            events += [UserUttered(intent, {"name": intent, "confidence": 1.0}), ActionExecuted(action),
                       ActionExecuted("action_listen")]
        events.append(UserUttered("c", {"name": "c", "confidence": 1.0}))
        return DialogueStateTracker.from_events(first, events, domain.slots)

    for first in ("a", "d"):
        predicted = []
        for prediction_states in (Policy._prediction_states, states.rule_prediction_states):
            with monkeypatch.context() as patch:
                patch.setattr(RulePolicy, "_prediction_states", prediction_states)
                p = policy.predict_action_probabilities(conversation(first), domain)
            predicted.append(domain.action_names_or_texts[p.max_confidence_index] if max(p.probabilities) > 0.5
                             else None)
        assert predicted == [("utter_z" if first == "a" else None)] * 2, (first, predicted)
