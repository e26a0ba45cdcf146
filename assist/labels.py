"""Words of the agents' tools in the agent's language (``zh`` or ``en``)."""

from __future__ import annotations

#: What a shopper's intent means, for the summary (intents that say nothing are left out).
INTENTS: dict[str, tuple[str, str]] = {
    "order_status": ("查订单", "order status"),
    "cancel_order": ("取消订单", "cancel an order"),
    "return_request": ("退换货", "return or exchange"),
    "complaint": ("投诉", "complaint"),
    "request_human": ("要求人工", "asked for a human"),
    "out_of_scope": ("超出范围的问题", "out-of-scope question"),
    "nlu_fallback": ("机器人没听懂", "not understood"),
    "bot_challenge": ("问是不是机器人", "asked if it is a bot"),
    "product_fact": ("问商品详情", "product details"),
    "product_stock": ("问库存", "stock"),
    "product_size": ("问尺码", "size advice"),
    "product_compare": ("比较商品", "product comparison"),
    "product_recommend": ("求推荐", "a recommendation"),
    "product_price": ("问价格优惠", "price and promotions"),
    "product_notify": ("到货通知", "restock notice"),
}
#: Order statuses (contract section 4).
STATUSES: dict[str, tuple[str, str]] = {
    "pending_payment": ("待付款", "pending payment"), "paid": ("已付款", "paid"),
    "processing": ("备货中", "processing"), "shipped": ("已发货", "shipped"),
    "in_transit": ("运输中", "in transit"), "out_for_delivery": ("派送中", "out for delivery"),
    "delivered": ("已签收", "delivered"), "cancelled": ("已取消", "cancelled"),
    "return_requested": ("退货申请中", "return requested"), "refunding": ("退款中", "refunding"),
    "refunded": ("已退款", "refunded"),
}
REASONS: dict[str, tuple[str, str]] = {
    "customer_request": ("客户要求人工", "the customer asked for a human"),
    "complaint": ("投诉", "a complaint"),
    "low_confidence": ("机器人两次没听懂", "the bot did not understand twice"),
    "verification_failed": ("订单验证失败", "the order check failed"),
    "negative_sentiment": ("客户情绪不满", "the customer is upset"),
}
MEMBER_LEVELS: dict[str, tuple[str, str]] = {
    "regular": ("普通会员", "regular member"), "silver": ("银卡会员", "silver member"),
    "gold": ("金卡会员", "gold member"), "black_gold": ("黑金会员", "black-gold member"),
}
SOURCES: dict[str, tuple[str, str]] = {
    "faq": ("FAQ", "FAQ"), "agent_reply": ("客服答过", "an agent's earlier reply"),
}
#: The summary's line headings and sentences.
WORDS: dict[str, tuple[str, str]] = {
    "wants": ("诉求", "Wants"),
    "nothing_asked": ("还没说要什么", "nothing asked yet"),
    "orders": ("订单", "Orders"),
    "verified": ("已验证", "verified"),
    "not_verified": ("未验证", "not verified"),
    "unknown_order": ("查不到", "not found"),
    "products": ("商品", "Products"),
    "handoff": ("转人工", "Handoff"),
    "mood": ("情绪", "Mood"),
    "mood_negative": ("不满", "upset"),
    "mood_improving": ("曾不满，现已平稳", "was upset, calmer now"),
    "mood_calm": ("平稳", "calm"),
    "mood_unknown": ("未知", "unknown"),
    "negative_of": ("{n}/{total} 条消息带负面情绪", "{n} of {total} messages negative"),
    "customer": ("客户", "Customer"),
    "previous": ("此前转人工 {n} 次", "{n} earlier handoffs"),
    "no_previous": ("首次转人工", "first handoff"),
    "linked_only": ("此前关联，本次对话未验证", "linked earlier, not verified in this conversation"),
    "follow_ups": ("待回访", "Open follow-ups"),
    "due": ("截止 {due}", "due {due}"),
}


def word(table: dict[str, tuple[str, str]], key: str, language: str, default: str | None = None) -> str:
    """The entry of ``key`` in ``language`` (``en``, else Chinese); ``default`` (or the key) when missing."""
    pair = table.get(key)
    if pair is None:
        return default if default is not None else key
    return pair[1] if language == "en" else pair[0]
