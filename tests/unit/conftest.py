"""Fixtures the unit tests of several packages share."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def tokens(web):
    """Bearer tokens of the agent, editor and admin of the module's web app (``web``, tests/webapp.py)."""
    return {name: web.login(name) for name in ("agent", "editor", "admin")}
