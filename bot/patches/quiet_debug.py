"""No deep copies for debug lines that are not written.

Rasa's message processor and its rule and memoization policies pass deep copies of events,
slot values and dialogue states to ``structlogger.debug(...)`` on every turn (so that the
anonymising log processor cannot change the originals). Python evaluates those arguments even
when the structured logger drops debug lines, which is always the case outside ``LOG_LEVEL=DEBUG``:
about ten deep copies of events and state lists per turn, for nothing.

:func:`install` gives those three modules a ``copy`` whose ``deepcopy`` returns its argument
unchanged. In them ``copy.deepcopy`` only ever builds debug-log arguments (checked by the unit
test against the installed Rasa), so nothing else changes. It is installed only when debug
logging is off; with ``LOG_LEVEL=DEBUG`` the log lines get their copies as before (and nothing
is replaced).
"""

from __future__ import annotations

import copy as _copy
import logging
import types
from typing import Any

from bot.patches import registry

#: Rasa modules whose ``copy.deepcopy`` calls are all arguments of ``structlogger.debug``.
MODULES = ("rasa.core.processor", "rasa.core.policies.rule_policy", "rasa.core.policies.memoization")


def _same(value: Any, memo: Any = None) -> Any:
    return value


#: Stands in for the ``copy`` module in :data:`MODULES`.
no_debug_copies = types.SimpleNamespace(copy=_copy.copy, deepcopy=_same, Error=_copy.Error)


def install(log_level: int) -> bool:
    """Skips the debug-only deep copies when ``log_level`` is above DEBUG; returns whether it did."""
    import importlib

    modules = [importlib.import_module(name) for name in MODULES]
    if log_level <= logging.DEBUG:
        for module in modules:
            if registry.is_replaced(module, "copy"):
                registry.replace(module, "copy", _copy)
        return False
    for module in modules:
        registry.replace(module, "copy", no_debug_copies)
    return True
