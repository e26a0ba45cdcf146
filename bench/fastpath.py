"""How well the FAQ fast path answers a newly published FAQ before the retrain, and how often it
would take a message that is not about it.

``python -m bench.fastpath``: the shop's FAQ content is the trained content; two new FAQs are
published on top (never trained). For each paraphrase of a new FAQ (written for this benchmark,
not its questions) it checks that the fast path selects that FAQ; for each message of the
held-out set (tests/nlu/heldout.yml, none about the new FAQs) that it selects neither. The
classifier is taken to be unsure of everything (its confidence plays no part), the worst case for
false selections. Prints JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml

from faq.codec import catalogue_content
from faq.live import LiveContent
from faq.loader import example_key, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
CONFIG = {"similarity": 0.35, "margin": 0.05, "strong_similarity": 0.8}

NEW_FAQS = [
    ({"id": "gift_card_cash", "category": "payment", "question_zh": "礼品卡可以兑换成现金吗？",
      "question_en": "Can a gift card be exchanged for cash?",
      "examples_zh": ["礼品卡能换钱吗", "购物卡可以提现不", "礼品卡余额能退吗"],
      "examples_en": ["gift card cash out", "can I get cash for my gift card", "refund gift card balance"],
      "answer_zh": "-", "answer_en": "-"},
     ["礼品卡能不能换成现金", "礼品卡可以换钱吗", "购物卡里的钱能提现吗", "gift card to cash?",
      "can gift cards be turned into cash", "礼品卡兑现", "礼品卡可以折现吗", "我想把礼品卡换成钱",
      "礼品卡怎么兑换现金", "能把购物卡退成现金吗", "Is it possible to convert a gift card into cash?",
      "禮品卡可以換現金嗎"]),
    ({"id": "shop_operator", "category": "store", "question_zh": "你们是哪家公司运营的？",
      "question_en": "Which company runs this shop?",
      "examples_zh": ["你们老板是谁", "店是谁开的", "运营主体是什么公司"],
      "examples_en": ["who owns the shop", "who is behind this store", "company behind the shop"],
      "answer_zh": "-", "answer_en": "-"},
     ["你们公司叫什么", "这家店的老板是谁啊", "谁开的这家店", "經營這家店的是什麼公司", "who runs this store?",
      "what company owns this shop", "店铺的运营公司是哪家"]),
]


def heldout_messages() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout.yml").read_text(encoding="utf-8"))
    messages = []
    for block in data["nlu"]:
        messages += [line[2:].strip() for line in block.get("examples", "").splitlines() if line.startswith("- ")]
    return messages


def main() -> int:
    catalogue, _ = load_catalogue(ROOT / "faq" / "content")
    faqs = {faq["id"]: faq for faq in catalogue_content(catalogue)["faqs"]}
    trained = frozenset(f"{faq_id}\0{example_key(t)}" for faq_id, faq in faqs.items()
                        for t in (faq["question_zh"], *faq["examples_zh"], faq["question_en"], *faq["examples_en"]))
    for faq, _ in NEW_FAQS:
        faqs[faq["id"]] = faq
    index, new = LiveContent(1, "bench", faqs).question_index(trained)

    def selects(text: str) -> str | None:
        scores = index.scores(text)
        best = int(np.argmax(np.where(new, scores, -1.0)))
        score, known = float(scores[best]), float(scores[~new].max())
        if score >= CONFIG["strong_similarity"] or (score >= CONFIG["similarity"] and score >= known + CONFIG["margin"]):
            return index.items[best][0]
        return None

    paraphrases = [(faq["id"], text) for faq, texts in NEW_FAQS for text in texts]
    hits = [text for faq_id, text in paraphrases if selects(text) == faq_id]
    heldout = heldout_messages()
    false = [text for text in heldout if selects(text) is not None]
    result = {
        "paraphrases": len(paraphrases), "paraphrases_answered": len(hits),
        "paraphrase_recall": round(len(hits) / len(paraphrases), 3),
        "missed": [text for _, text in paraphrases if text not in hits],
        "heldout_messages": len(heldout), "heldout_taken": len(false),
        "false_selection_rate": round(len(false) / len(heldout), 4), "taken": false, "config": CONFIG,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
