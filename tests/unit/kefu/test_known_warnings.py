"""Warnings are ignored by their exact messages only: the known third-party ones stay out of the
processes' output and the test summary, and any other warning — a new deprecation — shows."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import tomli

from kefu import known_warnings
from kefu.known_warnings import KNOWN
from kefu.settings import ROOT

NEW = "this function is deprecated and will be removed in the next release"


def _warn(message: str, category: type[Warning], module: str | None) -> None:
    warnings.warn_explicit(message, category, "somewhere.py", 1, module=module or "somewhere")


def test_pyproject_filters_exactly_the_known_warnings_and_no_category_alone():
    filters = tomli.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["filterwarnings"]
    assert filters == known_warnings.pytest_filters()
    assert all(entry.split(":")[1] for entry in filters)  # every one names a message


def test_in_a_process_the_known_warnings_are_ignored_and_a_new_one_shows():
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")  # what Sanic's import does for deprecations, for every category
        known_warnings.install()
        for known in KNOWN:
            _warn(known.message, known.category, known.module)
        _warn(KNOWN[6].message, DeprecationWarning, "/venv/site-packages/jieba/__init__")  # the compiler's
        _warn(NEW, DeprecationWarning, "rasa.core.processor")
        _warn(KNOWN[3].message, DeprecationWarning, "rasa.core.processor")  # a known text from elsewhere
        _warn(f"{KNOWN[3].message} (and more)", DeprecationWarning, KNOWN[3].module)  # not the same text
    assert [(str(w.message), w.category) for w in shown] == [
        (NEW, DeprecationWarning), (KNOWN[3].message, DeprecationWarning),
        (f"{KNOWN[3].message} (and more)", DeprecationWarning)]


def test_the_pythonwarnings_of_rasa_subprocesses_parse_and_filter_by_message():
    script = ("import warnings\n"
              "from kefu.known_warnings import KNOWN\n"
              "for known in KNOWN:\n"
              "    warnings.warn_explicit(known.message, known.category, 'x.py', 1, module=known.module or 'x')\n"
              f"warnings.warn_explicit({NEW!r}, DeprecationWarning, 'x.py', 1, module='rasa.core.processor')\n")
    # deprecations shown (as Sanic and Rasa's CLI make them), with the known ones ignored on top
    env = {**os.environ, "PYTHONWARNINGS": f"default::DeprecationWarning,{known_warnings.pythonwarnings()}"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Invalid -W option" not in done.stderr
    assert [line for line in done.stderr.splitlines() if "Warning" in line] == [
        f"x.py:1: DeprecationWarning: {NEW}"]


def test_the_rasa_subprocesses_get_them(monkeypatch):
    from bot.stack.training import rasa_environment

    monkeypatch.delenv("PYTHONWARNINGS", raising=False)
    assert rasa_environment()["PYTHONWARNINGS"] == known_warnings.pythonwarnings()
    assert "ignore" not in rasa_environment()["PYTHONWARNINGS"].split(",")  # nothing ignored wholesale
