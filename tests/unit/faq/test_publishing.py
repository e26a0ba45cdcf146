"""The publisher: a publication with errors fails and leaves the previous content live."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import time

import sqlalchemy as sa

from bot.stack.training import RasaRetrainer, model_path
from faq.codec import catalogue_content
from faq.publishing import Publisher, faq_data_file, sync_from_files
from faq.store import FaqStore
from faq.tables import FaqEntryRow
from kefu.db import session_scope
from kefu.settings import ROOT, load_settings
from tests.stack import free_port


def publisher(database_url, tmp_path) -> Publisher:
    settings = dataclasses.replace(load_settings(), database_url=database_url, var_dir=tmp_path)
    return Publisher(settings, confirm_seconds=0)  # no Rasa server here, no retrainer


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


# -- the retrainer the publisher is handed (bot.stack.training.RasaRetrainer in the web app) ------
def retrain_setup(database_url, tmp_path, *, python: str = sys.executable):
    """A publisher with the real retrainer, and a Rasa server address nothing listens on."""
    settings = dataclasses.replace(load_settings(), database_url=database_url, var_dir=tmp_path,
                                   bot_port=free_port(), bot_replicas=1, configured_bot_urls=(),
                                   given_bot_api_token="test-token")
    retrainer = RasaRetrainer(settings, python=python)
    return Publisher(settings, retrainer=retrainer, confirm_seconds=0), retrainer


def publish_and_retrain(publisher: Publisher, store: FaqStore) -> dict:
    job = store.request_publish("editor")
    store.claim_next()

    async def both():
        await publisher.run(job.id)
        await publisher.idle()

    asyncio.run(both())
    return store.publication(job.id).as_json()


def test_without_a_retrainer_a_publication_trains_nothing(database_url, tmp_path):
    sync_from_files(database_url, ROOT / "faq" / "content")
    store = FaqStore(database_url)
    state = publish_and_retrain(publisher(database_url, tmp_path), store)
    assert state["status"] == "live" and state["model"]["status"] == "none"
    assert not (tmp_path / "models").exists()


def test_a_failed_retrain_says_why_and_the_publication_stays_live(database_url, tmp_path):
    """``rasa train`` exiting non-zero (here: an interpreter that fails at once)."""
    sync_from_files(database_url, ROOT / "faq" / "content")
    store = FaqStore(database_url)
    store.update("return_policy", {"answer_en": "Returns are free in December."}, "editor")
    publisher_, _retrainer = retrain_setup(database_url, tmp_path, python="/bin/false")
    state = publish_and_retrain(publisher_, store)
    assert state["status"] == "live"
    assert state["model"]["status"] == "failed"
    assert state["model"]["detail"] == ("rasa train exited with 1 (see var/logs/faq-retrain.log); "
                                        "the running model stays")
    assert {f["id"]: f for f in store.live()[1]["faqs"]}["return_policy"]["answer_en"] == "Returns are free in December."


def test_a_model_already_trained_for_the_content_is_not_trained_again_and_old_ones_go(database_url, tmp_path):
    sync_from_files(database_url, ROOT / "faq" / "content")
    store = FaqStore(database_url)
    store.update("return_policy", {"answer_en": "Returns are free in January."}, "editor")
    publisher_, retrainer = retrain_setup(database_url, tmp_path, python="/bin/false")  # training would fail
    content = catalogue_content(store.draft_catalogue())
    expected = model_path(ROOT, faq_data_file(tmp_path, content), tmp_path / "models")
    expected.parent.mkdir(parents=True)
    expected.write_bytes(b"a model trained earlier with this content")
    old, recent = tmp_path / "models" / "kefu-0000000000000000.tar.gz", tmp_path / "models" / "kefu-1111.tar.gz"
    for path in (old, recent):
        path.write_bytes(b"")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert retrainer.trained(faq_data_file(tmp_path, content)) == expected
    state = publish_and_retrain(publisher_, store)
    # straight to loading it; no Rasa server listens here, so none loaded it
    assert state["model"] == {"status": "failed", "detail": f"{expected.name} loaded by 0 of 1 bot server(s)"}
    assert expected.exists() and recent.exists() and not old.exists()
