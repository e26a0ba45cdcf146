"""A quiet start (issue 22.8): ``make run`` shows one line per step on the terminal; what training
and the processes print (library warnings, progress bars, Rasa's INFO lines) goes to
``var/logs/``; errors still reach the terminal, with where the whole log is."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import time

from bot.stack.services import Output, Service
from bot.stack.training import ensure_model
from tests.stack import ROOT


def test_the_preparation_prints_one_line_per_step(tmp_path, trained_model):
    """``python -m bot prepare`` (what ``make run`` does before it starts the processes) on a fresh
    database: FAQ build, migrate + demo accounts + seed + FAQ import, model: three lines."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("BOT_", "DEMO_", "DATABASE_URL", "KEFU_"))}
    env["KEFU_VAR_DIR"] = str(tmp_path / "var")
    done = subprocess.run([sys.executable, "-m", "bot", "prepare"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    terminal = (done.stdout + done.stderr).splitlines()
    assert len(terminal) == 3, terminal
    assert all(line.startswith("==> ") for line in terminal), terminal
    assert " entries in " in terminal[0] and "data/nlu/faq.yml" in terminal[0], terminal[0]
    database = terminal[1]
    assert database.startswith("==> database: migrated; created demo account 'agent' (agent)")
    assert "demo shop seeded for" in database and "FAQ imported faq/content" in database
    assert terminal[2] == f"==> model: up to date ({trained_model.relative_to(ROOT)})"


def test_training_output_goes_to_its_log_and_a_failure_shows_its_end_and_where_it_is(tmp_path, capsys):
    """A real ``rasa train`` that fails (its domain is broken): two lines on the terminal before the
    error, Rasa's own output in the log file, the error naming the log."""
    root = tmp_path / "shop"
    (root / "data").mkdir(parents=True)
    (root / "config.yml").write_text((ROOT / "config.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "domain.yml").write_text("version: '3.1'\nintents: [greet\nresponses: {", encoding="utf-8")
    (root / "data" / "nlu.yml").write_text('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n',
                                           encoding="utf-8")
    log = root / "var" / "logs" / "train.log"
    started = time.monotonic()
    try:
        ensure_model(root, log_path=log)
    except RuntimeError as error:
        message = str(error)
    else:
        raise AssertionError("rasa train succeeded on a broken domain")
    printed = capsys.readouterr()
    assert printed.out.splitlines() == [
        "==> model: training data or config changed, training (a few minutes; its output: var/logs/train.log) ..."]
    assert printed.err == ""
    assert "rasa train failed with exit code" in message and message.endswith("The whole output: var/logs/train.log")
    whole = log.read_text(encoding="utf-8")
    assert "domain" in whole.lower()  # Rasa's complaint is in the log, not on the terminal
    assert len(message.splitlines()) <= 17
    assert time.monotonic() - started < 240


def child(script: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(script)]


def test_a_process_output_goes_to_its_log_and_to_the_terminal_only_when_ready_or_an_error(tmp_path):
    terminal = io.StringIO()
    output = Output(tmp_path / "logs", terminal=terminal)
    go = tmp_path / "banner-printed"
    service = Service("rasa", child(f"""\
        import os, time
        print("2026-12-07 00:29:03 INFO     rasa.validator  - Validating intents...", flush=True)
        print("/venv/lib/python3.10/site-packages/jieba/__init__.py:44: DeprecationWarning: invalid escape", flush=True)
        print("2026-12-07 00:29:04 ERROR    rasa.core.agent  - Could not load model", flush=True)
        while not os.path.exists({str(go)!r}):
            time.sleep(0.05)
        print("POST /webhooks/rest/webhook 200", flush=True)
    """), "http://127.0.0.1:9/", env={"PATH": "/usr/bin:/bin"})
    service.start(tmp_path, output)

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and text not in terminal.getvalue():
            time.sleep(0.05)

    wait_for("Could not load model")
    time.sleep(0.3)
    assert terminal.getvalue() == "[rasa] 2026-12-07 00:29:04 ERROR    rasa.core.agent  - Could not load model\n"
    output.echo.set()  # what the launcher does after the banner
    go.touch()
    wait_for("webhook 200")
    assert terminal.getvalue().endswith("[rasa] POST /webhooks/rest/webhook 200\n")
    assert service.process is not None
    service.process.wait(timeout=10)
    time.sleep(0.2)
    text = output.log_path("rasa").read_text(encoding="utf-8")
    assert "Validating intents" in text and "DeprecationWarning" in text and "Could not load model" in text
    assert text.endswith("POST /webhooks/rest/webhook 200\n")
