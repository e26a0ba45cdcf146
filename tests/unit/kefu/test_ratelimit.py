"""Token buckets of kefu.ratelimit, in the process and in a real Redis (shared by instances)."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

from kefu.ratelimit import RateLimiter, account_key, account_login_limiter, login_limiter, message_limiter
from kefu.settings import SettingsError, load_settings

REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture(params=["process", pytest.param("redis", marks=needs_redis)])
def make_limiter(request):
    def make(**kwargs) -> RateLimiter:
        redis_url = REDIS_URL if request.param == "redis" else None
        return RateLimiter(name=f"test-{uuid.uuid4().hex[:8]}", redis_url=redis_url, **kwargs)

    return make


async def test_a_burst_passes_then_the_sender_is_refused_and_told_once(make_limiter):
    limiter = make_limiter(per_minute=60, burst=5)
    decisions = [await limiter.hit("alice") for _ in range(50)]
    assert [d.allowed for d in decisions[:5]] == [True] * 5
    refused = decisions[5:]
    assert not any(d.allowed for d in refused)
    assert sum(d.notify for d in refused) == 1 and refused[0].notify  # one polite reply per flood
    assert all(0 < d.retry_after <= 1.01 for d in refused)


async def test_other_senders_are_not_affected(make_limiter):
    limiter = make_limiter(per_minute=60, burst=3)
    for _ in range(20):
        await limiter.hit("flooder")
    assert all([(await limiter.hit("bob")).allowed for _ in range(3)])


async def test_tokens_come_back_with_time(make_limiter):
    limiter = make_limiter(per_minute=600, burst=1)  # one token every 0.1 s
    assert (await limiter.hit("carol")).allowed
    assert not (await limiter.hit("carol")).allowed
    await asyncio.sleep(0.25)
    assert (await limiter.hit("carol")).allowed


async def test_check_does_not_take_a_token(make_limiter):
    limiter = make_limiter(per_minute=60, burst=2)
    for _ in range(5):
        assert (await limiter.check("dave")).allowed
    await limiter.hit("dave")
    await limiter.hit("dave")
    assert not (await limiter.check("dave")).allowed


async def test_rate_zero_switches_the_limit_off(make_limiter):
    limiter = make_limiter(per_minute=0, burst=1)
    assert all([(await limiter.hit("erin")).allowed for _ in range(100)])


@needs_redis
async def test_redis_buckets_are_shared_by_processes():
    name = f"shared-{uuid.uuid4().hex[:8]}"
    replica_a = RateLimiter(name=name, per_minute=60, burst=4, redis_url=REDIS_URL)
    replica_b = RateLimiter(name=name, per_minute=60, burst=4, redis_url=REDIS_URL)
    results = await asyncio.gather(*[(replica_a if i % 2 else replica_b).hit("frank") for i in range(40)])
    assert sum(d.allowed for d in results) == 4  # atomic: no double spending across replicas
    assert sum(d.notify for d in results) == 1
    await replica_a.close()
    await replica_b.close()


async def test_unreachable_redis_serves_rather_than_refuses():
    limiter = RateLimiter(name="down", per_minute=60, burst=1, redis_url="redis://127.0.0.1:1/0")
    assert all([(await limiter.hit("gina")).allowed for _ in range(3)])


async def test_the_login_limits_fall_back_to_the_process_when_redis_is_unreachable(rate_env):
    rate_env.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    rate_env.setenv("KEFU_RATE_LOGIN_BURST", "3")
    limiter = login_limiter(load_settings())
    assert [(await limiter.hit("10.0.0.1")).allowed for _ in range(5)] == [True] * 3 + [False] * 2


@pytest.fixture()
def rate_env(monkeypatch):
    for name in ("KEFU_RATE_MESSAGES_PER_MINUTE", "KEFU_RATE_MESSAGES_BURST", "KEFU_RATE_LOGIN_PER_MINUTE",
                 "KEFU_RATE_LOGIN_BURST", "KEFU_RATE_LOGIN_ACCOUNT_PER_MINUTE", "KEFU_RATE_LOGIN_ACCOUNT_BURST"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_limits_come_from_the_settings(rate_env):
    rate_env.setenv("KEFU_RATE_MESSAGES_PER_MINUTE", "30")
    rate_env.setenv("KEFU_RATE_MESSAGES_BURST", "7")
    settings = load_settings()
    limiter = message_limiter(settings)
    assert limiter.rate == 0.5 and limiter.burst == 7
    defaults = login_limiter(settings)
    assert defaults.rate == 10 / 60 and defaults.burst == 20
    account = account_login_limiter(settings)
    assert account.rate == 1 / 60 and account.burst == 10 and account.name != defaults.name
    rate_env.setenv("KEFU_RATE_LOGIN_ACCOUNT_PER_MINUTE", "0.5")
    rate_env.setenv("KEFU_RATE_LOGIN_ACCOUNT_BURST", "3")
    account = account_login_limiter(load_settings())
    assert account.rate == 0.5 / 60 and account.burst == 3


@pytest.mark.parametrize("name, value", [("KEFU_RATE_LOGIN_BURST", "many"), ("KEFU_RATE_LOGIN_BURST", "2.5"),
                                         ("KEFU_RATE_MESSAGES_PER_MINUTE", "-1"),
                                         ("KEFU_RATE_LOGIN_PER_MINUTE", "nan"), ("KEFU_RATE_LOGIN_PER_MINUTE", "１０"),
                                         ("KEFU_RATE_LOGIN_ACCOUNT_BURST", "x")])
def test_a_bad_limit_is_a_settings_error_naming_it_when_the_settings_are_read(rate_env, name, value):
    rate_env.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


async def test_concurrent_takes_admit_exactly_the_burst(make_limiter):
    limiter = make_limiter(per_minute=1, burst=7)
    decisions = await asyncio.gather(*[limiter.hit("harry") for _ in range(60)])
    assert sum(d.allowed for d in decisions) == 7


async def test_a_token_given_back_can_be_taken_again_but_never_beyond_the_burst(make_limiter):
    limiter = make_limiter(per_minute=1, burst=3)
    for _ in range(3):
        assert (await limiter.hit("ivy")).allowed
    assert not (await limiter.hit("ivy")).allowed
    await limiter.give_back("ivy")
    assert (await limiter.hit("ivy")).allowed
    assert not (await limiter.hit("ivy")).allowed
    for _ in range(10):
        await limiter.give_back("jack")  # a full bucket stays full
    assert sum([(await limiter.hit("jack")).allowed for _ in range(6)]) == 3


def test_account_keys_do_not_carry_the_user_name():
    assert account_key("13912345678") != account_key("13912345679")
    assert "13912345678" not in account_key("13912345678") and len(account_key("x")) == 32
