"""Local stand-ins for the Telegram Bot API and the WeChat Official Account API.

Each runs an HTTP server on 127.0.0.1 in a thread, answers like the real service, records
every call, and can be told to fail the next calls (HTTP 500, WeChat error codes) so that tests
can watch retries. Kefu talks to them through its real clients (python-telegram-bot, httpx).
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    """One request the fake received."""

    method: str  # Bot API method or WeChat path
    params: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)


def wait_for(predicate: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Polls ``predicate`` until it returns something truthy; returns that, or fails."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {getattr(predicate, '__name__', predicate)}")
        time.sleep(interval)


class _FakeServer:
    """An HTTP server in a thread that hands requests to ``self.handle``."""

    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = fake.handle(self.command, self.path, self.headers, body)
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (e.g. a long poll cut short by a stopping server)

            do_GET = do_POST = _serve

        self.lock = threading.Lock()
        self.calls: list[Call] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def start(self) -> _FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, command: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)

    def calls_of(self, method: str, **match: Any) -> list[Call]:
        """Recorded calls of ``method`` whose params equal ``match``."""
        with self.lock:
            return [c for c in self.calls if c.method == method
                    and all(str(c.params.get(k)) == str(v) for k, v in match.items())]


def _form(headers: Any, body: bytes) -> dict[str, Any]:
    """The parameters of a Bot API call (JSON, urlencoded or multipart), JSON values decoded."""
    content_type = headers.get("Content-Type") or ""
    if "json" in content_type:
        params = json.loads(body or b"{}")
    elif "multipart" in content_type:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        params = {part.get_param("name", header="content-disposition"): part.get_content()
                  for part in message.iter_parts()}
    else:
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8")).items()}
    decoded = {}
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        decoded[key] = value
    return decoded


class FakeTelegramApi(_FakeServer):
    """The Bot API at ``http://127.0.0.1:<port>/bot`` for one bot token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self._failures: dict[str, list[int]] = {}
        self._message_ids = itertools.count(1000)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def fail_next(self, method: str, *statuses: int) -> None:
        """The next calls of ``method`` answer these HTTP statuses (e.g. 500, 500), then succeed."""
        with self.lock:
            self._failures.setdefault(method, []).extend(statuses)

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for the next ``getUpdates`` (polling)."""
        with self.lock:
            self.updates.append(update)

    def sent_texts(self, chat_id: int) -> list[str]:
        return [c.params.get("text") for c in self.calls_of("sendMessage", chat_id=chat_id) if c.status == 200]

    def handle(self, command: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        url = urllib.parse.urlsplit(path)
        prefix = f"/bot{self.token}/"
        if not url.path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = url.path[len(prefix):]
        params = _form(headers, body)
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()})
        with self.lock:
            failures = self._failures.get(method)
            status = failures.pop(0) if failures else 200
        self.record(Call(method, params, status))
        if status != 200:
            return status, {"ok": False, "error_code": status, "description": "Internal Server Error"}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._take_updates(params)}
        return 200, {"ok": True, "result": self._result(method, params)}

    def _take_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            with self.lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ready = list(self.updates)
            if ready or time.monotonic() >= deadline:
                return ready
            time.sleep(0.05)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {"id": 4242, "is_bot": True, "first_name": "Kefu", "username": "kefu_test_bot"}
        if method in ("sendMessage", "sendPhoto"):
            return {"message_id": next(self._message_ids), "date": int(time.time()),
                    "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                    "from": {"id": 4242, "is_bot": True, "first_name": "Kefu"},
                    **({"text": params.get("text")} if method == "sendMessage" else {})}
        return True


class FakeWeChatApi(_FakeServer):
    """The Official Account API at ``http://127.0.0.1:<port>`` for one AppID/AppSecret."""

    def __init__(self, app_id: str, app_secret: str) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.valid_tokens: set[str] = set()
        self._serial = itertools.count(1)
        self._failures: dict[str, list[Any]] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_fetches(self) -> int:
        return len([c for c in self.calls_of("/cgi-bin/token") if c.status == 200])

    def fail_next(self, path: str, *outcomes: Any) -> None:
        """The next calls of ``path`` fail: an int is an HTTP status, a dict a WeChat error body."""
        with self.lock:
            self._failures.setdefault(path, []).extend(outcomes)

    def revoke_tokens(self) -> None:
        """Makes every access token issued so far invalid (as when another server fetched one)."""
        with self.lock:
            self.valid_tokens.clear()

    def messages_to(self, openid: str) -> list[str]:
        return [c.params["text"]["content"] for c in self.calls_of("/cgi-bin/message/custom/send")
                if c.status == 200 and c.params.get("touser") == openid and c.params.get("errcode") == 0]

    def handle(self, command: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        url = urllib.parse.urlsplit(path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        with self.lock:
            failures = self._failures.get(url.path)
            failure = failures.pop(0) if failures else None
        if isinstance(failure, int):
            self.record(Call(url.path, query, failure))
            return failure, {"errcode": -1, "errmsg": "system error"}
        if url.path == "/cgi-bin/token":
            if failure:
                self.record(Call(url.path, query, 200))
                return 200, failure
            if query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
                self.record(Call(url.path, query, 200))
                return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
            token = f"ACCESS_TOKEN_{next(self._serial)}"
            with self.lock:
                self.valid_tokens.add(token)
            self.record(Call(url.path, query, 200))
            return 200, {"access_token": token, "expires_in": 7200}
        if url.path == "/cgi-bin/message/custom/send" and command == "POST":
            try:
                payload = json.loads(body.decode("utf-8"))
            except ValueError:
                return 200, {"errcode": 47001, "errmsg": "data format error"}
            with self.lock:
                token_ok = query.get("access_token") in self.valid_tokens
            result = failure or ({"errcode": 0, "errmsg": "ok"} if token_ok else
                                 {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
            self.record(Call(url.path, {**payload, "access_token": query.get("access_token"),
                                        "errcode": result["errcode"], "raw": body}, 200))
            return 200, result
        return 404, {"errcode": 404, "errmsg": "not found"}
