"""The FAQ store of a migrated database with the content files imported (``store``)."""

from __future__ import annotations

import pytest

from faq.publishing import sync_from_files
from faq.store import FaqStore
from kefu.settings import ROOT

CONTENT = ROOT / "faq" / "content"


@pytest.fixture
def store(database_url) -> FaqStore:
    sync_from_files(database_url, CONTENT)
    return FaqStore(database_url)
