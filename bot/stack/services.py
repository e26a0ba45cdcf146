"""The processes ``make run`` supervises, and where their output goes.

Each child's output is written to ``var/logs/<name>.log`` (appended, across restarts). The
terminal gets it too, prefixed with the child's name, once the stack is ready (after the start
banner); before that only what looks like an error (``ERROR``, ``CRITICAL``, a traceback) reaches
the terminal, so a start shows one line per step instead of every library's start-up chatter.
A child that exits while starting has its log's last lines shown with the log's path.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

PR_SET_PDEATHSIG = 1
#: a line shown on the terminal even while the stack is starting
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL|FATAL)\b|^Traceback \(most recent call last\)|Error: ")


def _die_with_parent() -> None:  # runs in the child before exec
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class Output:
    """Where the children's lines go: their log files always, the terminal once ``echo`` is set."""

    log_dir: Path
    terminal: TextIO = field(default_factory=lambda: sys.stdout)
    echo: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def line(self, name: str, line: str, log: TextIO) -> None:
        log.write(line)
        log.flush()
        if self.echo.is_set() or ERROR_LINE.search(line):
            with self.lock:
                self.terminal.write(f"[{name}] {line}")
                self.terminal.flush()


@dataclass
class Service:
    """One supervised child process.

    ``model``, for a Rasa server: what its ``--model`` is at each (re)start (the model published
    since the stack started, :func:`bot.stack.training.current_model`), not the start's.
    """

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str]
    process: subprocess.Popen | None = None
    restarts: list[float] = field(default_factory=list)
    model: Callable[[], Path] | None = None

    def command_now(self) -> list[str]:
        """The command to start it with now (``--model`` given by :attr:`model`)."""
        command = list(self.command)
        if self.model is not None and "--model" in command:
            command[command.index("--model") + 1] = str(self.model())
        return command

    def start(self, root: Path, output: Output) -> None:
        output.log_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.command_now(), cwd=root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - it only calls prctl(), async-signal-safe
            text=True, errors="replace",
        )
        threading.Thread(target=self._relay, args=(self.process, output), daemon=True).start()

    def _relay(self, process: subprocess.Popen, output: Output) -> None:
        with output.log_path(self.name).open("a", encoding="utf-8") as log:
            for line in process.stdout:  # type: ignore[union-attr]
                output.line(self.name, line, log)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as reply:
                return reply.status < 500
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
