"""The rule policy predicts from its newest states only, and remembers which rules match them.

Rasa gives the rule policy the states of the whole conversation (its featurizer has no
``max_history``) on each of its two or three predictions per turn, tests every rule against them
from the newest back, and renders them all as text (deep copies included) for one debug line per
prediction. A rule is matched against the newest states, as long as the rule; so:

* :func:`rule_prediction_states` hands the policy only its newest :func:`rule_depth` states (one
  more than its longest key). The only use of older states is the "no rule applies" key, looked up
  among the keys of rules not in stories — none as long as ``rule_depth``, so a longer key is never
  found there, cut or not: the prediction is the same, only that key (a source name for the log)
  is shorter. Measured: a turn late in a 300-turn conversation 20.1 → 8.1 ms (in process).
* :func:`get_possible_keys` memoises ``RulePolicy._get_possible_keys`` on the states that can
  decide it (the last *k*, *k* the length of the longest rule): conversations repeat the same few
  recent states (a greeting, an FAQ, a form turn).
* With debug logging off, ``Policy.format_tracker_states`` (the debug line's text) returns nothing.
"""

from __future__ import annotations

import copy as _copy_module
import json
import logging
from collections import OrderedDict
from typing import Any

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.policy import Policy, SupportedData
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RULES_NOT_IN_STORIES, RulePolicy
from rasa.shared.core.domain import Domain

from bot.patches import registry
from bot.patches.replay import CACHE_SIZE, freeze

#: Rasa's own function (what the memoised one is tested equal to).
rasa_get_possible_keys = RulePolicy._get_possible_keys


def get_possible_keys(self: Any, lookup: dict[str, str], states: list[dict]) -> set[str]:
    """Same result as ``RulePolicy._get_possible_keys``, memoised on the states that matter."""
    cache = self.__dict__.setdefault("_kefu_rule_keys", OrderedDict())
    depth_key = ("depth", id(lookup))
    depth = cache.get(depth_key)
    if depth is None:
        depth = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
        cache[depth_key] = depth
    key = (id(lookup), freeze(states[-depth:]) if depth else ())
    found = cache.get(key)
    if found is None:
        found = frozenset(rasa_get_possible_keys(self, lookup, states))
        cache[key] = found
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return set(found)


def rule_depth(policy: Any) -> int:
    """How many of the newest states can decide a rule policy's prediction: one more than its
    longest key (rules, unhappy-path rules, and the keys of rules not in stories, which decide
    ``hide_rule_turn``). Keys that are not states (default-rule sources) don't count."""
    depth = policy.__dict__.get("_kefu_rule_depth")
    if depth is None:
        longest = 0
        for name in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RULES_NOT_IN_STORIES):
            for key in policy.lookup.get(name) or []:
                try:
                    key_states = json.loads(key)
                except (TypeError, ValueError):
                    continue
                if isinstance(key_states, list):
                    longest = max(longest, len(key_states))
        depth = policy.__dict__["_kefu_rule_depth"] = longest + 1
    return depth


def rule_prediction_states(
    self: Any,
    tracker: Any,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict | None = None,
) -> list[dict]:
    """The rule policy's prediction states, only the newest :func:`rule_depth` of them."""
    featurizer = self.featurizer
    if featurizer.max_history is not None or not isinstance(featurizer, MaxHistoryTrackerFeaturizer):
        return Policy._prediction_states(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
    limited = self.__dict__.get("_kefu_limited_featurizer")
    if limited is None or limited.max_history != rule_depth(self):
        limited = _copy_module.copy(featurizer)
        limited.max_history = rule_depth(self)
        self.__dict__["_kefu_limited_featurizer"] = limited
    ml_only = self.supported_data() == SupportedData.ML_DATA
    return limited.prediction_states([tracker], domain, use_text_for_last_user_input=use_text_for_last_user_input,
                                     ignore_rule_only_turns=ml_only, rule_only_data=rule_only_data,
                                     ignore_action_unlikely_intent=ml_only)[0]


def _no_debug_text(states: list[dict]) -> list[str]:
    return []


def install() -> None:
    """Replaces ``RulePolicy._prediction_states`` and ``_get_possible_keys``; with debug logging
    of the rule policy off, ``Policy.format_tracker_states`` too."""
    registry.replace(RulePolicy, "_prediction_states", rule_prediction_states)
    registry.replace(RulePolicy, "_get_possible_keys", get_possible_keys)
    if not logging.getLogger("rasa.core.policies.rule_policy").isEnabledFor(logging.DEBUG):
        # RulePolicy renders every state as text (and deep-copies it) for one debug line per
        # prediction; with DEBUG off nobody reads it
        registry.replace(Policy, "format_tracker_states", staticmethod(_no_debug_text))
