"""Incremental dialogue states: a turn's cost no longer grows with the conversation's length.

Rasa's policies ask the domain for the states of every prior turn (``Domain.
states_for_tracker_history``) on each prediction, and the domain replays the whole session from
its first event to produce them: two policies, two predictions per turn, so a conversation's
100th turn replays it four times. The states of past turns do not change while events are only
appended, so this module remembers, per conversation and per kind of request, the replay tracker
and the states produced so far, and continues from there when the tracker's applied events extend
the remembered ones (the same event objects, which Kefu's tracker store keeps across turns).
Anything else — a reverted turn, a reloaded tracker, a policy's temporary tracker — recomputes
from scratch exactly as Rasa does. Callers get fresh copies (featurizers edit states in place).

The Rasa server installs it with :func:`install` (``bot/server.py``).
"""

from __future__ import annotations

import copy as _copy_module
import json
import operator
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.shared.core import constants as core_constants
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionReverted, ActiveLoop, BotUttered, Event, Restarted
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.events import UserUttered, UserUtteranceReverted
from rasa.shared.core.trackers import DialogueStateTracker

#: Remembered (conversation, kind of request) pairs per process; least recently used dropped.
CACHE_SIZE = 4000
#: Lines of replay kept per key (a policy's temporary trackers may branch off the main one).
RECORDS_PER_KEY = 3

_original = Domain.states_for_tracker_history
_original_applied_events = DialogueStateTracker.applied_events
_original_copy = DialogueStateTracker.copy
_original_prediction_states = MaxHistoryTrackerFeaturizer.prediction_states


@dataclass
class _Replay:
    """How far the states of one line of events have been computed."""

    domain: Domain
    events: list[Any]  # applied events consumed so far
    tracker: Any  # the replay tracker after those events
    states: list[dict] = field(default_factory=list)  # states yielded before the final one
    last_ml_action_sub_state: Any = None
    turn_was_hidden: bool = False


_cache: OrderedDict[tuple, list[_Replay]] = OrderedDict()
_lock = threading.RLock()  # re-entered: a replayed revert event asks for the applied events


def _copy(state: dict, shared_users: dict[int, dict] | None = None) -> dict:
    """A copy of a state and of its parts.

    With ``shared_users`` (one per result), user parts shared between states stay shared in the
    copies: Rasa's states of one turn take their user part from the state before, and the
    featurizer's edit of the last user input shows in the states that share it. (The user part is
    the only one featurizers edit.)"""
    copy = {key: dict(value) if isinstance(value, dict) else value for key, value in state.items()}
    if shared_users is not None:
        user = state.get(core_constants.USER)
        if user is not None:
            known = shared_users.get(id(user))
            if known is None:
                shared_users[id(user)] = copy[core_constants.USER]
            else:
                copy[core_constants.USER] = known
    return copy


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(_freeze(v) for v in value)
    return value


def _is_prefix(prefix: list[Any], events: list[Any]) -> bool:
    return len(prefix) <= len(events) and all(map(operator.is_, prefix, events))


def _continued(cache: OrderedDict, key: Any, events: list[Any], new: Any, fits: Any = lambda record: True) -> Any:
    """The record under ``key`` with the longest ``events`` prefix of ``events`` that ``fits``,
    else a new one from ``new()``; it becomes the key's first record, and the cache keeps its
    ``CACHE_SIZE`` most recently used keys (call with ``_lock`` held)."""
    records = cache.get(key, [])
    record = max((r for r in records if _is_prefix(r.events, events) and fits(r)),
                 key=lambda r: len(r.events), default=None)
    if record is None:
        record = new()
        records = [record, *records][:RECORDS_PER_KEY]
    else:
        records = [record, *(r for r in records if r is not record)]
    cache[key] = records
    cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return record


def _step(domain: Domain, tr: Any, hide_rule_turn: bool, omit_unset_slots: bool,
          ignore_rule_only_turns: bool, rule_only_data: dict | None, states: list[dict],
          variables: dict) -> None:
    """One iteration of Rasa's ``states_for_tracker_history`` loop (kept line for line)."""
    if ignore_rule_only_turns:
        if not variables["turn_was_hidden"]:
            variables["last_ml_action_sub_state"] = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            variables["turn_was_hidden"] = hide_rule_turn
        if variables["turn_was_hidden"]:
            return
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if variables["last_ml_action_sub_state"]:
            state[core_constants.PREVIOUS_ACTION] = variables["last_ml_action_sub_state"]
    states.append(domain._clean_state(state))


def _replay_for(self: Domain, tracker: Any, omit_unset_slots: bool, ignore_rule_only_turns: bool,
                rule_only_data: dict | None) -> tuple[_Replay, dict]:
    """The remembered replay of ``tracker``'s applied events, brought up to date (call with
    ``_lock`` held), and the loop variables after its last event."""
    # rule_only_data matters only with ignore_rule_only_turns; Rasa builds a new dict per call
    rule_key = _freeze(rule_only_data) if ignore_rule_only_turns else None
    key = (tracker.sender_id, id(self), omit_unset_slots, ignore_rule_only_turns, rule_key)
    applied = tracker.applied_events()
    replay = _continued(_cache, key, applied, lambda: _Replay(domain=self, events=[], tracker=tracker.init_copy()),
                        lambda r: r.domain is self)

    variables = {"last_ml_action_sub_state": replay.last_ml_action_sub_state,
                 "turn_was_hidden": replay.turn_was_hidden}
    for event in applied[len(replay.events):]:
        if isinstance(event, ActionExecuted):
            _step(self, replay.tracker, event.hide_rule_turn, omit_unset_slots,
                  ignore_rule_only_turns, rule_only_data, replay.states, variables)
        replay.tracker.update(event)
        replay.events.append(event)
    replay.last_ml_action_sub_state = variables["last_ml_action_sub_state"]
    replay.turn_was_hidden = variables["turn_was_hidden"]
    return replay, variables


def states_for_tracker_history(
    self: Domain,
    tracker: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict | None = None,
) -> list[dict]:
    """Same result as Rasa's ``Domain.states_for_tracker_history``, computed incrementally."""
    with _lock:
        replay, variables = _replay_for(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        # the final state (after the last event) is built afresh; it is not remembered
        users: dict[int, dict] = {}
        states = [_copy(state, users) for state in replay.states]
        _step(self, replay.tracker, False, omit_unset_slots, ignore_rule_only_turns,
              rule_only_data, states, dict(variables))
        return states


def last_states(self: Domain, tracker: Any, count: int, keep: Any, omit_unset_slots: bool = False,
                ignore_rule_only_turns: bool = False, rule_only_data: dict | None = None) -> list[dict]:
    """``[s for s in states_for_tracker_history(...) if keep(s)][-count:]``, copying only those.

    A policy with ``max_history`` looks at its last few states only; the whole history's copies
    cost a long conversation more than the prediction itself. The state before the final one is
    copied in any case: the final state may take its user part from it.
    """
    with _lock:
        replay, variables = _replay_for(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        past = replay.states
        users: dict[int, dict] = {}
        buffer = [_copy(past[-1], users)] if past else []
        _step(self, replay.tracker, False, omit_unset_slots, ignore_rule_only_turns,
              rule_only_data, buffer, dict(variables))
        picked = [state for state in buffer[1 if past else 0:] if keep(state)]  # the final state, if any
        index = len(past) - 1
        while len(picked) < count and index >= 0:
            if keep(past[index]):
                picked.insert(0, buffer[0] if index == len(past) - 1 else _copy(past[index], users))
            index -= 1
        return picked[-count:] if count > 0 else []


def max_history_prediction_states(
    self: Any,
    trackers: list[Any],
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict | None = None,
    ignore_action_unlikely_intent: bool = False,
) -> list[list[dict]]:
    """Same result as Rasa's ``MaxHistoryTrackerFeaturizer.prediction_states``, built from the
    last ``max_history`` states only (see :func:`last_states`)."""
    from rasa.core.featurizers.tracker_featurizers import _is_prev_action_unlikely_intent_in_state

    if (not self.max_history or type(self)._create_states is not MaxHistoryTrackerFeaturizer._create_states
            or type(domain).states_for_tracker_history is not states_for_tracker_history
            or any(type(tracker) is not DialogueStateTracker for tracker in trackers)):
        return _original_prediction_states(
            self, trackers, domain, use_text_for_last_user_input=use_text_for_last_user_input,
            ignore_rule_only_turns=ignore_rule_only_turns, rule_only_data=rule_only_data,
            ignore_action_unlikely_intent=ignore_action_unlikely_intent)
    if ignore_action_unlikely_intent:
        def keep(state: dict) -> bool:
            return not _is_prev_action_unlikely_intent_in_state(state)
    else:
        def keep(state: dict) -> bool:
            return True
    trackers_as_states = [
        last_states(domain, tracker, self.max_history, keep, ignore_rule_only_turns=ignore_rule_only_turns,
                    rule_only_data=rule_only_data)
        for tracker in trackers
    ]
    self._choose_last_user_input(trackers_as_states, use_text_for_last_user_input)
    return trackers_as_states


@dataclass
class _Applied:
    """How far ``applied_events`` has been computed for one line of events."""

    events: list[Any]  # events consumed so far
    loop_names: frozenset[str]  # the loops named in them
    applied: list[Any]


def _loop_names(events: list[Any]) -> frozenset[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


_applied_cache: OrderedDict[str, list[_Applied]] = OrderedDict()


def applied_events(self: DialogueStateTracker) -> list[Any]:
    """Same result as Rasa's ``DialogueStateTracker.applied_events``, computed incrementally.

    Rasa walks every event of the conversation on each call (several times per turn). The walk
    depends on the names of all loops in the history, so a remembered prefix is only continued
    while that set of names is unchanged.
    """
    events = list(self.events)
    with _lock:
        # continued only if the new events name no loop its walk did not know (the names of the
        # whole history decide it); only the new events are looked at
        record = _continued(_applied_cache, self.sender_id, events,
                            lambda: _Applied(events=[], loop_names=_loop_names(events), applied=[]),
                            lambda r: _loop_names(events[len(r.events):]) <= r.loop_names)
        applied = record.applied
        for event in events[len(record.events):]:  # Rasa's loop, line for line
            if isinstance(event, (Restarted, SessionStarted)):
                applied.clear()
            elif isinstance(event, ActionReverted):
                self._undo_till_previous(ActionExecuted, applied)
            elif isinstance(event, UserUtteranceReverted):
                self._undo_till_previous(UserUttered, applied)
                self._undo_till_previous(ActionExecuted, applied)
            elif (
                isinstance(event, ActionExecuted)
                and event.action_name in record.loop_names
                and not self._first_loop_execution_or_unhappy_path(event.action_name, applied)
            ):
                self._undo_till_previous_loop_execution(event.action_name, applied)
            else:
                applied.append(event)
            record.events.append(event)
        return list(applied)


@dataclass
class _Copied:
    """A tracker rebuilt from the first ``len(events)`` events of a line, as Rasa's copy does."""

    events: list[Any]  # events replayed so far
    ids: set[int]  # their ids: tells the tracker's own events from its empty placeholders
    replay: DialogueStateTracker


_copy_cache: OrderedDict[tuple, list[_Copied]] = OrderedDict()
_IMMUTABLE = (str, int, float, bool, type(None), frozenset, tuple)


def _untouched_placeholder(event: Any) -> bool:
    """Whether ``event`` is as ``empty()`` creates it (apart from its time)."""
    fresh = vars(type(event).empty())
    current = vars(event)
    return fresh.keys() == current.keys() and all(
        current[key] == value for key, value in fresh.items() if key != "timestamp")


def _clone(record: _Copied) -> DialogueStateTracker:
    """An independent tracker in the state of ``record.replay``: the same event objects (Rasa's
    replay shares them too), its own event list, slots, loop and action dicts."""
    clone = object.__new__(DialogueStateTracker)
    for name, value in record.replay.__dict__.items():
        if isinstance(value, _IMMUTABLE):
            pass
        elif isinstance(value, deque):
            value = deque(value, value.maxlen)
        elif name == "slots":
            slots = type(value)()
            slots.update((key, _copy_module.copy(slot)) for key, slot in value.items())
            value = slots
        elif isinstance(value, Event) and id(value) in record.ids:
            pass  # latest_message / latest_bot_utterance: one of the events, as in Rasa's replay
        elif type(value) is dict and all(isinstance(v, _IMMUTABLE) for v in value.values()):
            value = dict(value)  # latest_action, active_loop
        elif isinstance(value, (UserUttered, BotUttered)) and _untouched_placeholder(value):
            value = type(value).empty()  # what a replay creates (the start of a conversation)
        else:
            value = _copy_module.deepcopy(value)  # a placeholder changed by an event, anything new
        clone.__dict__[name] = value
    return clone


def tracker_copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """Same result as Rasa's ``DialogueStateTracker.copy``, without replaying the whole history.

    Rasa's copy builds an empty tracker and replays every event of the conversation into it; the
    message processor copies the tracker for every action it runs. This keeps, per conversation,
    the tracker replayed so far, replays only the events added since, and hands out a clone.
    """
    if type(self) is not DialogueStateTracker:
        return _original_copy(self)
    signature = (self.sender_id, self._max_event_history, self.is_rule_tracker,
                 tuple((name, type(slot), id(slot.mappings), repr(slot.initial_value))
                       for name, slot in self.slots.items()))
    events = list(self.events)
    with _lock:
        record = _continued(_copy_cache, signature, events,
                            lambda: _Copied(events=[], ids=set(), replay=self.init_copy()))
        for event in events[len(record.events):]:
            if not event.timestamp <= float("inf"):  # Rasa's replay stops here (a NaN time)
                return _original_copy(self)
            record.replay.update(event)
            record.events.append(event)
            record.ids.add(id(event))
        return _clone(record)


_rasa_get_possible_keys = None


def _original_get_possible_keys(self, lookup, states):
    """Rasa's own ``RulePolicy._get_possible_keys`` (captured before :func:`install` replaces it)."""
    global _rasa_get_possible_keys
    if _rasa_get_possible_keys is None:
        from rasa.core.policies.rule_policy import RulePolicy

        _rasa_get_possible_keys = RulePolicy._get_possible_keys
    return _rasa_get_possible_keys(self, lookup, states)


def get_possible_keys(self, lookup: dict[str, str], states: list[dict]) -> set[str]:
    """Same result as ``RulePolicy._get_possible_keys``, memoised on the states that matter.

    Rasa tests every rule against the conversation's states from the newest back; a rule is
    applicable at any turn older than its own length, so only the last *k* states decide, where
    *k* is the length of the longest rule. Conversations repeat the same few recent states
    (a greeting, an FAQ, a form turn), so the result is looked up instead of recomputed.
    """
    cache = self.__dict__.setdefault("_kefu_rule_keys", OrderedDict())
    depth_key = ("depth", id(lookup))
    depth = cache.get(depth_key)
    if depth is None:
        depth = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
        cache[depth_key] = depth
    key = (id(lookup), _freeze(states[-depth:]) if depth else ())
    found = cache.get(key)
    if found is None:
        found = frozenset(_original_get_possible_keys(self, lookup, states))
        cache[key] = found
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return set(found)


def rule_depth(policy: Any) -> int:
    """How many of the newest states can decide a rule policy's prediction: one more than its
    longest key (rules, unhappy-path rules, and the keys of rules not in stories, which decide
    ``hide_rule_turn``). Keys that are not states (default-rule sources) don't count."""
    from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RULES_NOT_IN_STORIES

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
    """The rule policy's prediction states, only the newest :func:`rule_depth` of them.

    Rasa gives the rule policy the states of the whole conversation (its featurizer has no
    ``max_history``) on each of its two or three predictions per turn; a turn late in a long
    conversation spent most of its time copying them. A rule is matched against the newest
    states, as long as the rule, from the newest back; the only use of the older states is the
    "no rule applies" key, which is looked up among the keys of rules not in stories — none as
    long as ``rule_depth``, so a longer key is never found there, cut or not. The prediction is
    the same; only that key (a source name for the log) is shorter.
    """
    from rasa.core.policies.policy import Policy, SupportedData

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


def install() -> None:
    """Makes Rasa compute applied events, tracker states and rule matches incrementally."""
    import logging

    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    Domain.states_for_tracker_history = states_for_tracker_history
    DialogueStateTracker.applied_events = applied_events
    DialogueStateTracker.copy = tracker_copy
    MaxHistoryTrackerFeaturizer.prediction_states = max_history_prediction_states
    if RulePolicy._prediction_states is not rule_prediction_states:
        RulePolicy._prediction_states = rule_prediction_states
    if RulePolicy._get_possible_keys is not get_possible_keys:
        _original_get_possible_keys(None, {}, [])  # capture Rasa's before replacing it
        RulePolicy._get_possible_keys = get_possible_keys
    if not logging.getLogger("rasa.core.policies.rule_policy").isEnabledFor(logging.DEBUG):
        # RulePolicy renders every state as text (and deep-copies it) for one debug line per
        # prediction; with DEBUG off nobody reads it
        Policy.format_tracker_states = staticmethod(lambda states: [])


def clear() -> None:
    with _lock:
        _cache.clear()
        _applied_cache.clear()
        _copy_cache.clear()
