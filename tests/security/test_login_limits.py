"""Staff login limits (issue 16, item 4): atomic per client IP, a per-account counter across IPs.

Different client addresses are real ones: a server listening on 0.0.0.0 is reached from any
address of 127.0.0.0/8, so each test (and each simulated attacker machine) gets its own, and the
stack's usual client (127.0.0.1) is never locked out. The in-process buckets are those of the
shared ``stack``; the Redis buckets are shared by two web apps (``python -m web``) on one Redis.
"""

from __future__ import annotations

import concurrent.futures
import random
import re
import socket
import time
import uuid

import pytest

from kefu.auth import ensure_user
from tests.stack import http_from
from tests.webapp import WebApp, start_web

pytestmark = pytest.mark.stack

REDIS_URL = "redis://127.0.0.1:6379/9"
#: Limits of the Redis web apps (the stack runs the defaults: 20 / 10 a minute per IP,
#: 10 / 1 a minute per account).
REDIS_LIMITS = {"KEFU_RATE_LOGIN_BURST": "6", "KEFU_RATE_LOGIN_PER_MINUTE": "1",
                "KEFU_RATE_LOGIN_ACCOUNT_BURST": "4", "KEFU_RATE_LOGIN_ACCOUNT_PER_MINUTE": "1"}


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def addresses(count: int) -> list[str]:
    """``count`` client addresses no other test uses."""
    base = random.Random().randrange(2, 250)
    first = random.Random().randrange(0, 200)
    return [f"127.{base}.{(first + i) // 250}.{(first + i) % 250 + 2}" for i in range(count)]


def login(url: str, source: str, username: str, password: str) -> tuple[int, dict, dict]:
    return http_from(source, "POST", f"{url}/api/auth/login", {"username": username, "password": password})


def at_once(calls: list) -> list[tuple[int, dict, dict]]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def check_refused(result: tuple[int, dict, dict]) -> None:
    status, body, headers = result
    assert status == 429, result
    assert int(headers["Retry-After"]) >= 1 and "too many failed logins" in body["error"]


def check_one_address(urls: list[str], *, count: int, burst: int, per_minute: float) -> None:
    [source] = addresses(1)
    calls = [lambda i=i: login(urls[i % len(urls)], source, f"nobody-{uuid.uuid4().hex[:8]}", "guess")
             for i in range(count)]
    started = time.monotonic()
    results = at_once(calls)
    elapsed = time.monotonic() - started
    admitted = [r for r in results if r[0] == 401]
    refused = [r for r in results if r[0] != 401]
    assert burst <= len(admitted) <= burst + int(elapsed * per_minute / 60), (len(admitted), elapsed)
    for result in refused:
        check_refused(result)


def check_one_account(urls: list[str], database_urls: list[str], *, count: int, burst: int) -> None:
    username, password = f"lock-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    for database_url in database_urls:
        ensure_user(database_url, username=username, role="agent", password=password)
    sources = addresses(count + 3)
    calls = [lambda i=i: login(urls[i % len(urls)], sources[i], username, f"guess-{i}") for i in range(count)]
    results = at_once(calls)
    assert sum(r[0] == 401 for r in results) == burst, [r[0] for r in results]
    for result in (r for r in results if r[0] != 401):
        check_refused(result)
    # from yet another address, the right password is answered exactly as a wrong one
    right = login(urls[0], sources[count], username, password)
    wrong = login(urls[0], sources[count + 1], username, "guess-again")
    check_refused(right)
    check_refused(wrong)
    assert re.sub(r"\d+", "N", right[1]["error"]) == re.sub(r"\d+", "N", wrong[1]["error"])
    assert abs(right[1]["retry_after"] - wrong[1]["retry_after"]) <= 1
    # the addresses themselves are not locked: another account logs in from them
    other, other_password = f"free-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    for database_url in database_urls:
        ensure_user(database_url, username=other, role="agent", password=other_password)
    assert login(urls[0], sources[0], other, other_password)[0] == 200
    # an unknown user name is locked the same way: the lock tells nothing about existence
    ghost = f"ghost-{uuid.uuid4().hex[:8]}"
    results = at_once([lambda i=i: login(urls[i % len(urls)], sources[i], ghost, "guess") for i in range(count)])
    assert sum(r[0] == 401 for r in results) == burst


# -- in the process (the shared stack, default limits) ------------------------------------------
def test_concurrent_wrong_logins_from_one_address_admit_exactly_the_burst(stack):
    check_one_address([stack.web_url], count=45, burst=20, per_minute=10)


def test_an_account_is_locked_across_addresses(stack):
    check_one_account([stack.web_url], [f"sqlite:///{stack.var_dir / 'app.db'}"], count=16, burst=10)


# -- in Redis, shared by two web apps -------------------------------------------------------------
@pytest.fixture(scope="module")
def redis_web_apps(tmp_path_factory) -> list[WebApp]:
    if not _redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    apps = []
    try:
        for name in ("web-a", "web-b"):
            apps.append(start_web(tmp_path_factory.mktemp(name), env={"REDIS_URL": REDIS_URL, **REDIS_LIMITS}))
        yield apps
    finally:
        for app in apps:
            app.stop()


def test_with_redis_concurrent_wrong_logins_over_two_web_apps_admit_exactly_the_burst(redis_web_apps):
    check_one_address([app.url for app in redis_web_apps], count=30, burst=6, per_minute=1)


def test_with_redis_an_account_is_locked_across_addresses_and_web_apps(redis_web_apps):
    check_one_account([app.url for app in redis_web_apps], [app.database_url for app in redis_web_apps],
                      count=12, burst=4)
