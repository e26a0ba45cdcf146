"""Fixtures of the Rasa wiring's tests: patches installed for one test only, and Kefu's tracker
store with and without its patch."""

from __future__ import annotations

import pytest


@pytest.fixture
def restored():
    """Yields; afterwards every attribute a patch replaced is Rasa's again and no replay is kept
    (the rest of the suite runs Rasa as it finds it)."""
    from bot.patches import registry, replay

    replay.clear()
    yield
    registry.restore()
    replay.clear()


@pytest.fixture(params=["stock", "patched"])
def store_mode(request, restored) -> str:
    """Kefu's tracker store as ``KEFU_STOCK_RASA=on`` runs it (Rasa's retrieve and save) and as the
    patches make it (:mod:`bot.patches.tracker_cache`): what the test checks holds in both."""
    if request.param == "patched":
        from bot.patches import tracker_cache

        tracker_cache.install()
    return request.param
