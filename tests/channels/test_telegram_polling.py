"""TELEGRAM_MODE=polling on the real stack: no webhook, the Rasa server fetches the updates."""

from __future__ import annotations

import time

import pytest

from tests.fakes import FakeTelegramApi, wait_for
from tests.stack import make_stack

pytestmark = pytest.mark.stack

TOKEN = "777000:polling-test-token"


@pytest.fixture(scope="module")
def polling(tmp_path_factory, trained_model):
    fake = FakeTelegramApi(TOKEN).start()
    stack = make_stack(tmp_path_factory.mktemp("polling-stack"), env={
        "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_MODE": "polling", "TELEGRAM_API_URL": fake.base_url})
    stack.start()
    yield stack, fake
    stack.stop()
    fake.stop()


def test_polling_mode_answers_without_a_webhook(polling):
    stack, fake = polling
    assert "Telegram: on, polling" in stack.log()
    fake.queue_update({"update_id": 9001, "message": {
        "message_id": 1, "date": int(time.time()), "chat": {"id": 5150, "type": "private"},
        "from": {"id": 5150, "is_bot": False, "first_name": "A", "language_code": "en"}, "text": "/start"}})
    reply = wait_for(lambda: fake.sent_texts(5150), timeout=30)[0]
    assert "Lumen Mall" in reply
    methods = [c.method for c in fake.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
