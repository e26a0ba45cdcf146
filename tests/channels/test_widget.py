"""The site widget on the demo storefront, driven in headless Chromium against the running stack."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
import uuid

import pytest

from kefu.tokens import CustomerTokens, customer_key
from tests.channels.conftest import push_to, user_events
from tests.widget_client import TOKEN_SHAPE, widget_sender

pytestmark = [pytest.mark.stack, pytest.mark.browser]

BOT = "[data-kefu=message][data-role=bot]"
USER = "[data-kefu=message][data-role=user]"


def ask(page, text: str) -> None:
    page.fill("[data-kefu=input]", text)
    page.press("[data-kefu=input]", "Enter")


def messages(page, selector: str = "[data-kefu=message]") -> list[str]:
    return [node.inner_text() for node in page.query_selector_all(selector)]


def wait_count(page, selector: str, count: int) -> None:
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length >= n", arg=[selector, count])


def open_storefront(page, stack, query: str = "") -> None:
    page.goto(f"{stack.web_url}/{query}")
    page.wait_for_function("() => window.KefuWidget !== undefined")


def session_id(page) -> str:
    """The session token the widget holds (issued by the server)."""
    return page.evaluate("() => KefuWidget.sessionId()")


def sender_of(page) -> str:
    """The sender id of the widget's conversation (``web:<id>`` of its token)."""
    return widget_sender(session_id(page))


def read_customer_token(token: str, master: str) -> str | None:
    """What the stack makes of a customer token (checked with the customer sub-key of ``master``)."""
    return CustomerTokens(secret=customer_key(master)).read(token)


def secret_key(stack) -> str:
    return (stack.var_dir / "secret_key").read_text().strip()


def test_storefront_chat_in_chinese(stack, shopper):
    open_storefront(shopper, stack)
    assert "明镜商城" in shopper.title()
    launcher = shopper.locator("[data-kefu=launcher]")
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    assert "请输入" in shopper.get_attribute("[data-kefu=input]", "placeholder")
    ask(shopper, "你好")
    shopper.wait_for_selector(BOT)
    assert messages(shopper, USER) == ["你好"]
    assert "明镜商城" in messages(shopper, BOT)[0]
    ask(shopper, "运费怎么算")
    wait_count(shopper, BOT, 2)
    assert "运费" in messages(shopper, BOT)[-1]


def test_typing_indicator_shows_until_the_reply(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    # the indicator may show and hide between two polls of the test: a MutationObserver records it
    shopper.evaluate("""() => {
        const typing = document.querySelector('[data-kefu=typing]');
        window.__kefuTypingShown = false;
        new MutationObserver(() => { if (!typing.hidden) window.__kefuTypingShown = true; })
            .observe(typing, {attributes: true, attributeFilter: ['hidden']});
    }""")
    ask(shopper, "能开发票吗")
    shopper.wait_for_selector(BOT)
    shopper.wait_for_selector("[data-kefu=typing]", state="hidden")
    assert shopper.evaluate("window.__kefuTypingShown") is True


def test_english_page_and_the_widgets_language_switch(stack, shopper):
    open_storefront(shopper, stack, "?lang=en")
    shopper.click("[data-kefu=launcher]")
    assert shopper.get_attribute("[data-kefu=input]", "placeholder") == "Type your question…"
    ask(shopper, "hello")
    shopper.wait_for_selector(BOT)
    assert "Lumen Mall" in messages(shopper, BOT)[0]

    shopper.click("[data-kefu=language]")  # the widget's own switch
    assert "请输入" in shopper.get_attribute("[data-kefu=input]", "placeholder")
    shopper.click("[data-kefu=language]")
    assert shopper.get_attribute("[data-kefu=input]", "placeholder") == "Type your question…"


def test_storefront_language_switch_switches_the_widget(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-demo=lang]")
    assert shopper.evaluate("document.documentElement.lang") == "en"
    shopper.click("[data-kefu=launcher]")
    assert shopper.get_attribute("[data-kefu=input]", "placeholder") == "Type your question…"


def test_reconnect_after_network_loss_keeps_history_and_catches_up(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "你好")
    shopper.wait_for_selector(BOT)
    token, sender = session_id(shopper), sender_of(shopper)

    shopper.context.set_offline(True)
    shopper.wait_for_selector("[data-kefu=status]", state="visible")
    assert "断开" in shopper.inner_text("[data-kefu=status]")
    # An agent writes while the shopper is offline: missed live, recorded by Rasa.
    push_to(stack, sender, {"event": "bot", "text": "您好，我是人工客服小林。", "metadata": {"agent": "小林"}})
    time.sleep(1)
    shopper.context.set_offline(False)
    shopper.wait_for_selector("[data-kefu=message][data-role=agent]", timeout=20_000)
    shopper.wait_for_selector("[data-kefu=status]", state="hidden")
    assert messages(shopper)[:2] == ["你好", messages(shopper, BOT)[0]]
    assert messages(shopper, "[data-kefu=message][data-role=agent]") == ["您好，我是人工客服小林。"]

    ask(shopper, "运费怎么算")
    wait_count(shopper, BOT, 2)
    assert "运费" in messages(shopper, BOT)[-1]
    assert session_id(shopper) == token


def test_message_typed_offline_is_sent_after_reconnecting(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "你好")
    shopper.wait_for_selector(BOT)
    shopper.context.set_offline(True)
    shopper.wait_for_selector("[data-kefu=status]", state="visible")
    ask(shopper, "能开发票吗")
    time.sleep(0.5)
    shopper.context.set_offline(False)
    wait_count(shopper, BOT, 2)
    assert messages(shopper, USER) == ["你好", "能开发票吗"]
    assert "发票" in messages(shopper, BOT)[-1]


def test_the_widget_holds_the_session_the_server_issued(stack, shopper):
    legacy = uuid.uuid4().hex  # what the widget used to make up and keep
    open_storefront(shopper, stack)
    shopper.evaluate("id => localStorage.setItem('kefu.session', JSON.stringify(id))", legacy)
    shopper.reload()
    shopper.wait_for_function("() => window.KefuWidget !== undefined")
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "你好")
    shopper.wait_for_selector(BOT)
    token = session_id(shopper)
    assert TOKEN_SHAPE.fullmatch(token) and token != legacy
    assert shopper.evaluate("() => JSON.parse(localStorage.getItem('kefu.session'))") == token
    assert [e["text"] for e in user_events(stack, widget_sender(token), 1)] == ["你好"]


def test_reload_keeps_the_conversation(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "你好")
    shopper.wait_for_selector(BOT)
    token, sender = session_id(shopper), sender_of(shopper)
    before = messages(shopper)
    shopper.reload()
    shopper.wait_for_function("() => window.KefuWidget !== undefined")
    assert session_id(shopper) == token
    assert messages(shopper) == before  # the panel stayed open with the history
    ask(shopper, "谢谢")
    wait_count(shopper, BOT, 2)
    assert [e["text"] for e in user_events(stack, sender, 2)] == ["你好", "谢谢"]


def test_agent_messages_are_shown_as_the_agents(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "我要找人工")
    shopper.wait_for_selector(BOT)
    push_to(stack, sender_of(shopper), {"event": "bot", "text": "您好，我是小林，请问有什么可以帮您？",
                                         "metadata": {"agent": "小林 (Agent Lin)"}})
    agent = shopper.wait_for_selector("[data-kefu=message][data-role=agent]")
    assert agent.inner_text() == "您好，我是小林，请问有什么可以帮您？"
    assert shopper.inner_text("[data-kefu=agent-name]") == "小林 (Agent Lin)"


def test_quick_reply_buttons(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "你好")
    shopper.wait_for_selector(BOT)
    push_to(stack, sender_of(shopper), {"event": "bot", "text": "还有其他问题吗？", "data": {"buttons": [
        {"title": "再打个招呼", "payload": "/greet"}, {"title": "没有了", "payload": "/goodbye"}]}})
    shopper.wait_for_selector("[data-kefu=quick-reply]")
    assert messages(shopper, "[data-kefu=quick-reply]") == ["再打个招呼", "没有了"]
    shopper.click("[data-kefu=quick-reply] >> text=没有了")
    wait_count(shopper, BOT, 3)
    assert messages(shopper, USER)[-1] == "没有了"  # the title is shown, the payload is sent
    assert "再见" in messages(shopper, BOT)[-1]
    assert shopper.query_selector_all("[data-kefu=quick-reply]") == []


def test_text_is_shown_as_text_never_as_html(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "<b>你好</b><img src=x onerror=\"window.pwned=1\">")
    shopper.wait_for_selector(BOT)
    push_to(stack, sender_of(shopper), {"event": "bot", "text": "<img src=y onerror=\"window.pwned=2\">",
                                         "metadata": {"agent": "<i>x</i>"}})
    shopper.wait_for_selector("[data-kefu=message][data-role=agent]")
    assert messages(shopper, USER) == ["<b>你好</b><img src=x onerror=\"window.pwned=1\">"]
    assert messages(shopper, "[data-kefu=message][data-role=agent]") == ["<img src=y onerror=\"window.pwned=2\">"]
    assert shopper.query_selector_all("[data-kefu=log] img, [data-kefu=log] b, [data-kefu=log] i") == []
    assert shopper.evaluate("window.pwned") is None


def test_keyboard_and_screen_reader_use(stack, shopper):
    open_storefront(shopper, stack)
    launcher = shopper.locator("[data-kefu=launcher]")
    assert launcher.get_attribute("aria-label")
    launcher.focus()
    shopper.keyboard.press("Enter")
    assert shopper.evaluate("document.activeElement.dataset.kefu") == "input"
    assert shopper.get_attribute("[data-kefu=panel]", "role") == "dialog"
    assert shopper.get_attribute("[data-kefu=log]", "aria-live") == "polite"
    assert shopper.locator("label[for=kefu-input]").inner_text()
    shopper.keyboard.type("你好")
    shopper.keyboard.press("Enter")
    shopper.wait_for_selector(BOT)
    shopper.keyboard.press("Escape")
    assert shopper.is_hidden("[data-kefu=panel]")
    assert shopper.evaluate("document.activeElement.dataset.kefu") == "launcher"


def test_mobile_screen_gets_a_full_screen_chat(stack, browser):
    # Playwright's string wait_for_function needs 'unsafe-eval'; tests/security/test_csp_browser.py checks the CSP.
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True,
                                  bypass_csp=True)
    page = context.new_page()
    try:
        open_storefront(page, stack)
        page.tap("[data-kefu=launcher]")
        box = page.locator("[data-kefu=panel]").bounding_box()
        assert box["width"] >= 370 and box["height"] >= 600
        input_box = page.locator("[data-kefu=input]").bounding_box()
        assert input_box["y"] + input_box["height"] <= 667
        ask(page, "你好")
        page.wait_for_selector(BOT)
    finally:
        context.close()


def test_logged_in_customer_token_reaches_the_bot_and_a_tampered_one_does_not(stack, shopper):
    open_storefront(shopper, stack)
    shopper.select_option("[data-demo=login-select]", "C1001")
    shopper.click("[data-demo=login]")
    shopper.wait_for_selector("[data-demo=logout]", state="visible")
    assert "王芳" in shopper.inner_text("[data-demo=customer-name]")
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "我的订单")
    shopper.wait_for_selector(BOT)
    # the token reached the bot: C1001's orders, without the phone question ...
    assert "261120000612" in messages(shopper, BOT)[-1] and "手机号" not in messages(shopper, BOT)[-1]
    sender = sender_of(shopper)
    # ... and it is not stored with the message (tests/security/test_data_at_rest.py)
    assert "customer_token" not in (user_events(stack, sender, 1)[-1].get("metadata") or {})

    from tests.stack import http

    token = http("POST", f"{stack.web_url}/demo/customer-token", {"customer_id": "C1001"})[1]["token"]
    assert read_customer_token(token, secret_key(stack)) == "C1001"
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    shopper.evaluate("t => KefuWidget.setCustomerToken(t)", tampered)
    before = len(messages(shopper, BOT))
    ask(shopper, "查一下 261120000612")
    shopper.wait_for_function(f"() => [...document.querySelectorAll('{BOT}')].slice({before})"
                              ".some(n => n.innerText.includes('手机号'))")
    assert not any("备货中" in text for text in messages(shopper, BOT)[before:])  # treated as anonymous
    assert user_events(stack, sender, 2)[-1]["text"] == "查一下 261120000612"


def test_anonymous_shopper_sends_no_customer_token(stack, shopper):
    open_storefront(shopper, stack)
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "你好")
    shopper.wait_for_selector(BOT)
    user = user_events(stack, sender_of(shopper), 1)[-1]
    assert "customer_token" not in (user.get("metadata") or {})


def test_logging_out_starts_a_new_conversation(stack, shopper):
    open_storefront(shopper, stack)
    shopper.select_option("[data-demo=login-select]", "C1009")
    shopper.click("[data-demo=login]")
    shopper.wait_for_selector("[data-demo=logout]", state="visible")
    shopper.click("[data-kefu=launcher]")
    ask(shopper, "hello")
    shopper.wait_for_selector(BOT)
    first = session_id(shopper)
    shopper.click("[data-demo=logout]")
    assert session_id(shopper) != first
    assert messages(shopper) == []


def test_demo_token_endpoint_only_for_demo_customers(stack):
    from tests.stack import http

    status, body = http("POST", f"{stack.web_url}/demo/customer-token", {"customer_id": "C1002"})
    assert status == 200 and read_customer_token(body["token"], secret_key(stack)) == "C1002"
    status, body = http("POST", f"{stack.web_url}/demo/customer-token", {"customer_id": "C9999"})
    assert status == 422 and body["field"] == "customer_id"


@contextlib.contextmanager
def serve_page(html: str):
    """Serves one HTML page from a throwaway HTTP server on 127.0.0.1; yields its URL."""
    body = html.encode("utf-8")

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_one_script_tag_on_another_shops_page(stack, shopper):
    """The widget on a page of another origin, next to the page's own ``window.io``."""
    page_html = f"""<!doctype html><html lang="en"><head><title>Other shop</title></head><body>
        <h1>Another shop</h1><script>window.io = "the shop's own io";</script>
        <script src="{stack.web_url}/widget.js" data-title="Other shop help"></script></body></html>"""
    with serve_page(page_html) as other_shop:  # another origin (port) on this machine
        shopper.goto(other_shop)
        shopper.wait_for_function("() => window.KefuWidget !== undefined")
        assert shopper.evaluate("window.io") == "the shop's own io"
        shopper.click("[data-kefu=launcher]")
        assert shopper.inner_text("#kefu-title") == "Other shop help"
        assert shopper.get_attribute("[data-kefu=input]", "placeholder") == "Type your question…"
        ask(shopper, "hello")
        shopper.wait_for_selector(BOT)
        assert "Lumen Mall" in messages(shopper, BOT)[0]
