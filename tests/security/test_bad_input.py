"""No 500 on bad input: every route of both servers, as the running stack serves them, is sent
broken URLs (NUL, broken percent-escapes, bytes that are not UTF-8), numbers in non-ASCII digits
and malformed or wrongly shaped JSON. Each answer is a 4xx with a JSON error (or an ordinary
answer where the input is acceptable), never a 5xx; malformed JSON is a 400 on the Rasa server's
API and a 422 naming ``body`` on the web app (contract section 5).

The routes are not listed by hand: they are read from the apps' routers, built in this process
from the stack's own settings and channel file, so a route added later is swept too.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
import urllib.parse
import uuid
from pathlib import Path
from unittest import mock

import pytest

from kefu.auth import ensure_user
from tests.conversations.handoffs import app_database
from tests.stack import http

pytestmark = pytest.mark.stack

#: path segments that are not a valid URL once decoded: 400 (or 404/405 where no route matches)
BAD_SEGMENTS = ["%00", "a%00b", "index.html%00.js", "%ZZ", "%", "%C0%AF", "%ED%A0%80", "%FF", "%0A"]
#: valid but hostile segments: any 4xx, or an ordinary answer where the value is harmless
#: (``..%2F..%2Fkefu`` is just an odd conversation id to Rasa)
ODD_SEGMENTS = ["..%2F..%2Fkefu", "..", "%2e%2e", "a" * 3000]
NON_ASCII_DIGITS = ["²", "１５", "٣", "߁"]  # superscript two, fullwidth 15, Arabic-Indic 3, NKo 1
MALFORMED_JSON = [b"{bad", b'{"text": "hi"', b"\xff\xfe{}", b"[" * 50_000, b"{'single': 'quotes'}"]
WRONG_SHAPES = [b"[]", b"null", b'"x"', b"{}", b"[1]", b"3",
                b'{"text": 1, "name": 1, "event": 1, "model_file": 1, "sender": 1, "entities": 1}']

#: POST/PUT routes of the web app that read a JSON body ...
WEB_JSON_ROUTES = {"api/auth/login", "api/faqs", "api/faqs/check", "api/faqs/preview", "api/inbox/resolve",
                   "api/inbox/dismiss", "api/faqs/<faq_id:str>", "api/faqs/<faq_id:str>/restore",
                   "api/handoffs/<handoff_id:int>/messages", "api/complaints/<ticket_id:int>/follow-up",
                   "demo/customer-token", "api/care/follow-ups", "api/care/follow-ups/<follow_up_id:int>/messages",
                   "api/care/follow-ups/<follow_up_id:int>/done", "api/admin/customers/<customer_id:str>/erase",
                   "api/shop/stock", "api/assist/canned", "api/assist/canned/<reply_id:int>", "api/assist/me",
                   "api/assist/handoffs/<handoff_id:int>/suggestions/outcome",
                   "api/assist/drafts/<draft_id:int>/use"}
#: ... and those that take none (a body is ignored). Publishing is never sent here: on the shared
#: stack it would publish and retrain.
WEB_NO_BODY_ROUTES = {"api/faqs/publish", "api/handoffs/<handoff_id:int>/claim",
                      "api/assist/drafts/<draft_id:int>/dismiss",
                      "api/handoffs/<handoff_id:int>/release", "api/handoffs/<handoff_id:int>/resolve"}
#: Rasa routes whose body is JSON (all but the channels, which check their own input, and the
#: YAML ones: /model/train, /model/test/stories; /model/test/intents takes either)
RASA_JSON_ROUTES = {"model/parse", "model/predict", "model", "conversations/<conversation_id:path>/tracker/events",
                    "conversations/<conversation_id:path>/execute", "conversations/<conversation_id:path>/predict",
                    "conversations/<conversation_id:path>/trigger_intent",
                    "conversations/<conversation_id:path>/messages", "model/test/intents"}
#: pages for browsers (the storefront's product page): their 404 is an HTML page, not a JSON error
HTML_PAGES = ("/product/",)
ANSWER_SECONDS = 20
#: never swept: it unloads the model of the shared stack (it takes no input to be wrong about)
RASA_SKIPPED = {("DELETE", "model")}


# -- the routers ------------------------------------------------------------------------------------
def web_routes(stack) -> list[tuple[str, str]]:
    """(method, path template) of every route of the web app as ``python -m web`` builds it."""
    from kefu.settings import load_settings
    from web.app import create_app

    with mock.patch.dict(os.environ, stack.env, clear=True):
        settings = load_settings()
    app = create_app(settings, name=f"sweep_web_{uuid.uuid4().hex[:8]}")
    try:
        return sorted({(method, route.path) for route in app.router.routes for method in route.methods
                       if method != "HEAD"})
    finally:
        type(app)._app_registry.pop(app.name, None)


def rasa_routes(stack) -> list[tuple[str, str]]:
    """(method, path template) of every route of the Rasa server: Rasa's API and the stack's channels."""
    from rasa.core.run import configure_app, create_http_input_channels
    from sanic import Sanic

    with mock.patch.dict(os.environ, stack.env, clear=True):
        channels = create_http_input_channels(None, str(stack.var_dir / "credentials.yml"))
        app = configure_app(channels, cors="*", auth_token="x", enable_api=True)
    try:
        return sorted({(method, route.path) for route in app.router.routes for method in route.methods
                       if method not in ("HEAD", "OPTIONS")})
    finally:
        Sanic._app_registry.pop(app.name, None)


@pytest.fixture(scope="module")
def routes(stack):
    return {"web": web_routes(stack), "rasa": rasa_routes(stack)}


@pytest.fixture(scope="module")
def staff(stack) -> list[str]:
    """Agent, editor and an admin (the privacy routes are admins' only; the demo has no admin account)."""
    ensure_user(app_database(stack), username="sweep-admin", role="admin", password="sweep-admin-password")
    status, body = stack.api("POST", "/api/auth/login", {"username": "sweep-admin", "password": "sweep-admin-password"})
    assert status == 200, body
    return [stack.login("agent"), stack.login("editor"), body["token"]]


# -- sending ----------------------------------------------------------------------------------------
def raw_request(port: int, method: str, target: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, object]:
    """One request with the target sent exactly as given (no client-side quoting or normalising)."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    deadline = time.monotonic() + ANSWER_SECONDS
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS) as sock:
        sock.sendall(data)
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
                if time.monotonic() > deadline:  # e.g. an event stream that a bad query opened
                    raise TimeoutError
        except TimeoutError:
            return 599, f"no complete answer in {ANSWER_SECONDS} s: {reply[:200]!r}"
    head, _, payload = reply.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        payload = _unchunk(payload)
    try:
        return status, json.loads(payload.decode("utf-8"))
    except ValueError:
        return status, payload.decode("utf-8", "replace")


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, data = out + rest[:size], rest[size + 2:]
    return out


class Sweeper:
    """Sends requests to one server and records every answer that breaks the rules."""

    def __init__(self, stack, server: str, staff: list[str]) -> None:
        self.stack, self.server, self.staff = stack, server, staff
        self.port = stack.bot_port if server == "rasa" else stack.web_port
        self.problems: list[str] = []
        self.sent = 0

    def send(self, method: str, target: str, body: bytes | None = None) -> tuple[int, object]:
        self.sent += 1
        if self.server == "rasa":
            joiner = "&" if "?" in target else "?"
            return raw_request(self.port, method, f"{target}{joiner}token={self.stack.token}", body)
        status, reply = raw_request(self.port, method, target, body,
                                    {"Authorization": f"Bearer {self.staff[0]}"})
        if status == 403:  # an editor's route: ask again as the editor
            status, reply = raw_request(self.port, method, target, body,
                                        {"Authorization": f"Bearer {self.staff[1]}"})
        if status == 403 and len(self.staff) > 2:  # an admin's route (the privacy routes)
            status, reply = raw_request(self.port, method, target, body,
                                        {"Authorization": f"Bearer {self.staff[2]}"})
        return status, reply

    def check(self, what: str, status: int, reply: object, *, expect: set[int] | None = None,
              field: str | None = None) -> None:
        if status >= 500:
            self.problems.append(f"{what}: {status} {str(reply)[:200]}")
        elif status >= 400 and not isinstance(reply, dict) and not what.split(" ")[1].startswith(HTML_PAGES):
            self.problems.append(f"{what}: {status} without a JSON error: {str(reply)[:200]}")
        elif expect is not None and status not in expect:
            self.problems.append(f"{what}: {status}, expected {sorted(expect)}: {str(reply)[:200]}")
        elif field is not None and not _names(reply, field):
            self.problems.append(f"{what}: the error does not name '{field}': {str(reply)[:200]}")


def _names(reply: object, field: str) -> bool:
    if not isinstance(reply, dict):
        return False
    if reply.get("field") == field:
        return True
    return field in str(reply.get("error", "")) + str(reply.get("message", "")) + str(reply.get("details", ""))


PARAM = re.compile(r"<([^:>]+)(?::([^>]+))?>")


def fill(template: str, value: str) -> str:
    return "/" + PARAM.sub(value, template)


def good_value(template: str) -> str:
    """A well-formed value for every parameter of a template (naming nothing that exists)."""
    return "/" + PARAM.sub(lambda m: "999999999" if m.group(2) == "int" else f"sweep_{uuid.uuid4().hex[:8]}",
                           template)


def sweep_urls(sweeper: Sweeper, routes: list[tuple[str, str]], skipped: set) -> None:
    for method, template in routes:
        if (method, template) in skipped:
            continue
        body = b"{}" if method in ("POST", "PUT", "PATCH") else None
        for value in BAD_SEGMENTS + ODD_SEGMENTS:
            if PARAM.search(template):
                target = fill(template, value)
            else:
                target = "/" + template.rstrip("/") + ("/" if template else "") + value
            status, reply = sweeper.send(method, target, body)
            sweeper.check(f"{method} {target[:80]}", status, reply,
                          expect={400, 404, 405} if value in BAD_SEGMENTS else None)
        # the same bytes in the query string
        for query in ("status=%00", "category=a%00b", "q=%ZZ", "x=%FF"):
            target = f"{good_value(template)}?{query}"
            status, reply = sweeper.send(method, target, body)
            api = sweeper.server == "web" and template.startswith("api/")
            sweeper.check(f"{method} {target}", status, reply, expect={422} if api else {400},
                          field=query.split("=")[0] if api else None)


# -- the tests --------------------------------------------------------------------------------------
def test_the_routers_list_the_routes_the_sweep_knows(routes):
    """A new route must be classified (JSON body or none) before the sweep can vouch for it."""
    web_posts = {t for m, t in routes["web"] if m in ("POST", "PUT", "PATCH")}
    assert web_posts - WEB_JSON_ROUTES - WEB_NO_BODY_ROUTES == set()
    rasa_posts = {t for m, t in routes["rasa"] if m in ("POST", "PUT", "PATCH") and not t.startswith("webhooks/")}
    assert rasa_posts - RASA_JSON_ROUTES - {"model/train", "model/test/stories", "socket.io"} == set()
    assert ("GET", "static/<__file_uri__:path>") in routes["web"]
    assert ("POST", "webhooks/rest/webhook") in routes["rasa"]


def test_broken_urls_get_400_or_404_on_every_route_of_both_servers(stack, routes, staff):
    problems = []
    for server in ("web", "rasa"):
        sweeper = Sweeper(stack, server, staff)
        skipped = RASA_SKIPPED if server == "rasa" else {("POST", "api/faqs/publish")}
        sweep_urls(sweeper, routes[server], skipped)
        assert sweeper.sent > 100
        problems += sweeper.problems
    assert problems == [], "\n".join(problems[:40]) + f"\n({len(problems)} in all)"


def test_static_roots_refuse_nul_and_serve_their_files(stack, routes):
    roots = [t.split("<")[0] for m, t in routes["web"] if m == "GET" and "<__file_uri__" in t]
    assert {"static/", "console/static/", "faq/static/", "dashboard/static/"} <= set(roots)
    for root in roots:
        for name in ("index.html%00.js", "%00", "x%00/../index.html", "%2e%2e%2f%2e%2e%2fkefu%2fsettings.py"):
            status, reply = raw_request(stack.web_port, "GET", f"/{root}{name}")
            assert status in (400, 404) and isinstance(reply, dict), (root, name, status, reply)
    assert http("GET", f"{stack.web_url}/static/widget/kefu-widget.js")[0] == 200  # files still served


def test_raw_bytes_in_the_request_line_get_a_400_not_a_dropped_connection(stack):
    """Bytes a client should have percent-encoded: Sanic could not parse them and dropped the
    connection without an answer (logging a traceback)."""
    for port in (stack.web_port, stack.bot_port):
        for target in ("/static/\xff", "/static/\xe4\xb8\x80", "/healthz?x=\x01", "/webhooks/rest/webhook\x7f"):
            try:
                status, reply = raw_request(port, "GET", target)
            except (IndexError, ValueError):  # no status line at all
                status, reply = 0, "no answer"
            assert status == 400 and isinstance(reply, dict), (port, target, status, reply)


def test_numbers_in_non_ascii_digits_are_422_naming_the_parameter(stack, staff):
    editor = staff[1]
    for digits in NON_ASCII_DIGITS:
        quoted = urllib.parse.quote(digits)
        for path, name in ((f"/api/analytics?days={quoted}", "days"), (f"/api/inbox?days={quoted}", "days"),
                           (f"/api/inbox?limit={quoted}", "limit"),
                           (f"/api/faqs/sweep_no_such_faq?version={quoted}", "version")):
            for method in (("DELETE",) if "version" in path else ("GET",)):
                status, reply = raw_request(stack.web_port, method, path,
                                            headers={"Authorization": f"Bearer {editor}"})
                assert status == 422 and reply.get("field") == name, (method, path, status, reply)
        status, reply = http("PUT", f"{stack.web_url}/api/faqs/sweep_no_such_faq",
                             {"version": digits, "answer_zh": "x"}, headers={"Authorization": f"Bearer {editor}"})
        assert status == 422 and reply.get("field") == "version", (digits, status, reply)
    # ASCII digits still work
    status, reply = raw_request(stack.web_port, "GET", "/api/analytics?days=15",
                                headers={"Authorization": f"Bearer {editor}"})
    assert status == 200, reply


def test_malformed_json_is_400_on_the_rasa_api_and_422_on_the_web_app(stack, routes, staff):
    problems = []
    rasa = Sweeper(stack, "rasa", staff)
    for method, template in routes["rasa"]:
        if template not in RASA_JSON_ROUTES or method not in ("POST", "PUT"):
            continue
        target = good_value(template)
        for body in MALFORMED_JSON:
            status, reply = rasa.send(method, target, body)
            rasa.check(f"{method} {target} {body[:20]!r}", status, reply, expect={400})
        for body in WRONG_SHAPES:  # ([] may be a fine list of events: only "no 5xx, JSON errors")
            status, reply = rasa.send(method, target, body)
            rasa.check(f"{method} {target} {body[:40]!r}", status, reply)
    web = Sweeper(stack, "web", staff)
    for method, template in routes["web"]:
        if template not in WEB_JSON_ROUTES or method not in ("POST", "PUT"):
            continue
        target = good_value(template)
        for body in MALFORMED_JSON:
            status, reply = web.send(method, target, body)
            web.check(f"{method} {target} {body[:20]!r}", status, reply, expect={404, 422} if "<" in template
                      else {422}, field=None if "<" in template else "body")
        for body in WRONG_SHAPES[:3]:  # [], null, "x": never the JSON object these routes read
            status, reply = web.send(method, target, body)
            web.check(f"{method} {target} {body[:40]!r}", status, reply, expect={404, 422})
    problems = rasa.problems + web.problems
    assert problems == [], "\n".join(problems[:40]) + f"\n({len(problems)} in all)"


def test_the_yaml_and_channel_routes_refuse_junk_without_a_500(stack):
    token = stack.token
    for path in ("/model/train", "/model/test/stories", "/model/test/intents"):
        for body in (b"null", b"[]", b"- a\n- b", b"{bad", b": :", b"\xff\xfe"):
            status, reply = raw_request(stack.bot_port, "POST", f"{path}?token={token}", body,
                                        {"Content-Type": "application/yaml"})
            assert status == 400 and isinstance(reply, dict), (path, body, status, reply)
    for body in MALFORMED_JSON + WRONG_SHAPES[:-1]:  # (the last is a REST message from sender "1")
        status, reply = raw_request(stack.bot_port, "POST", "/webhooks/rest/webhook", body)
        assert status == 400 and isinstance(reply, dict), (body[:20], status, reply)
    status, reply = raw_request(stack.bot_port, "POST", "/socket.io/?EIO=4&transport=polling", b"{bad")
    assert status < 500, (status, reply)


def test_an_unauthenticated_bad_body_is_still_a_401(stack):
    """The body checks come after the token check: a caller without the token learns nothing."""
    status, reply = raw_request(stack.bot_port, "POST", "/model/parse", b"{bad")
    assert status == 401, (status, reply)
    status, reply = raw_request(stack.web_port, "POST", "/api/faqs", b"{bad")
    assert status == 401, (status, reply)


def test_every_html_page_of_the_web_app_carries_a_csp(stack, routes):
    """The storefront's policy wherever its page is served; /static/index.html is gone (404)."""
    import urllib.error
    import urllib.request

    from web import app as web_app

    pages = ["/" + t for m, t in routes["web"] if m == "GET" and "<" not in t and not t.startswith("api/")]
    root = Path(web_app.__file__).resolve().parent.parent
    static_dirs = {"static/": root / "web" / "static", "console/static/": root / "handoff" / "console" / "static",
                   "faq/static/": root / "faq" / "editor" / "static",
                   "dashboard/static/": root / "analytics" / "dashboard" / "static"}
    files = [f"/{prefix}{p.relative_to(d).as_posix()}" for prefix, d in static_dirs.items()
             for p in d.rglob("*") if p.is_file()]
    checked = 0
    for path in pages + files:
        try:
            with urllib.request.urlopen(f"{stack.web_url}{path}", timeout=10) as reply:
                kind, csp = reply.headers.get("Content-Type", ""), reply.headers.get("Content-Security-Policy", "")
        except urllib.error.HTTPError:
            continue
        if kind.startswith("text/html"):
            checked += 1
            assert "default-src" in csp and "frame-ancestors" in csp, (path, csp)
    assert checked >= 4  # /, /console, /faq, /dashboard
    assert http("GET", f"{stack.web_url}/static/index.html")[0] == 404
    store = urllib.request.urlopen(f"{stack.web_url}/", timeout=10).headers["Content-Security-Policy"]
    assert "'sha256-" in store


def test_an_faq_category_that_is_a_path_is_422_naming_category(stack, staff):
    editor = staff[1]
    entry = {"id": f"sweep_{uuid.uuid4().hex[:8]}", "question_zh": "礼品卡可以兑换成现金吗？",
             "question_en": "Can a gift card be exchanged for cash?",
             "examples_zh": ["礼品卡能换钱吗", "购物卡可以提现不", "礼品卡余额能退吗"],
             "examples_en": ["gift card cash out", "can I get cash for my gift card", "refund gift card balance"],
             "answer_zh": "礼品卡不能兑换现金。", "answer_en": "Gift cards cannot be exchanged for cash."}
    for category in ("../../endpoints", "/etc/cron.d/x", "payment/../../x", "Payment"):
        status, reply = stack.api("POST", "/api/faqs", {**entry, "category": category}, token=editor)
        assert status == 422 and reply.get("field") == "category", (category, status, reply)
        status, reply = stack.api("PUT", "/api/faqs/return_policy", {"category": category}, token=editor)
        assert status == 422 and reply.get("field") == "category", (category, status, reply)
    status, categories = stack.api("GET", "/api/faqs/categories", token=editor)
    assert status == 200 and all(re.fullmatch(r"[a-z][a-z0-9_]{1,62}", c["name"]) for c in categories), categories
