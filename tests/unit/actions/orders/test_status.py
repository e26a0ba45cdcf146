"""action_order_status: what a verified shopper is told, in their language."""

from actions.orders.order_status import ActionOrderStatus
from tests.unit.actions.orders.conftest import SENDER, token, verified
from verification.failures import FailureCounter

status = ActionOrderStatus()
def verified_now() -> dict:
    """The slots of a shopper who passed the order check a minute ago (stamped when the test runs:
    a stamp taken at import would be past the verification window by the time a long suite gets here)."""
    return verified("261103004817", "8123")


def test_in_transit_order_with_tracking_and_overdue_notice(chat):
    run = chat(status, slots=verified_now())
    assert run.responses == ["utter_order_status", "utter_order_tracking", "utter_order_overdue"]
    text = run.texts
    assert "运输中" in text and "顺丰速运" in text and "SF9296037519664" in text and "不粘炒锅" in text


def test_english_and_traditional(chat):
    english = chat(status, slots={**verified_now(), "language": "en"}).texts
    assert "in transit" in english and "SF Express" in english and "SF9296037519664" in english
    assert "运输" not in english
    traditional = chat(status, slots={**verified_now(), "language": "zh-Hant"}).texts
    assert "運輸中" in traditional and "順豐速運" in traditional and "SF9296037519664" in traditional


def test_delivered_and_unshipped_orders(chat):
    delivered = chat(status, slots=verified("261117000611", "9043"))
    assert delivered.responses == ["utter_order_status", "utter_order_delivered_on"]
    assert "已签收" in delivered.texts and "SF3112972756125" in delivered.texts
    pending = chat(status, slots=verified("261122000101", "6781"))
    assert pending.responses == ["utter_order_status"] and "待付款" in pending.texts


def test_nothing_without_verification(chat, shop):
    other_order = {"order_id": "261103004817", "phone_last4": "8123",
                   "order_verification": verified("261118000921", "7812")["order_verification"]}
    for slots in ({"order_id": "261103004817"}, verified("261103004817", "0000"), other_order):
        run = chat(status, slots=slots)
        assert run.responses == ["utter_order_verification_failed"]
        assert "运输中" not in run.texts and "SF9296037519664" not in run.texts
    for _ in range(3):  # a conversation whose lookup closed sees nothing, verified or not
        FailureCounter(shop.database_url).count_wrong_answer(SENDER)
    locked = chat(status, slots=verified_now())
    assert locked.responses == ["utter_order_verification_failed"] and "运输中" not in locked.texts


def test_token_opens_own_orders_only(chat):
    own = chat(status, slots={"order_id": "261120000612"}, metadata=token("C1001"))
    assert "备货中" in own.texts
    other = chat(status, slots=verified_now(), metadata=token("C1001"))  # verified before, but signed in as C1001
    assert other.responses == ["utter_order_verification_failed"]
