"""A Rasa replica the launcher restarts after a FAQ publication loads the published model: the
retrain's model is hot-swapped, the model before it pruned, the replica killed; it comes back with
the new model (``var/models/current``), not the one the stack started with."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import time
import uuid
from pathlib import Path

import pytest

from bot.stack.training import KEEP_OLD_MODELS, RasaRetrainer, model_path
from faq.publications import LIVE
from faq.publishing import Publisher
from faq.store import FaqStore
from kefu.settings import Settings, load_settings
from tests.reliability.faults import kill
from tests.stack import Stack, http, make_stack

pytestmark = pytest.mark.stack


class CopyingRetrainer(RasaRetrainer):
    """The web app's retrainer, but its training copies the trained model to the file a retrain
    writes (minutes of training spared): the swap, the prune and the restart after it are real."""

    def __init__(self, settings: Settings, source: Path) -> None:
        super().__init__(settings)
        self.source = source

    async def retrain(self, faq_data: Path) -> Path:
        target = model_path(self.root, faq_data, self.models_dir)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.source, target)
        return target


@pytest.fixture(scope="module")
def restart_stack(tmp_path_factory, trained_model) -> Stack:
    # the web app runs publications but does not retrain: the test's publisher does (CopyingRetrainer)
    running = make_stack(tmp_path_factory.mktemp("model-restart"), env={"KEFU_FAQ_RETRAIN": "0"})
    running.start()
    yield running
    running.stop()


def stack_settings(stack: Stack, monkeypatch) -> Settings:
    for key in ("KEFU_VAR_DIR", "BOT_PORT", "BOT_REPLICAS", "WEB_PORT", "ACTIONS_PORT"):
        monkeypatch.setenv(key, stack.env[key])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KEFU_BOT_URLS", raising=False)
    return dataclasses.replace(load_settings(), given_bot_api_token=stack.token)


def publish(store: FaqStore, answer: str) -> str:
    """An edited answer published (the stack's web app runs the publication); its job id."""
    store.update("return_policy", {"answer_en": answer}, "editor")
    job = store.request_publish("editor").id
    deadline = time.monotonic() + 60
    while store.publication(job).status != LIVE:
        assert time.monotonic() < deadline, store.publication(job).as_json()
        time.sleep(0.5)
    return job


def retrain(publisher: Publisher, job: str) -> None:
    async def swapped() -> None:
        try:
            await publisher.retrain(job)
        finally:
            await publisher.bots.close()

    asyncio.run(swapped())


def served(stack: Stack, timeout: float = 300) -> str:
    """The model file the Rasa server runs (waiting while it is down or loading)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, body = http("GET", f"{stack.bot_url}/status?token={stack.token}", timeout=10)
            if status == 200 and body.get("model_file"):
                return str(body["model_file"])
        except OSError:
            pass
        assert time.monotonic() < deadline, stack.log()[-3000:]
        time.sleep(1)


def test_a_replica_restarted_after_a_publication_serves_the_published_model(restart_stack, trained_model,
                                                                             monkeypatch):
    stack = restart_stack
    settings = stack_settings(stack, monkeypatch)
    store = FaqStore(settings.database_url)
    publisher = Publisher(settings, retrainer=CopyingRetrainer(settings, trained_model), confirm_seconds=0)
    assert served(stack) == trained_model.name

    first = publish(store, f"Returns are free this week ({uuid.uuid4().hex[:6]}).")
    retrain(publisher, first)
    assert store.publication(first).as_json()["model"]["status"] == "swapped"
    previous = stack.var_dir / "models" / served(stack)
    assert previous.parent.name == "models" and previous.exists() and previous.name != trained_model.name

    # an hour later, another publication: its model is swapped in and the previous one pruned
    hour_ago = time.time() - KEEP_OLD_MODELS - 60
    os.utime(previous, (hour_ago, hour_ago))
    second = publish(store, f"Returns are free this month ({uuid.uuid4().hex[:6]}).")
    retrain(publisher, second)
    assert store.publication(second).as_json()["model"]["status"] == "swapped"
    published = served(stack)
    assert published not in (previous.name, trained_model.name)
    assert not previous.exists() and (stack.var_dir / "models" / published).exists()
    assert (stack.var_dir / "models" / "current").read_text().strip() == str(stack.var_dir / "models" / published)

    [replica] = stack.children("bot.server", stack.bot_port)
    kill(replica)
    deadline = time.monotonic() + 60
    while not stack.children("bot.server", stack.bot_port):  # the launcher starts it again
        assert time.monotonic() < deadline, stack.terminal()[-2000:]
        time.sleep(0.5)
    assert served(stack) == published  # before: the model the stack started with
    assert stack.say(f"restart-{uuid.uuid4().hex[:8]}", "运费怎么算")
