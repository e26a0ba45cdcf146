"""action_order_status: what a verified shopper is told, in their language."""

from actions.orders.order_status import ActionOrderStatus
from tests.unit.actions.orders.conftest import token

status = ActionOrderStatus()
VERIFIED = {"order_id": "261103004817", "phone_last4": "8123", "verified_order_id": "261103004817"}


def test_in_transit_order_with_tracking_and_overdue_notice(chat):
    run = chat(status, slots=VERIFIED)
    assert run.responses == ["utter_order_status", "utter_order_tracking", "utter_order_overdue"]
    text = run.texts
    assert "运输中" in text and "顺丰速运" in text and "SF9296037519664" in text and "不粘炒锅" in text


def test_english_and_traditional(chat):
    english = chat(status, slots={**VERIFIED, "language": "en"}).texts
    assert "in transit" in english and "SF Express" in english and "SF9296037519664" in english
    assert "运输" not in english
    traditional = chat(status, slots={**VERIFIED, "language": "zh-Hant"}).texts
    assert "運輸中" in traditional and "順豐速運" in traditional and "SF9296037519664" in traditional


def test_delivered_and_unshipped_orders(chat):
    delivered = chat(status, slots={"order_id": "261117000611", "phone_last4": "9043",
                                    "verified_order_id": "261117000611"})
    assert delivered.responses == ["utter_order_status", "utter_order_delivered_on"]
    assert "已签收" in delivered.texts and "SF3112972756125" in delivered.texts
    pending = chat(status, slots={"order_id": "261122000101", "phone_last4": "6781",
                                  "verified_order_id": "261122000101"})
    assert pending.responses == ["utter_order_status"] and "待付款" in pending.texts


def test_nothing_without_verification(chat):
    for slots in ({"order_id": "261103004817"},
                  {"order_id": "261103004817", "verified_order_id": "261103004817", "phone_last4": "0000"},
                  {"order_id": "261103004817", "verified_order_id": "261118000921", "phone_last4": "8123"},
                  {**VERIFIED, "lookup_failures": 3.0}):
        run = chat(status, slots=slots)
        assert run.responses == ["utter_order_verification_failed"]
        assert "运输中" not in run.texts and "SF9296037519664" not in run.texts


def test_token_opens_own_orders_only(chat):
    own = chat(status, slots={"order_id": "261120000612"}, metadata=token("C1001"))
    assert "备货中" in own.texts
    other = chat(status, slots=VERIFIED, metadata=token("C1001"))  # verified before, but signed in as C1001
    assert other.responses == ["utter_order_verification_failed"]
