"""Locust users for Kefu's load test: each user holds one shopper conversation at a time.

Driven by ``python -m bench.load`` (which starts the stack and checks the transcripts), or by
hand against a running stack:

    KEFU_LOAD_PORTS=5005,5006 .venv/bin/locust -f bench/load/locustfile.py --headless \
        -u 50 -r 50 -t 60s --host http://127.0.0.1:5005

Every turn alternates between the Rasa replicas listed in ``KEFU_LOAD_PORTS`` (no stickiness:
the conversation's state lives in the shared tracker store); with ``KEFU_LOAD_STICKY=1``
(``--sticky``) each conversation stays on one replica. The mix: greetings, FAQ questions
in Chinese and English, and order lookups with the phone check. A turn is an error when the HTTP
status is not 200, no reply came back, or the reply lacks what it must say (the order status).
Each user writes what it sent and received to ``KEFU_LOAD_OUT`` (JSON lines) at the end.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid

from locust import HttpUser, events, task

PORTS = [int(p) for p in os.environ.get("KEFU_LOAD_PORTS", "5005").split(",")]
OUT = os.environ.get("KEFU_LOAD_OUT")
THINK = float(os.environ.get("KEFU_LOAD_THINK", "0.5"))
#: each conversation on one replica (as a load balancer hashing the sender would), not every turn anew
STICKY = os.environ.get("KEFU_LOAD_STICKY") == "1"

#: (weight, [(message, what the last reply must contain or None)])
SCRIPTS = [
    (3, [("你好", None), ("运费怎么算", "99"), ("谢谢", None)]),
    (3, [("hello", None), ("what is your return policy", None), ("thanks", None)]),
    (2, [("退款多久到账", None), ("能开发票吗", None)]),
    (2, [("do you ship to hong kong", None), ("how much is shipping", "99")]),
    (2, [("我的订单到哪了", None), ("261103004817", None), ("8123", "运输中")]),
    (2, [("where is my order?", None), ("261118000921", None), ("7812", "in transit")]),
]
_CHOICES = [script for weight, script in SCRIPTS for _ in range(weight)]
_turns = itertools.count()
_lock = threading.Lock()
RESULTS: list[dict] = []


class Shopper(HttpUser):
    def wait_time(self) -> float:
        return random.uniform(0, 2 * THINK)

    @task
    def conversation(self) -> None:
        sender = f"load-{uuid.uuid4().hex[:12]}"
        record = {"sender": sender, "turns": []}
        with _lock:
            RESULTS.append(record)
        home = PORTS[next(_turns) % len(PORTS)]
        for message, expected in random.choice(_CHOICES):
            port = home if STICKY else PORTS[next(_turns) % len(PORTS)]
            started = time.perf_counter()
            with self.client.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                                  json={"sender": sender, "message": message}, name="turn",
                                  catch_response=True, timeout=60) as reply:
                elapsed = (time.perf_counter() - started) * 1000
                texts: list[str] = []
                try:
                    texts = [r.get("text", "") for r in reply.json()] if reply.status_code == 200 else []
                except ValueError:
                    pass
                ok = reply.status_code == 200 and bool(texts) and (expected is None or expected in "\n".join(texts))
                if ok:
                    reply.success()
                else:
                    reply.failure(f"status {reply.status_code}, replies {texts!r:.200}")
            record["turns"].append({"message": message, "replies": texts, "ms": round(elapsed, 1), "ok": ok,
                                    "port": port, "end": time.time()})
            if not ok:
                break
            self.wait()


@events.test_stop.add_listener
def _dump(**_kwargs) -> None:
    if OUT:
        with open(OUT, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in RESULTS)


