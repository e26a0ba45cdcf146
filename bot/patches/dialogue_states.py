"""Incremental applied events and dialogue states: a turn's cost no longer grows with the
conversation's length.

Rasa's policies ask the domain for the states of every prior turn (``Domain.
states_for_tracker_history``) on each prediction, and the domain replays the whole session from
its first event to produce them: two policies, two predictions per turn, so a conversation's
100th turn replays it four times; the tracker's ``applied_events`` walks every event of the
conversation several times per turn too. The states of past turns do not change while events are
only appended, so this module remembers, per conversation and per kind of request, the replay
tracker and the states produced so far, and continues from there when the tracker's applied events
extend the remembered ones (:mod:`bot.patches.replay`). Anything else — a reverted turn, a
reloaded tracker, a policy's temporary tracker — recomputes from scratch exactly as Rasa does.
Callers get fresh copies (featurizers edit states in place).

Measured: a turn at a history of 90–100 events 35 → 24 ms. :func:`install` replaces
``Domain.states_for_tracker_history`` and ``DialogueStateTracker.applied_events``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core import constants as core_constants
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.patches import registry, replay
from bot.patches.replay import continued, freeze, lock

#: Rasa's own functions (what the patched ones are tested equal to).
rasa_states_for_tracker_history = Domain.states_for_tracker_history
rasa_applied_events = DialogueStateTracker.applied_events


@dataclass
class _Replay:
    """How far the states of one line of events have been computed."""

    domain: Domain
    events: list[Any]  # applied events consumed so far
    tracker: Any  # the replay tracker after those events
    states: list[dict] = field(default_factory=list)  # states yielded before the final one
    last_ml_action_sub_state: Any = None
    turn_was_hidden: bool = False


_cache = replay.new_cache()


def copy_state(state: dict, shared_users: dict[int, dict] | None = None) -> dict:
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


def _step(domain: Domain, tr: Any, hide_rule_turn: bool, omit_unset_slots: bool,
          ignore_rule_only_turns: bool, rule_only_data: dict | None, states: list[dict],
          variables: dict) -> None:
    """One iteration of Rasa's ``states_for_tracker_history`` loop (kept line for line)."""
    if ignore_rule_only_turns:
        if not variables["turn_was_hidden"]:
            variables["last_ml_action_sub_state"] = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and tr.latest_action_name != tr.active_loop_name:
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
    ``lock`` held), and the loop variables after its last event."""
    # rule_only_data matters only with ignore_rule_only_turns; Rasa builds a new dict per call
    rule_key = freeze(rule_only_data) if ignore_rule_only_turns else None
    key = (tracker.sender_id, id(self), omit_unset_slots, ignore_rule_only_turns, rule_key)
    applied = tracker.applied_events()
    record = continued(_cache, key, applied, lambda: _Replay(domain=self, events=[], tracker=tracker.init_copy()),
                       lambda r: r.domain is self)

    variables = {"last_ml_action_sub_state": record.last_ml_action_sub_state,
                 "turn_was_hidden": record.turn_was_hidden}
    for event in applied[len(record.events):]:
        if isinstance(event, ActionExecuted):
            _step(self, record.tracker, event.hide_rule_turn, omit_unset_slots,
                  ignore_rule_only_turns, rule_only_data, record.states, variables)
        record.tracker.update(event)
        record.events.append(event)
    record.last_ml_action_sub_state = variables["last_ml_action_sub_state"]
    record.turn_was_hidden = variables["turn_was_hidden"]
    return record, variables


def states_for_tracker_history(
    self: Domain,
    tracker: Any,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict | None = None,
) -> list[dict]:
    """Same result as Rasa's ``Domain.states_for_tracker_history``, computed incrementally."""
    with lock:
        record, variables = _replay_for(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        # the final state (after the last event) is built afresh; it is not remembered
        users: dict[int, dict] = {}
        states = [copy_state(state, users) for state in record.states]
        _step(self, record.tracker, False, omit_unset_slots, ignore_rule_only_turns,
              rule_only_data, states, dict(variables))
        return states


def last_states(self: Domain, tracker: Any, count: int, keep: Callable[[dict], bool],
                omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                rule_only_data: dict | None = None) -> list[dict]:
    """``[s for s in states_for_tracker_history(...) if keep(s)][-count:]``, copying only those.

    A policy with ``max_history`` looks at its last few states only; the whole history's copies
    cost a long conversation more than the prediction itself. The state before the final one is
    copied in any case: the final state may take its user part from it.
    """
    with lock:
        record, variables = _replay_for(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        past = record.states
        users: dict[int, dict] = {}
        buffer = [copy_state(past[-1], users)] if past else []
        _step(self, record.tracker, False, omit_unset_slots, ignore_rule_only_turns,
              rule_only_data, buffer, dict(variables))
        picked = [state for state in buffer[1 if past else 0:] if keep(state)]  # the final state, if any
        index = len(past) - 1
        while len(picked) < count and index >= 0:
            if keep(past[index]):
                picked.insert(0, buffer[0] if index == len(past) - 1 else copy_state(past[index], users))
            index -= 1
        return picked[-count:] if count > 0 else []


@dataclass
class _Applied:
    """How far ``applied_events`` has been computed for one line of events."""

    events: list[Any]  # events consumed so far
    loop_names: frozenset[str]  # the loops named in them
    applied: list[Any]


def _loop_names(events: list[Any]) -> frozenset[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


_applied_cache = replay.new_cache()


def applied_events(self: DialogueStateTracker) -> list[Any]:
    """Same result as Rasa's ``DialogueStateTracker.applied_events``, computed incrementally.

    Rasa walks every event of the conversation on each call (several times per turn). The walk
    depends on the names of all loops in the history, so a remembered prefix is only continued
    while that set of names is unchanged.
    """
    events = list(self.events)
    with lock:
        # continued only if the new events name no loop its walk did not know (the names of the
        # whole history decide it); only the new events are looked at
        record = continued(_applied_cache, self.sender_id, events,
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


def install() -> None:
    """Makes Rasa compute applied events and dialogue states incrementally."""
    registry.replace(Domain, "states_for_tracker_history", states_for_tracker_history)
    registry.replace(DialogueStateTracker, "applied_events", applied_events)
