"""The FAQ content of the app database as one handle: the working copy and the publications.

:class:`FaqStore` is what the API, the publisher and ``python -m faq`` hold; each half lives in
a module of its own (:mod:`faq.working_copy`, :mod:`faq.publications`), over the tables of
:mod:`faq.tables`, converted by :mod:`faq.codec`, with the errors of :mod:`faq.errors`.
"""

from __future__ import annotations

from faq.publications import Publications
from faq.working_copy import WorkingCopy


class FaqStore(WorkingCopy, Publications):
    """FAQ working copy, history and publications in the database at ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
