"""An agent's answer teaches the bot: the shopper's question the bot could not answer, the agent's
reply in the console, a draft in the FAQ editor's inbox, and after the editor publishes it, the
next shopper with the same question is answered by the bot.

On the ``faq_stack`` (publishing changes what the bot answers)."""

from __future__ import annotations

import time

import pytest

from tests.conversations.handoffs import new_sender, queue_entry, wait_for
from tests.conversations.test_faq_publish import publish

pytestmark = pytest.mark.stack

QUESTION = "羽绒服可以丢洗衣机里洗吗"
ANSWER = "羽绒服建议手洗，水温不超过30度，不要拧干，平铺晾干即可。"


def test_a_draft_from_an_agents_answer_answers_the_next_shopper_once_published(faq_stack):
    agent, editor = faq_stack.login("agent"), faq_stack.login("editor")
    shopper = new_sender("wash")
    faq_stack.say(shopper, QUESTION)
    faq_stack.say(shopper, "转人工")
    entry = queue_entry(faq_stack, agent, shopper)
    assert faq_stack.api("POST", f"/api/handoffs/{entry['id']}/claim", token=agent)[0] == 200
    status, _ = faq_stack.api("POST", f"/api/handoffs/{entry['id']}/messages", {"text": ANSWER}, token=agent)
    assert status == 201

    def draft():
        status, drafts = faq_stack.api("GET", "/api/assist/drafts", token=editor)
        assert status == 200, drafts
        return next((d for d in drafts if d["question"] == QUESTION), None)

    found = wait_for(draft, timeout=40, interval=1, message="the draft in the editor's inbox")
    assert found["answer"] == ANSWER and found["language"] == "zh"
    assert faq_stack.api("POST", f"/api/handoffs/{entry['id']}/resolve", token=agent)[0] == 200
    # nothing is live before the editor publishes
    assert ANSWER not in faq_stack.say(new_sender("before"), QUESTION)

    faq = {"id": "down_jacket_washing", "category": found["category"] or "store",
           "question_zh": found["question"], "examples_zh": ["羽绒服能机洗吗", "羽绒服怎么洗"],
           "question_en": "Can a down jacket go in the washing machine?", "examples_en": ["machine wash down jacket"],
           "answer_zh": found["answer"],
           "answer_en": "Hand-wash down jackets below 30 °C, do not wring them, and dry them flat."}
    status, created = faq_stack.api("POST", "/api/faqs", faq, token=editor)
    assert status == 201, created
    status, used = faq_stack.api("POST", f"/api/assist/drafts/{found['id']}/use", {"faq_id": faq["id"]}, token=editor)
    assert status == 200 and used["status"] == "used"
    started = time.monotonic()
    assert publish(faq_stack, editor)["status"] == "live"
    assert time.monotonic() - started < 60
    assert ANSWER in faq_stack.say(new_sender("after"), QUESTION)
    assert all(d["id"] != found["id"] for d in faq_stack.api("GET", "/api/assist/drafts", token=editor)[1])
