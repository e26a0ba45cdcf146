"""The publisher: a publication with errors fails and leaves the previous content live."""

from __future__ import annotations

import asyncio
import dataclasses

import sqlalchemy as sa

from faq.publishing import Publisher, sync_from_files
from faq.store import FaqStore
from faq.tables import FaqEntryRow
from kefu.db import session_scope
from kefu.settings import ROOT, load_settings


def publisher(database_url, tmp_path) -> Publisher:
    settings = dataclasses.replace(load_settings(), database_url=database_url, var_dir=tmp_path)
    return Publisher(settings, retrain=False, confirm_seconds=0)  # no Rasa server here


def run(publisher: Publisher, job: str) -> None:
    asyncio.run(publisher.run(job))


def test_a_publication_goes_live_with_the_working_copy(database_url, tmp_path):
    sync_from_files(database_url, ROOT / "faq" / "content")
    store = FaqStore(database_url)
    store.update("return_policy", {"answer_en": "Returns are free in December."}, "editor")
    job = store.request_publish("editor")
    assert store.claim_next().id == job.id
    run(publisher(database_url, tmp_path), job.id)
    state = store.publication(job.id).as_json()
    assert state["status"] == "live" and "entries" in state["detail"]
    faqs = {f["id"]: f for f in store.live()[1]["faqs"]}
    assert faqs["return_policy"]["answer_en"] == "Returns are free in December."


def test_a_publication_with_errors_fails_and_the_previous_content_stays_live(database_url, tmp_path):
    sync_from_files(database_url, ROOT / "faq" / "content")
    store = FaqStore(database_url)
    before = store.live()[0]
    with session_scope(database_url) as session:  # a row broken behind the API's back
        session.execute(sa.update(FaqEntryRow).where(FaqEntryRow.id == "return_policy").values(answer_zh=" "))
    job = store.request_publish("editor")
    store.claim_next()
    run(publisher(database_url, tmp_path), job.id)
    state = store.publication(job.id).as_json()
    assert state["status"] == "failed"
    assert "return_policy" in state["detail"] and "answer_zh" in state["detail"]
    assert "previous content stays live" in state["detail"]
    assert store.live()[0].id == before.id
