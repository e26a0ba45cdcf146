"""Latency of a bare NLU parse against a full REST turn, and throughput under concurrency.

``python -m bench.latency [--bot-url http://127.0.0.1:5005] [--token T]`` drives a running Rasa
server from this separate process (aiohttp client):

1. ``/model/parse`` → p50 / p99;
2. ``/webhooks/rest/webhook``, each request a one-turn FAQ question in a conversation of its own
   sender → p50 / p99;
3. the same messages in one conversation (its history grows to N turns) → p50 / p99 (against
   ``--bot-url``, the server's per-sender rate limit must allow N messages);

   1–3 are sent one request at a time, interleaved (parse, turn, same-conversation turn, parse,
   ...), so that the ratios compare requests that met the same machine;
4. the same REST turns from C concurrent conversations for D seconds → turns/s, p50 / p99, errors;
5. product turns (issue 18): pre-sales questions (:data:`PRODUCT_MESSAGES`: facts, stock, size,
   price in zh, traditional and en, each in a conversation of its own) and their bare parses,
   interleaved with 1–3 → ``product_turn``, ``product_parse``, ``product_turn_over_parse_p50``.
   A product turn runs the custom action (the catalogue read through the shop adapter, the spaCy
   matcher), so its ratio shows what the action server adds to a turn.

Messages cycle through a fixed list of Chinese and English FAQ questions and greetings (the same
for every run). Without ``--bot-url`` it starts the stack itself (``python -m bot run`` with a
temporary ``var/``) and stops it afterwards.

``--compare-stock`` starts two stacks, Kefu's and one with ``KEFU_STOCK_RASA=on`` (stock Rasa, none
of the patches in ``bot/patches/``), sends 1–3 to both interleaved request by request (so both meet
the same machine), runs 4 on each in turn, and reports both with the ratios stock / patched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

MESSAGES = [
    "运费怎么算", "七天无理由退货怎么规定的", "退款多久到账", "你好", "能开发票吗", "how much is shipping",
    "what is your return policy", "hello", "怎么修改收货地址", "支持花呗分期吗", "do you ship to hong kong",
    "忘记密码怎么办", "会员等级有哪些", "积分怎么用", "thank you", "客服几点上班",
]
#: pre-sales product questions (the demo catalogue), one per conversation in the product turns
PRODUCT_MESSAGES = [
    "充电宝能带上飞机吗", "羊毛大衣有没有黑色M码", "我175 70kg大衣穿什么码", "空气炸锅有优惠吗",
    "智能手錶可以戴著游泳嗎", "跑鞋43碼仲有冇貨", "is the smartwatch waterproof", "how much is the wool coat",
    "降噪蓝牙耳机续航多久", "有什么适合送长辈的",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _timed(session, method: str, url: str, body: dict) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        async with session.request(method, url, json=body) as reply:
            payload = await reply.read()
            ok = reply.status == 200 and bool(payload)
    except Exception:  # noqa: BLE001 - any failed request counts as a failed turn
        ok = False
    return (time.perf_counter() - started) * 1000, ok


def _summary(timings: list[float], errors: int) -> dict:
    return {"requests": len(timings), "p50_ms": round(percentile(timings, 50), 1),
            "p99_ms": round(percentile(timings, 99), 1), "errors": errors}


async def sequential(session, url: str, make_body, count: int) -> dict:
    timings, errors = [], 0
    for i in range(count):
        ms, ok = await _timed(session, "POST", url, make_body(i))
        timings.append(ms)
        errors += not ok
    return _summary(timings, errors)


async def interleaved(session, requests: dict[str, tuple[str, object]], count: int) -> dict[str, dict]:
    """Sends the requests of each kind in turn (parse, turn, parse, turn, ...), one at a time, so
    that every kind meets the same machine: a slower minute of a shared machine then slows the
    parses as much as the turns instead of tilting their ratio."""
    timings: dict[str, list[float]] = {name: [] for name in requests}
    errors = dict.fromkeys(requests, 0)
    for i in range(count):
        for name, (url, make_body) in requests.items():
            ms, ok = await _timed(session, "POST", url, make_body(i))
            timings[name].append(ms)
            errors[name] += not ok
    return {name: _summary(timings[name], errors[name]) for name in requests}


async def concurrent(session, url: str, conversations: int, seconds: float) -> dict:
    timings: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def conversation(index: int) -> None:
        nonlocal errors
        sender = f"bench-{uuid.uuid4().hex[:8]}"
        turn = 0
        while time.perf_counter() < deadline:
            body = {"sender": sender, "message": MESSAGES[(index + turn) % len(MESSAGES)]}
            ms, ok = await _timed(session, "POST", url, body)
            timings.append(ms)
            errors += not ok
            turn += 1

    started = time.perf_counter()
    await asyncio.gather(*(conversation(i) for i in range(conversations)))
    elapsed = time.perf_counter() - started
    return {"conversations": conversations, "seconds": round(elapsed, 1), "turns": len(timings),
            "turns_per_s": round(len(timings) / elapsed, 1), "p50_ms": round(percentile(timings, 50), 1),
            "p99_ms": round(percentile(timings, 99), 1), "errors": errors}


async def measure(bot_url: str, token: str, count: int, conversations: int, seconds: float) -> dict:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=conversations * 2)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        parse_url = f"{bot_url}/model/parse?token={token}"
        rest_url = f"{bot_url}/webhooks/rest/webhook"
        # warm-up: first calls load lazily initialised parts
        await sequential(session, parse_url, lambda i: {"text": MESSAGES[i % len(MESSAGES)]}, 20)
        await sequential(session, rest_url, lambda i: {"sender": f"warm-{i}", "message": MESSAGES[i % len(MESSAGES)]}, 20)
        run_id = uuid.uuid4().hex[:6]
        kinds = await interleaved(session, {
            "parse": (parse_url, lambda i: {"text": MESSAGES[i % len(MESSAGES)]}),
            "turn": (rest_url, lambda i: {"sender": f"seq-{run_id}-{i}", "message": MESSAGES[i % len(MESSAGES)]}),
            "same": (rest_url, lambda i: {"sender": f"same-{run_id}", "message": MESSAGES[i % len(MESSAGES)]}),
            "product_parse": (parse_url, lambda i: {"text": PRODUCT_MESSAGES[i % len(PRODUCT_MESSAGES)]}),
            "product_turn": (rest_url, lambda i: {"sender": f"prod-{run_id}-{i}",
                                                  "message": PRODUCT_MESSAGES[i % len(PRODUCT_MESSAGES)]}),
        }, count)
        parse, turn, same = kinds["parse"], kinds["turn"], kinds["same"]
        product_parse, product_turn = kinds["product_parse"], kinds["product_turn"]
        load = await concurrent(session, rest_url, conversations, seconds)
    return {"parse": parse, "turn": turn, "turn_over_parse_p50": round(turn["p50_ms"] / parse["p50_ms"], 2),
            "turn_same_sender": same, "same_sender_over_parse_p50": round(same["p50_ms"] / parse["p50_ms"], 2),
            "product_parse": product_parse, "product_turn": product_turn,
            "product_turn_over_parse_p50": round(product_turn["p50_ms"] / product_parse["p50_ms"], 2),
            "concurrent": load}


def _stock_over_patched(patched: dict, stock: dict) -> dict:
    """How many times slower (or, for throughput, fewer turns/s) stock Rasa is than Kefu's patches."""
    def ratio(a: float, b: float) -> float:
        return round(a / b, 2) if b else float("nan")

    return {
        "parse_p50": ratio(stock["parse"]["p50_ms"], patched["parse"]["p50_ms"]),
        "turn_p50": ratio(stock["turn"]["p50_ms"], patched["turn"]["p50_ms"]),
        "turn_p99": ratio(stock["turn"]["p99_ms"], patched["turn"]["p99_ms"]),
        "same_sender_p50": ratio(stock["turn_same_sender"]["p50_ms"], patched["turn_same_sender"]["p50_ms"]),
        "same_sender_p99": ratio(stock["turn_same_sender"]["p99_ms"], patched["turn_same_sender"]["p99_ms"]),
        "concurrent_turns_per_s": ratio(patched["concurrent"]["turns_per_s"], stock["concurrent"]["turns_per_s"]),
    }


async def compare(servers: dict[str, tuple[str, str]], count: int, conversations: int, seconds: float) -> dict:
    """:func:`measure` on each server, the sequential requests interleaved across all of them."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=conversations * 2)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        requests = {}
        for name, (bot_url, token) in servers.items():
            parse_url, rest_url = f"{bot_url}/model/parse?token={token}", f"{bot_url}/webhooks/rest/webhook"
            await sequential(session, parse_url, lambda i: {"text": MESSAGES[i % len(MESSAGES)]}, 20)
            await sequential(session, rest_url,
                             lambda i: {"sender": f"warm-{i}", "message": MESSAGES[i % len(MESSAGES)]}, 20)
            run_id = uuid.uuid4().hex[:6]
            requests.update({
                (name, "parse"): (parse_url, lambda i: {"text": MESSAGES[i % len(MESSAGES)]}),
                (name, "turn"): (rest_url, lambda i, r=run_id: {"sender": f"seq-{r}-{i}",
                                                                "message": MESSAGES[i % len(MESSAGES)]}),
                (name, "same"): (rest_url, lambda i, r=run_id: {"sender": f"same-{r}",
                                                                "message": MESSAGES[i % len(MESSAGES)]}),
            })
        kinds = await interleaved(session, requests, count)
        result = {}
        for name, (bot_url, _token) in servers.items():
            parse, turn, same = kinds[(name, "parse")], kinds[(name, "turn")], kinds[(name, "same")]
            load = await concurrent(session, f"{bot_url}/webhooks/rest/webhook", conversations, seconds)
            result[name] = {"parse": parse, "turn": turn,
                            "turn_over_parse_p50": round(turn["p50_ms"] / parse["p50_ms"], 2),
                            "turn_same_sender": same,
                            "same_sender_over_parse_p50": round(same["p50_ms"] / parse["p50_ms"], 2),
                            "concurrent": load}
    return result


def _stack_env(replicas: int, stock: bool = False) -> dict[str, str]:
    # One benchmark conversation sends far more than a person types: the per-sender rate limit
    # stays on (its cost is measured) but high enough never to refuse.
    return {"KEFU_RATE_MESSAGES_PER_MINUTE": "1000000", "KEFU_RATE_MESSAGES_BURST": "1000000",
            # several replicas share their locks through Redis (make run requires it)
            **({"REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"} if replicas > 1 else {}),
            **({"KEFU_STOCK_RASA": "on"} if stock else {})}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bot-url", help="a running Rasa server (default: start the stack)")
    parser.add_argument("--token", help="its API token (default: var/bot_api_token of the started stack)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--conversations", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--compare-stock", action="store_true",
                        help="also start a stack with KEFU_STOCK_RASA=on and report both, with stock/patched ratios")
    args = parser.parse_args()

    if args.compare_stock:
        if args.bot_url:
            parser.error("--compare-stock starts its own two stacks; it takes no --bot-url")
        return compare_stacks(args)
    stack = None
    if not args.bot_url:
        from tests.stack import make_stack

        stack = make_stack(Path(tempfile.mkdtemp(prefix="kefu-bench-")), replicas=args.replicas,
                           env=_stack_env(args.replicas))
        stack.start()
        bot_url, token = stack.bot_url, stack.token
    else:
        bot_url, token = args.bot_url.rstrip("/"), args.token or ""
    try:
        result = asyncio.run(measure(bot_url, token, args.requests, args.conversations, args.seconds))
    finally:
        if stack:
            stack.stop()
    print(json.dumps(result, indent=2))
    return 0


def compare_stacks(args) -> int:
    """``--compare-stock``: Kefu's stack and a stock-Rasa stack, measured side by side."""
    from tests.stack import make_stack

    stacks = {name: make_stack(Path(tempfile.mkdtemp(prefix=f"kefu-bench-{name}-")), replicas=args.replicas,
                               env=_stack_env(args.replicas, stock=name == "stock"))
              for name in ("patched", "stock")}
    try:
        for stack in stacks.values():
            stack.start()
        servers = {name: (stack.bot_url, stack.token) for name, stack in stacks.items()}
        result = asyncio.run(compare(servers, args.requests, args.conversations, args.seconds))
    finally:
        for stack in stacks.values():
            stack.stop()
    result["stock_over_patched"] = _stock_over_patched(result["patched"], result["stock"])
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
