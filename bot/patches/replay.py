"""What the dialogue-state patches share: remembered lines of events, continued while a tracker's
events only grow.

A conversation's tracker gains events at its end while a turn runs, and Kefu's tracker store hands
the same event objects to the next turn (:mod:`bot.patches.tracker_cache`). The patches that
replay a tracker's history (:mod:`~bot.patches.dialogue_states`, :mod:`~bot.patches.tracker_copy`)
remember, per key, how far they got with a line of events and continue from there when the
tracker's events extend that line (the same objects, compared by identity); anything else is
computed afresh, exactly as Rasa does.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

#: Remembered keys (a conversation and a kind of request) per cache; least recently used dropped.
CACHE_SIZE = 4000
#: Lines of events kept per key (a policy's temporary trackers may branch off the main one).
RECORDS_PER_KEY = 3

#: One lock for every cache: re-entered, a replayed revert event asks for the applied events.
lock = threading.RLock()

_caches: list[OrderedDict] = []


def new_cache() -> OrderedDict:
    """A cache for :func:`continued`, emptied by :func:`clear` with the others."""
    cache: OrderedDict = OrderedDict()
    _caches.append(cache)
    return cache


def clear() -> None:
    """Forgets every remembered line (tests; a new model changes nothing that is remembered)."""
    with lock:
        for cache in _caches:
            cache.clear()


def freeze(value: Any) -> Any:
    """A hashable stand-in for states, lists and dicts of them."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(freeze(v) for v in value)
    return value


def is_prefix(prefix: list[Any], events: list[Any]) -> bool:
    """Whether ``events`` starts with the very objects of ``prefix``."""
    return len(prefix) <= len(events) and all(map(operator.is_, prefix, events))


def continued(cache: OrderedDict, key: Any, events: list[Any], new: Callable[[], Any],
              fits: Callable[[Any], bool] = lambda record: True) -> Any:
    """The record under ``key`` with the longest ``events`` prefix of ``events`` that ``fits``,
    else a new one from ``new()``; it becomes the key's first record, and the cache keeps its
    ``CACHE_SIZE`` most recently used keys (call with :data:`lock` held)."""
    records = cache.get(key, [])
    record = max((r for r in records if is_prefix(r.events, events) and fits(r)),
                 key=lambda r: len(r.events), default=None)
    if record is None:
        record = new()
        records = [record, *records][:RECORDS_PER_KEY]
    else:
        records = [record, *(r for r in records if r is not record)]
    cache[key] = records
    cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return record
