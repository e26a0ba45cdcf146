"""Drafts collected straight from the database (SQLite and PostgreSQL): one per answered inbox item,
none for an item nobody answered or one the shopper followed with another question."""

from __future__ import annotations

from pathlib import Path

from analytics.ingest import ingest
from assist import drafts
from faq.loader import load_catalogue
from kefu.events import record_events
from tests.unit.analytics.seed import ZONE
from tests.unit.assist.scripts import answered_by_agent, hand_over, said, start

FAQS = load_catalogue(Path(__file__).resolve().parents[3] / "faq" / "content")[0].faqs


def test_collect_once_per_answered_question(database_url):
    answered_by_agent(database_url, "d-1", "你们的杯子能刻字吗", "可以免费刻字，最多8个字。")
    c = start("d-2")
    said(c, "羽绒服能机洗吗", "nlu_fallback", confidence=0.1).fallback()
    said(c, "另外发票怎么开呀", "faq")  # another question before the agent wrote: the reply answers that one
    hand_over(database_url, c, "customer_request", "另外发票怎么开呀", claim="agent")
    c.bot("发票在订单详情里申请。", agent="小林")
    record_events(database_url, c.events)
    ingest(database_url, zone=ZONE)
    assert drafts.collect(database_url, FAQS) == 2
    assert drafts.collect(database_url, FAQS) == 0
    by_question = {d["question"]: d for d in drafts.list_drafts(database_url)}
    draft, invoice = by_question["你们的杯子能刻字吗"], by_question["另外发票怎么开呀"]
    assert (draft["question"], draft["answer"]) == ("你们的杯子能刻字吗", "可以免费刻字，最多8个字。")
    assert invoice["question"] == "另外发票怎么开呀" and invoice["close_faq"]["id"] == "invoice_request"
    closed = drafts.close_draft(database_url, draft["id"], status="dismissed", by="editor")
    assert closed["status"] == "dismissed"
    assert drafts.collect(database_url, FAQS) == 0  # its inbox item was dismissed with it
    assert [d["id"] for d in drafts.list_drafts(database_url)] == [invoice["id"]]
