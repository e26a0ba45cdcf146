"""Two Rasa replicas on SQLite (the tracker in ``var/tracker.db``, locks in Redis): one
conversation alternating between them, an unreadable row in the tracker store, and the launcher's
refusal to start several replicas without Redis (their in-memory locks would not be shared)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa

from tests.reliability.faults import ORDER, alternate_order_lookup, conversation, post, texts
from tests.security.test_security_stack import _redis_up
from tests.stack import ROOT, Stack, make_stack

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


def test_several_replicas_without_redis_are_refused(tmp_path):
    stack = make_stack(tmp_path, replicas=2)
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=stack.env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "BOT_REPLICAS=2 needs REDIS_URL" in result.stderr
    assert not (tmp_path / "app.db").exists()  # refused before preparing anything
