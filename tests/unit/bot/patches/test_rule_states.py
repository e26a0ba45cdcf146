"""The rule policy, given only its newest states and memoised rule matches, predicts as Rasa's does
(the project's trained rule policy on random conversations, and rules written for the test)."""

from __future__ import annotations

import random

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.patches import dialogue_states, rule_states
from tests.unit.bot.patches.random_events import random_event

#: Rasa's own states, which the patched ones are compared with
rasa_states = dialogue_states.rasa_states_for_tracker_history


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
        prediction_states = rasa_states(domain, tracker, rule_only_data=policy._get_rule_only_data())
        for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
            expected = rule_states.rasa_get_possible_keys(policy, lookup, prediction_states)
            assert rule_states.get_possible_keys(policy, lookup, prediction_states) == expected
            checked += bool(expected)
    assert checked > 10  # the sequences do reach states where rules apply


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
        for prediction_states in (Policy._prediction_states, rule_states.rule_prediction_states):
            with monkeypatch.context() as patch:
                patch.setattr(RulePolicy, "_prediction_states", prediction_states)
                p = policy.predict_action_probabilities(tracker, domain)
            predictions.append((p.probabilities, p.events, p.hide_rule_turn, p.is_end_to_end_prediction))
        assert predictions[0] == predictions[1]
        compared += 1
        cut += len(rasa_states(domain, tracker)) > rule_states.rule_depth(policy)
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
    # misunderstood twice (the rules of data/rules/basics.yml: action_unsure_turn sets unsure_twice,
    # and the rule over the intent, that action and that slot hands over)
    events += [*user("nlu_fallback"), ActionExecuted("action_unsure_turn"), SlotSet("unsure_twice", False),
               ActionExecuted("utter_default"), ActionExecuted("action_listen"),
               *user("nlu_fallback"), ActionExecuted("action_unsure_turn"), SlotSet("unsure_twice", True)]
    tracker = DialogueStateTracker.from_events("long-then-lost", events, domain.slots)
    assert len(rasa_states(domain, tracker)) > 10 * rule_states.rule_depth(policy)
    predicted = []
    for prediction_states in (Policy._prediction_states, rule_states.rule_prediction_states):
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
        for prediction_states in (Policy._prediction_states, rule_states.rule_prediction_states):
            with monkeypatch.context() as patch:
                patch.setattr(RulePolicy, "_prediction_states", prediction_states)
                p = policy.predict_action_probabilities(conversation(first), domain)
            predicted.append(domain.action_names_or_texts[p.max_confidence_index] if max(p.probabilities) > 0.5
                             else None)
        assert predicted == [("utter_z" if first == "a" else None)] * 2, (first, predicted)
