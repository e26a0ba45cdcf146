"""Restock notices end to end (issue 18.5, contract section 7): a shopper told a variant is out of
stock says "到货通知我"; an editor raises the variant's stock through ``POST /api/shop/stock``; the
shopper gets one message on their channel, in their language — REST through the outbox (fetched
with an empty message), the widget pushed over Socket.IO. Each test uses its own out-of-stock
variant of the demo catalogue: the stack (and its stock) is shared by the session."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.widget_client import WidgetClient

pytestmark = pytest.mark.stack


def sender() -> str:
    return f"restock-{uuid.uuid4().hex[:12]}"


def set_stock(stack, variant_sku: str, stock: int) -> None:
    editor = stack.login("editor")
    assert stack.api("POST", "/api/shop/stock", {"variant_sku": variant_sku, "stock": stock}, token=editor) == \
        (200, {"variant_sku": variant_sku, "stock": stock})


def test_rest_shopper_asks_in_simplified_and_is_told_once_when_the_black_m_coat_is_back(stack):
    shopper, bystander = sender(), sender()
    assert "暂时缺货" in stack.say(shopper, "羊毛大衣有没有黑色M码啊")
    subscribed = stack.say(shopper, "到货通知我")
    assert "到货通知" in subscribed and "黑色 M" in subscribed, subscribed
    assert "已经登记过" in stack.say(shopper, "有货通知我")  # asked twice: still one request
    stack.say(bystander, "羊毛大衣有没有黑色M码啊")  # asked about stock, but wants no notice
    set_stock(stack, "LM-AP-001-BK-M", 4)
    waiting = [r["text"] for r in stack.send(shopper, "")]
    assert len(waiting) == 1 and "到货啦" in waiting[0] and "羊毛" in waiting[0] and "黑色 M" in waiting[0], waiting
    assert all("到货啦" not in r.get("text", "") for r in stack.send(bystander, ""))
    set_stock(stack, "LM-AP-001-BK-M", 0)
    set_stock(stack, "LM-AP-001-BK-M", 2)  # back again: the request was answered, nothing more
    assert all("到货啦" not in r.get("text", "") for r in stack.send(shopper, ""))


def test_rest_shopper_in_traditional_chinese_is_told_in_traditional(stack):
    shopper = sender()
    assert "缺貨" in stack.say(shopper, "跑鞋43碼仲有冇貨")
    assert "到貨通知" in stack.say(shopper, "有貨請通知我")
    set_stock(stack, "LM-SH-005-BK-43", 7)
    waiting = "\n".join(r["text"] for r in stack.send(shopper, ""))
    assert "到貨" in waiting and "到货" not in waiting and "43" in waiting, waiting


def test_rest_shopper_in_english_is_told_in_english(stack):
    shopper = sender()
    assert "out of stock" in stack.say(shopper, "is the hooded down jacket in mist blue, size L, in stock?")
    assert "once" in stack.say(shopper, "let me know when it's back")
    set_stock(stack, "LM-AP-020-MB-L", 3)
    waiting = "\n".join(r["text"] for r in stack.send(shopper, ""))
    assert "back in stock" in waiting and "Mist blue L" in waiting and "到货" not in waiting, waiting


def test_a_variant_in_stock_needs_no_notice(stack):
    shopper = sender()
    stack.say(shopper, "羊毛大衣驼色M码有货吗")
    assert "现在就有货" in stack.say(shopper, "到货通知我")


async def replies(widget: WidgetClient) -> list[dict]:
    """The bot's messages of one turn: the first, then whatever follows within a second and a half."""
    got = [await widget.next()]
    while True:
        try:
            got.append(await widget.next(timeout=1.5))
        except asyncio.TimeoutError:
            return got


async def test_widget_shopper_gets_the_notice_pushed_into_the_open_chat(stack):
    widget = await WidgetClient.open(stack.bot_url)
    try:
        await widget.say("降噪蓝牙耳机珍珠白有货吗")
        answer = await replies(widget)
        assert any("缺货" in m.get("text", "") for m in answer), answer
        await widget.say("到貨通知我")
        assert "到貨通知" in "\n".join(m.get("text", "") for m in await replies(widget))
        await asyncio.get_running_loop().run_in_executor(None, set_stock, stack, "LM-EL-007-WH", 5)
        pushed = await widget.next()
        assert "到貨" in pushed["text"] and "珍珠白" in pushed["text"], pushed
        assert await widget.quiet_for(2)  # once
    finally:
        await widget.close()
