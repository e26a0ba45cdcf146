"""Two Rasa replicas on SQLite (the tracker in ``var/tracker.db``, locks in Redis): one
conversation alternating between them, an unreadable row in the tracker store, the web app losing
its Rasa server during handoffs, and the launcher's refusal to start several replicas without
Redis (their in-memory locks would not be shared)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from faq.loader import load_catalogue
from tests.conversations.handoffs import callback_request, queue_entry, wait_for
from tests.reliability.faults import ORDER, PortBlocker, alternate_order_lookup, conversation, kill, post, texts
from tests.security.test_security_stack import _redis_up
from tests.stack import ROOT, Stack, http, make_stack

SHIPPING_FEE = {f.id: f for f in load_catalogue(ROOT / "faq" / "content")[0].faqs}["shipping_fee"]

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory, trained_model) -> Stack:
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    running = make_stack(tmp_path_factory.mktemp("reliability-sqlite"), replicas=2, env={
        "REDIS_URL": "redis://127.0.0.1:6379/11",
        "HANDOFF_SERVICE_HOURS": "00:00-24:00",
    })
    running.start()
    yield running
    running.stop()


def test_one_conversation_alternating_between_replicas(sqlite_stack):
    alternate_order_lookup(sqlite_stack, f"alt-sqlite-{uuid.uuid4().hex[:10]}")


def test_an_unreadable_tracker_row_is_skipped_and_the_conversation_goes_on(sqlite_stack):
    shopper, first, second = f"corrupt-{uuid.uuid4().hex[:10]}", sqlite_stack.bot_port, sqlite_stack.bot_port + 1
    assert "订单号" in texts(post(first, shopper, ORDER[0]))
    engine = sa.create_engine(f"sqlite:///{sqlite_stack.var_dir / 'tracker.db'}")
    with engine.begin() as connection:  # what a bad migration or a disk error might leave behind
        for type_name, data in [("user", '{"event": "user", "text": "我家住在幸福路七号", "par'),
                                ("kefu_mystery", json.dumps({"event": "kefu_mystery", "timestamp": 1.0}))]:
            connection.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) "
                                       "VALUES (:s, :t, 1.0, :d)"), {"s": shopper, "t": type_name, "d": data})
    engine.dispose()
    # both replicas now read the conversation from the database (the newest row is not theirs)
    assert "手机号" in texts(post(second, shopper, ORDER[1]))
    verified = texts(post(first, shopper, ORDER[2]))
    assert "运输中" in verified
    assert conversation(sqlite_stack, shopper)[0] == list(ORDER)
    log = sqlite_stack.log()
    assert "skipped unreadable event row" in log and "幸福路" not in log


def test_the_web_app_without_its_rasa_server_still_claims_and_resolves(sqlite_stack):
    """The web app reaches the first replica; the shoppers write to the second. While the first is
    down, who holds each conversation still changes at once (the record is the one truth), and the
    rating question follows as soon as the web app reaches a Rasa server again."""
    stack = sqlite_stack
    first, second = stack.bot_port, stack.bot_port + 1
    agent = stack.login("agent")
    waiting, night = f"no-api-{uuid.uuid4().hex[:10]}", f"no-api-night-{uuid.uuid4().hex[:10]}"
    assert "排在第" in texts(post(second, waiting, "转人工"))
    handoff = queue_entry(stack, agent, waiting)["id"]
    assert stack.api("POST", f"/api/handoffs/{handoff}/claim", token=agent)[0] == 200
    assert texts(post(second, night, "你好"))
    callback = callback_request(stack, night)
    assert texts(post(second, night, "运费怎么算")) == SHIPPING_FEE.answer_zh  # nobody is coming yet

    [replica] = stack.children("bot.server", first)
    kill(replica)
    blocker = PortBlocker(first)  # the launcher's restarts find the port taken
    try:
        started = time.monotonic()
        status, claimed = stack.api("POST", f"/api/handoffs/{callback}/claim", token=agent)
        assert status == 200 and claimed["status"] == "active", (status, claimed)
        assert time.monotonic() - started < 5
        assert post(second, night, "运费怎么算") == []  # the agent holds it now: the bot is silent
        status, resolved = stack.api("POST", f"/api/handoffs/{handoff}/resolve", token=agent)
        assert status == 200 and resolved["status"] == "resolved", (status, resolved)
        assert texts(post(second, waiting, "运费怎么算")) == SHIPPING_FEE.answer_zh  # the bot is back at once
    finally:
        blocker.close()

    def rating_question() -> list[str]:
        return [r["text"] for r in post(second, waiting, "") or [] if "1–5 分" in r.get("text", "")]

    wait_for(lambda: _port_open(first) and http("GET", f"http://127.0.0.1:{first}/", timeout=2)[0] == 200,
             timeout=180, interval=1, message="the killed replica back")
    assert len(wait_for(rating_question, timeout=30, interval=1, message="the rating question")) == 1
    assert rating_question() == []  # asked once
    assert "5 分" in texts(post(second, waiting, "5"))


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_several_replicas_without_redis_are_refused(tmp_path):
    stack = make_stack(tmp_path, replicas=2)
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=stack.env, capture_output=True,
                            check=False, text=True, timeout=120)
    assert result.returncode == 2
    assert "BOT_REPLICAS=2 needs REDIS_URL" in result.stderr
    assert not (tmp_path / "app.db").exists()  # refused before preparing anything
