"""Scores the held-out product questions (tests/nlu/heldout_products.yml) end to end, minus the network:
the trained model parses each question, then ``action_product_answer`` itself answers it over a demo
shop seeded today (SQLite), and its replies are read.

Per question: **right** when the reply states the asked fact's catalogue value for that product;
**honest** (for a fact the catalogue does not hold) when it says the details do not say
(``utter_product_fact_unknown``) and states no fact; **invented** when it states any fact that is not
the one asked (for an unknown fact: any fact at all). Figures per language.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
HELDOUT = HERE / "heldout_products.yml"
#: responses that state a fact of the catalogue
STATING = {"utter_product_fact", "utter_product_warranty", "utter_product_shelf_life"}


def load_questions(path: Path = HELDOUT) -> list[dict[str, str]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["questions"])


def _answer(shop: Any, parse: dict[str, Any]) -> list[dict[str, Any]]:
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.product_answers.answer import ActionProductAnswer

    class Answer(ActionProductAnswer):
        def catalogue(self) -> Any:
            return shop

    language = next((e["value"] for e in parse.get("entities", []) if e.get("entity") == "language"), None)
    tracker = Tracker("heldout", {"language": language}, parse, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(Answer().run(dispatcher, tracker, {}))
    return dispatcher.messages


def score(question: dict[str, str], parse: dict[str, Any], replies: list[dict[str, Any]], shop: Any) -> dict:
    product = shop.get_product(sku=question["sku"])
    english = question["language"] == "en"
    stated = [r for r in replies if r.get("response") in STATING]
    expected = None if question["fact"] == "unknown" else question["fact"]
    right = False
    invented = False
    for reply in stated:
        if expected == "warranty":
            ok = reply["response"] == "utter_product_warranty" and reply.get("months") == product.warranty_months
        else:
            fact = product.fact(expected) if expected else None
            value = (fact.value_en if english else fact.value_zh) if fact else None
            ok = reply.get("product") == (product.name_en if english else product.name_zh) and reply.get("value") == value
        right = right or ok
        invented = invented or not ok
    honest = expected is None and not stated and any(r.get("response") == "utter_product_fact_unknown"
                                                     for r in replies)
    return {"text": question["text"], "language": question["language"], "intent": parse["intent"]["name"],
            "expected": question["fact"], "responses": [r.get("response") for r in replies],
            "right": right, "invented": invented, "honest": honest}


def summarise(rows: list[dict]) -> dict:
    def figures(part: list[dict]) -> dict:
        known = [r for r in part if r["expected"] != "unknown"]
        unknown = [r for r in part if r["expected"] == "unknown"]
        return {"questions": len(part), "known": len(known), "unknown": len(unknown),
                "fact_accuracy": sum(r["right"] for r in known) / len(known) if known else 0.0,
                "invented": sum(r["invented"] for r in part),
                "unknown_honesty": sum(r["honest"] for r in unknown) / len(unknown) if unknown else 0.0}

    languages = sorted({r["language"] for r in rows})
    return {**figures(rows), "per_language": {lang: figures([r for r in rows if r["language"] == lang])
                                              for lang in languages},
            "misses": [r for r in rows if r["invented"] or (r["expected"] == "unknown" and not r["honest"])
                       or (r["expected"] != "unknown" and not r["right"])]}


def evaluate(model: Path, database_url: str) -> dict:
    """Parses and answers every held-out question; the summary with its misses."""
    from rasa.core.agent import Agent

    from shop.demo import DemoShop

    agent = Agent.load(str(model))
    shop = DemoShop(database_url)
    rows = []
    for question in load_questions():
        parse = asyncio.run(agent.parse_message(question["text"]))
        # the rules send only product intents to the action; any other intent gets no product answer
        replies = _answer(shop, parse) if parse["intent"]["name"].startswith("product_") else []
        rows.append(score(question, parse, replies, shop))
    return summarise(rows)
