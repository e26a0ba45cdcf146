"""The shop adapter is a seam: a shop's own class behind ``SHOP_ADAPTER`` answers the shopper,
the handoff and the console, with no change to Kefu.

The shop is :class:`tests.unit.shop.two_order_shop.TwoOrderShop` (two orders in memory). The app
database is migrated but holds no demo shop, so every order fact the shopper reads came from it.
The conversation runs the real actions (the lookup form's validation, the status, the handoff
request) on trackers as the Rasa server sends them; the console is a real ``python -m web``.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time

import pytest

from actions.human_handoff.request import ActionHandoffRequest
from actions.orders import access
from actions.orders.ask_order_id import ActionAskOrderId
from actions.orders.order_status import ActionOrderStatus
from actions.orders.validate_order_lookup_form import ValidateOrderLookupForm
from kefu.auth import ensure_user
from kefu.settings import ROOT
from tests.databases import migrated_sqlite
from tests.stack import free_port, http
from tests.unit.actions.orders.conftest import SECRET, SENDER, runner, token
from tests.unit.shop import two_order_shop
from tests.unit.shop.two_order_shop import TwoOrderShop

ADAPTER = "tests.unit.shop.two_order_shop:TwoOrderShop"
FORM = "order_lookup_form"
AGENT_PASSWORD = "agent-password-for-the-seam"


@pytest.fixture
def app_database(tmp_path, monkeypatch) -> str:
    """A migrated, empty app database; the actions' settings name the two-order shop."""
    url = migrated_sqlite(tmp_path / "app.db")
    for name, value in {"DATABASE_URL": url, "KEFU_SECRET_KEY": SECRET, "KEFU_VAR_DIR": str(tmp_path / "var"),
                        "SHOP_ADAPTER": ADAPTER, "HANDOFF_SERVICE_HOURS": "00:00-24:00"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KEFU_VERIFICATION_MINUTES", raising=False)
    return url


class Conversation:
    """Turns of one conversation: each action's slot events carry over to the next turn."""

    def __init__(self) -> None:
        self.run = runner()
        self.slots: dict = {}
        self.loop: str | None = None

    def turn(self, action, text: str = "", **kwargs):
        result = self.run(action, text, slots=self.slots, loop=self.loop, **kwargs)
        for event in result.events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return result


def test_the_configured_adapter_is_the_one_the_actions_use(app_database):
    assert isinstance(access.shop(), TwoOrderShop)


def verified_conversation() -> Conversation:
    """An anonymous shopper who asked about order 990101000001, got the phone digits wrong once,
    then right: the shop's own adapter answered both checks."""
    chat = Conversation()
    asked = chat.turn(ValidateOrderLookupForm(), "我的订单 990101000001 到哪了", intent="order_status")
    assert asked.slot("requested_slot") == "phone_last4" and asked.messages == []
    chat.loop = FORM
    wrong = chat.turn(ValidateOrderLookupForm(), "1234")
    assert wrong.responses == ["utter_order_verification_failed"]
    chat.loop = None
    chat.turn(ValidateOrderLookupForm(), "990101000001", intent="order_status")
    chat.loop = FORM
    passed = chat.turn(ValidateOrderLookupForm(), "4321")
    assert passed.slot("order_verification")["order_id"] == "990101000001"
    chat.loop = None
    return chat


def test_an_order_status_conversation_is_answered_by_the_shops_own_adapter(app_database):
    chat = verified_conversation()
    status = chat.turn(ActionOrderStatus())
    text = status.texts
    assert status.responses == ["utter_order_status", "utter_order_tracking"]
    assert "运输中" in text and "中通快递" in text and "ZT7700012345" in text and "亚麻衬衫×2" in text
    assert "¥238.00" in text
    english = chat.run(ActionOrderStatus(), slots={**chat.slots, "language": "en"}).texts
    assert "in transit" in english and "Linen shirt ×2" in english and "ZTO Express" in english


def test_a_signed_in_shopper_is_offered_their_orders_from_the_shop(app_database):
    offer = runner()(ActionAskOrderId(), "我的订单", intent="order_status", metadata=token("K-77"))
    assert offer.responses == ["utter_ask_order_id_pick"]
    picked = [button["title"] for button in offer.messages[0]["buttons"]]
    assert picked == ["990101000002", "990101000001"]  # newest first, as the adapter listed them
    own = runner()(ActionOrderStatus(), slots={"order_id": "990101000002"}, metadata=token("K-77"))
    assert "备货中" in own.texts and "竹纤维毛巾×1" in own.texts


def test_the_handoff_and_the_console_read_the_same_adapter(app_database, tmp_path):
    """The verified shopper asks for a human. A real web app started with SHOP_ADAPTER shows the
    agent the customer of the verified order, and the demo login's customer list, from the shop's
    own adapter."""
    chat = verified_conversation()
    queued = chat.turn(ActionHandoffRequest(), "转人工", intent="request_human")
    assert queued.responses == ["utter_handoff_queued_member"]  # 林雨 is gold and verified: 专属客服
    ensure_user(app_database, username="agent", role="agent", password=AGENT_PASSWORD)

    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KEFU_", "DEMO_", "BOT_"))}
    env.update({"DATABASE_URL": app_database, "KEFU_SECRET_KEY": SECRET, "KEFU_VAR_DIR": str(tmp_path / "var"),
                "SHOP_ADAPTER": ADAPTER, "KEFU_DEMO_SHOP": "1", "WEB_PORT": str(port)})
    web = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(web, url)
        status, body = http("POST", f"{url}/api/auth/login", {"username": "agent", "password": AGENT_PASSWORD})
        assert status == 200, body
        agent = {"Authorization": f"Bearer {body['token']}"}
        status, waiting = http("GET", f"{url}/api/handoffs?status=waiting", headers=agent)
        assert status == 200 and [h["sender_id"] for h in waiting] == [SENDER], waiting
        status, details = http("GET", f"{url}/api/handoffs/{waiting[0]['id']}/details", headers=agent)
        assert status == 200, details
        assert (details["customer_id"], details["order_id"]) == ("K-77", "990101000001")
        panel = details["customer"]
        assert panel["verified"] and panel["customer"]["name"] == "林雨"
        assert panel["customer"]["phone"] == "*******4321" and panel["customer"]["member_level"] == "gold"
        assert [order["order_id"] for order in panel["orders"]] == ["990101000002", "990101000001"]
        assert http("GET", f"{url}/demo/customers") == (200, [{"customer_id": "K-77", "name": "林雨"}])
    finally:
        web.terminate()
        web.wait(timeout=20)


def wait_until_up(process: subprocess.Popen, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.stdout.read()[-2000:] if process.stdout else ""
        try:
            if http("GET", f"{url}/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"the web app did not answer in {timeout:.0f} s"
        time.sleep(0.3)


def test_the_documented_example_is_this_shop():
    """docs/developers/extending.md shows an excerpt of TwoOrderShop: every line of it is the shop's own."""
    page = (ROOT / "docs" / "developers" / "extending.md").read_text(encoding="utf-8")
    section = page.split("## A shop adapter", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    source = inspect.getsource(two_order_shop).splitlines()
    missing = [line for line in example.splitlines() if line.strip() and line not in source]
    assert example.startswith("class TwoOrderShop:") and not missing, missing
