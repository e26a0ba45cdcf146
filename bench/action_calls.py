"""``python -m bench.action_calls``: CPU an action-server call costs Rasa and the action server,
Rasa's ``EndpointConfig.request`` as it is (a new connection a call) and with
:mod:`bot.patches.keepalive`, alternating three rounds of 300 calls each (a no-op action on
rasa-sdk's own server; CPU from ``time.process_time`` and ``/proc/<pid>/stat``)."""
# ruff: noqa
# mypy: ignore-errors
import asyncio, os, subprocess, sys, tempfile, time
from pathlib import Path
from rasa.utils.endpoints import EndpointConfig
from bot.patches import keepalive, registry

PORT = 5391
N = 300
def server_cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

payload = {"next_action": "action_noop", "sender_id": "x", "version": "3.6.21",
           "tracker": {"sender_id": "x", "slots": {}, "events": [{"event": "user", "text": "运费怎么算" * 3, "parse_data": {"intent": {"name": "faq", "confidence": 0.9}}}] * 20},
           "domain": {"intents": ["faq"] * 50}}

async def calls(endpoint):
    for _ in range(N):
        await endpoint.request(json=payload, method="post")

async def main(pid):
    endpoint = EndpointConfig(f"http://127.0.0.1:{PORT}/webhook")
    await calls(endpoint)  # warm
    results = {"stock": [], "keepalive": []}
    for round_ in range(3):
        for mode in ("stock", "keepalive"):
            if mode == "keepalive": keepalive.install()
            s0, c0 = server_cpu(pid), time.process_time()
            await calls(endpoint)
            results[mode].append(((time.process_time() - c0) / N * 1e3, (server_cpu(pid) - s0) / N * 1e3))
            registry.restore()
    for mode, r in results.items():
        c = sum(x for x, _ in r) / len(r); s = sum(y for _, y in r) / len(r)
        print(f"{mode:10s} Rasa-side ms/call {c:.3f}  action-server ms/call {s:.3f}  rounds {[(round(a,3), round(b,3)) for a,b in r]}")

ACTIONS = """from rasa_sdk import Action
class Noop(Action):
    def name(self): return "action_noop"
    async def run(self, dispatcher, tracker, domain): return []
"""
folder = tempfile.mkdtemp()
Path(folder, "noop_actions.py").write_text(ACTIONS)
proc = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "noop_actions", "--port", str(PORT)],
                        cwd=folder, env={**os.environ, "PYTHONPATH": folder}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    import urllib.request
    for _ in range(100):
        try: urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health"); break
        except Exception: time.sleep(0.2)
    asyncio.run(main(proc.pid))
    # the shared connector's kept connection is left to the process's exit
finally:
    proc.terminate(); proc.wait()
