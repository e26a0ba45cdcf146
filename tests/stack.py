"""A running Kefu stack for end-to-end tests, started exactly as ``make run`` starts it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def free_port(consecutive: int = 1) -> int:
    """A port (and the ``consecutive - 1`` after it) that nothing listens on now."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + consecutive >= 65535:
            continue
        ok = True
        for extra in range(1, consecutive):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port + extra))
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError("no free ports")


def http(method: str, url: str, body: Any = None, *, headers: dict[str, str] | None = None,
         raw: bytes | None = None, timeout: float = 30) -> tuple[int, Any]:
    """A JSON HTTP call; returns (status, decoded body or text)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            status, payload = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    text = payload.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def http_from(source: str, method: str, url: str, body: Any = None, *, headers: dict[str, str] | None = None,
              timeout: float = 30) -> tuple[int, Any, dict[str, str]]:
    """:func:`http` from another client address (any of 127.0.0.0/8 reaches a server on
    0.0.0.0 from a different IP); returns (status, decoded body, response headers)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""),
                           body=json.dumps(body).encode() if body is not None else None,
                           headers={"Content-Type": "application/json", **(headers or {})})
        reply = connection.getresponse()
        status, payload, reply_headers = reply.status, reply.read(), dict(reply.getheaders())
    finally:
        connection.close()
    text = payload.decode("utf-8", "replace")
    try:
        return status, json.loads(text), reply_headers
    except ValueError:
        return status, text, reply_headers


@dataclass
class Stack:
    """Handles on a running stack: its URLs, token, log and a few shortcuts."""

    var_dir: Path
    env: dict[str, str]
    bot_port: int
    actions_port: int
    web_port: int
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    replicas: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def bot_url(self) -> str:
        return f"http://127.0.0.1:{self.bot_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def token(self) -> str:
        return (self.var_dir / "bot_api_token").read_text().strip()

    def terminal(self) -> str:
        """What ``make run`` printed (the launcher's own output)."""
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def log(self) -> str:
        """Everything the stack wrote: the terminal, then each process's ``var/logs/*.log`` (the
        processes' start-up output goes only there)."""
        parts = [self.terminal()]
        for path in sorted((self.var_dir / "logs").glob("*.log")):
            parts.append(f"\n--- {path.name}\n{path.read_text(errors='replace')}")
        return "".join(parts)

    # -- shopper side --------------------------------------------------------
    def send(self, sender: str, message: Any, *, metadata: dict | None = None, port: int | None = None) -> list[dict]:
        """Sends a REST message and returns the bot's replies (asserting HTTP 200)."""
        body = {"sender": sender, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        status, replies = http("POST", f"http://127.0.0.1:{port or self.bot_port}/webhooks/rest/webhook", body)
        assert status == 200, (status, replies)
        return replies

    def say(self, sender: str, message: str, **kwargs) -> str:
        """Sends a message and returns all reply texts joined by newlines."""
        return "\n".join(r.get("text", "") for r in self.send(sender, message, **kwargs))

    def parse(self, text: str) -> dict:
        status, result = http("POST", f"{self.bot_url}/model/parse?token={self.token}", {"text": text})
        assert status == 200, (status, result)
        return result

    def tracker(self, sender: str) -> dict:
        status, result = http("GET", f"{self.bot_url}/conversations/{sender}/tracker?token={self.token}")
        assert status == 200, (status, result)
        return result

    # -- staff side ----------------------------------------------------------
    def password(self, username: str) -> str:
        return json.loads((self.var_dir / "demo_passwords.json").read_text())[username]

    def login(self, username: str) -> str:
        status, body = http("POST", f"{self.web_url}/api/auth/login",
                            {"username": username, "password": self.password(username)})
        assert status == 200, (status, body)
        return body["token"]

    def api(self, method: str, path: str, body: Any = None, *, token: str | None = None, **kwargs) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return http(method, f"{self.web_url}{path}", body, headers=headers, **kwargs)

    # -- lifecycle -----------------------------------------------------------
    def start(self, timeout: float = 300) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.var_dir / "stack.log"
        log = self.log_path.open("ab")
        since = log.tell()  # a restarted stack appends to the same log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the stack exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            if b"Kefu is running" in self.log_path.read_bytes()[since:]:
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the stack did not start in {timeout} s:\n{self.log()[-4000:]}")

    def children(self, module: str, port: int | None = None) -> list[int]:
        """Process ids of the stack's children running ``python -m module`` (on ``port``, if given)."""
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                stat = (proc / "stat").read_text()
                command = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            words = [word.decode(errors="replace") for word in command]
            if (self.process and parent == self.process.pid and module in words
                    and (port is None or str(port) in words)):
                pids.append(int(proc.name))
        return pids

    def stop(self) -> int | None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode if self.process else None


def make_stack(var_dir: Path, *, database_url: str | None = None, replicas: int = 1,
               env: dict[str, str] | None = None) -> Stack:
    bot_port = free_port(consecutive=replicas)
    actions_port, web_port = free_port(), free_port()
    full_env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "WECHAT_", "DEMO_", "BOT_", "DATABASE_URL", "REDIS_URL", "RABBITMQ_URL"))
    }
    full_env.update({
        "KEFU_VAR_DIR": str(var_dir),
        "BOT_PORT": str(bot_port),
        "ACTIONS_PORT": str(actions_port),
        "WEB_PORT": str(web_port),
        "BOT_REPLICAS": str(replicas),
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    })
    if database_url:
        full_env["DATABASE_URL"] = database_url
    full_env.update(env or {})
    return Stack(var_dir=var_dir, env=full_env, bot_port=bot_port, actions_port=actions_port,
                 web_port=web_port, replicas=replicas)
