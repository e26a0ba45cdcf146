"""bot.patches.quiet_debug: Rasa's debug-only deep copies are skipped only where they feed debug lines."""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import logging

import pytest

from bot.patches import quiet_debug


def _copy_uses_outside_debug_calls(module_name: str) -> list[str]:
    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    inside_debug: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "debug"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "structlogger"):
            inside_debug.update(id(child) for child in ast.walk(node))
    return [f"{module_name}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "copy"
            and id(node) not in inside_debug]


@pytest.mark.parametrize("module_name", quiet_debug.MODULES)
def test_the_patched_modules_deep_copy_only_for_debug_lines(module_name):
    # the premise of the patch, checked against the installed Rasa (a new version may differ)
    assert _copy_uses_outside_debug_calls(module_name) == []


def test_above_debug_the_copies_are_skipped_and_at_debug_they_are_made(restored):
    from rasa.core import processor

    events = [{"event": "user", "text": "你好"}]
    assert quiet_debug.install(logging.INFO) is True
    assert processor.copy.deepcopy(events) is events
    assert processor.copy.copy is copy.copy
    assert quiet_debug.install(logging.DEBUG) is False
    copied = processor.copy.deepcopy(events)
    assert copied == events and copied is not events and copied[0] is not events[0]
