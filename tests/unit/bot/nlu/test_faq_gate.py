"""The FAQ gate (bot.nlu.faq_gate): an FAQ the model is unsure of is out_of_scope, a sure one stays."""

from rasa.shared.nlu.training_data.message import Message

from bot.nlu.faq_gate import FaqGate, selected_faq


def _parsed(faq_confidence: float, share: float, key: str = "faq/product_authenticity") -> Message:
    message = Message(data={"text": "你们有实体店吗"})
    message.set("intent", {"name": "faq", "confidence": faq_confidence})
    message.set("intent_ranking", [{"name": "faq", "confidence": faq_confidence},
                                   {"name": "out_of_scope", "confidence": 1 - faq_confidence}])
    message.set("response_selector", {"all_retrieval_intents": ["faq"], "faq": {
        "response": {"intent_response_key": key, "confidence": share}, "ranking": []}})
    return message


def test_the_selected_faqs_probability_is_the_faq_confidence_times_its_share():
    key, probability = selected_faq({"name": "faq", "confidence": 0.6}, {
        "faq": {"response": {"intent_response_key": "faq/refund_time", "confidence": 0.5}}})
    assert key == "faq/refund_time" and abs(probability - 0.3) < 1e-9
    assert selected_faq({"name": "greet", "confidence": 0.9}, {}) is None


def test_an_unsure_faq_answer_becomes_out_of_scope():
    [out] = FaqGate({"min_probability": 0.25}).process([_parsed(0.45, 0.3)])
    assert out.get("intent")["name"] == "out_of_scope"
    assert out.get("intent_ranking")[0]["name"] == "out_of_scope"
    assert "faq" not in [r["name"] for r in out.get("intent_ranking")]
    assert "faq" not in out.get("response_selector")
    assert out.get("faq_gate") == {"closest": "faq/product_authenticity", "probability": 0.135}


def test_a_sure_faq_answer_stays():
    [out] = FaqGate({"min_probability": 0.25}).process([_parsed(0.95, 0.9, "faq/refund_time")])
    assert out.get("intent")["name"] == "faq" and out.get("faq_gate") is None
    assert out.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/refund_time"
