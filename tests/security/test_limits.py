"""Request size limits on the real stack: a body over KEFU_MAX_REQUEST_BYTES (256 KB by default) is
refused with 413 and a JSON error by both servers, before it is read; ordinary requests still work."""

from __future__ import annotations

import json
import select
import socket
import time
import uuid

import pytest

from tests.stack import http

pytestmark = pytest.mark.stack

TWELVE_MB = 12 * 1024 * 1024


def _response(sock: socket.socket, timeout: float) -> tuple[int, dict]:
    """Reads one HTTP response (status, JSON body) from ``sock``."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    while length is not None and len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, json.loads(body.decode("utf-8"))


def announce_body(port: int, path: str, length: int, *, timeout: float = 10) -> tuple[int, dict, float]:
    """Sends only the head of a POST announcing ``length`` bytes of JSON; returns what the server
    answers without receiving a byte of the body, and how long it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {length}\r\n\r\n").encode())
        try:
            status, body = _response(sock, timeout)
        except TimeoutError:
            pytest.fail(f"{path}: no answer in {timeout} s: the server waits to read the {length} bytes")
    return status, body, time.monotonic() - started


def stream_chunks(port: int, path: str, total: int, *, chunk: int = 32 * 1024) -> tuple[int, dict, int]:
    """POSTs ``total`` bytes with chunked transfer encoding (no Content-Length) and stops sending as
    soon as the server answers; returns the answer and how many bytes were sent by then."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n").encode())
        piece = b"[" + b" " * (chunk - 1)
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
            time.sleep(0.005)
        status, body = _response(sock, 10)
    return status, body, sent


def targets(stack) -> list[tuple[int, str]]:
    return [
        (stack.bot_port, "/webhooks/rest/webhook"),  # the public REST channel
        (stack.bot_port, f"/model/parse?token={stack.token}"),  # Rasa's HTTP API
        (stack.bot_port, "/socket.io/?EIO=4&transport=polling"),  # the widget's long-polling
        (stack.web_port, "/api/auth/login"),  # the web app's public route
        (stack.web_port, "/api/faqs"),  # a staff route (no token: the size is refused first)
    ]


def test_a_12_mb_body_is_refused_with_413_before_it_is_read(stack):
    for port, path in targets(stack):
        status, body, elapsed = announce_body(port, path, TWELVE_MB)
        assert status == 413, (path, status, body)
        assert isinstance(body, dict) and body, (path, body)  # a JSON error
        assert elapsed < 3, (path, elapsed)


def test_a_chunked_body_is_cut_off_at_the_limit(stack):
    for port, path in targets(stack)[:1] + targets(stack)[3:4]:
        status, body, sent = stream_chunks(port, path, 4 * 1024 * 1024)
        assert status == 413 and isinstance(body, dict), (path, status, body)
        assert sent < 2 * 1024 * 1024, (path, sent)  # answered soon after 256 KB, not at the end


def test_requests_under_the_limit_are_served(stack):
    """200 KB (of JSON whitespace) is under the limit: the request is answered as usual."""
    padding = " " * (200 * 1024)
    sender = f"limits-{uuid.uuid4().hex[:8]}"
    raw = (f'{{"sender": "{sender}", "message": "运费怎么算"{padding}}}').encode()
    status, replies = http("POST", f"{stack.bot_url}/webhooks/rest/webhook", raw=raw)
    assert status == 200 and "99" in json.dumps(replies, ensure_ascii=False), replies
    status, body = http("POST", f"{stack.web_url}/api/auth/login",
                        raw=(f'{{"username": "nobody", "password": ""{padding}}}').encode())
    assert status == 422 and body["field"] == "password", body  # read and checked, not refused for size


def test_loading_a_model_by_path_is_still_a_json_request(stack):
    """``PUT /model {"model_file": ...}`` (how the FAQ retrain swaps models) passes the size limit
    and the body checks: a path that is not a model file is a 400 naming the field, not a 413/500."""
    status, body = http("PUT", f"{stack.bot_url}/model?token={stack.token}",
                        {"model_file": str(stack.var_dir / "no-such-model.tar.gz")})
    assert status == 400 and "model_file" in json.dumps(body), (status, body)
    assert "99" in stack.say(f"limits-{uuid.uuid4().hex[:8]}", "运费怎么算")  # the old model still serves
