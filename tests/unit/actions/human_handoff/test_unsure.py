"""action_unsure_turn: the FAQ gate's withheld guess counts towards "misunderstood twice → human" like nlu_fallback."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.human_handoff.unsure import ActionUnsureTurn

FALLBACK = {"intent": {"name": "nlu_fallback", "confidence": 0.2}}
GATED = {"intent": {"name": "out_of_scope", "confidence": 0.13},
         "faq_gate": {"closest": "faq/product_authenticity", "probability": 0.13}}
SURE_OUT_OF_SCOPE = {"intent": {"name": "out_of_scope", "confidence": 0.97}}
FAQ = {"intent": {"name": "faq", "confidence": 0.95}}


def run(*parses: dict) -> dict:
    events = []
    for n, parse in enumerate(parses):
        events += [{"event": "action", "name": "action_listen"},
                   {"event": "user", "text": f"message {n}", "parse_data": parse}]
    tracker = Tracker("s", {}, {"text": f"message {len(parses) - 1}", **parses[-1]}, events, False, None, {},
                      "action_listen")
    result = asyncio.run(ActionUnsureTurn().run(CollectingDispatcher(), tracker, {}))
    return {e["name"]: e["value"] for e in result if e["event"] == "slot"}


def test_two_unsure_turns_in_a_row_hand_over_whatever_their_kind():
    for first, second in ((FALLBACK, FALLBACK), (GATED, GATED), (GATED, FALLBACK), (FALLBACK, GATED)):
        assert run(first, second) == {"unsure_twice": True, "handoff_reason": "low_confidence"}


def test_one_unsure_turn_or_a_sure_out_of_scope_does_not():
    assert run(GATED) == {"unsure_twice": False}
    assert run(FAQ, GATED) == {"unsure_twice": False}
    assert run(FALLBACK, FAQ, FALLBACK) == {"unsure_twice": False}
    # "今天北京天气怎么样": the model is sure it is out of scope, it understood the message
    assert run(FALLBACK, SURE_OUT_OF_SCOPE) == {"unsure_twice": False}
    assert run(SURE_OUT_OF_SCOPE, FALLBACK) == {"unsure_twice": False}
