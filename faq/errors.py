"""What can go wrong with FAQ content, and what each error means over HTTP.

The working copy and the publications raise these; the API's routes let them through, and the
web app answers them from :data:`ERRORS` (``web.errors.install``): the status, and as body
``{"error": str(error), **error.details}``.
"""

from __future__ import annotations

from typing import Any

from faq.problems import Problem


class FaqNotFound(LookupError):
    """No such entry, version of an entry or publish job; the message names it ("FAQ 'x' not found")."""

    @property
    def details(self) -> dict[str, Any]:
        return {}


class FaqConflict(Exception):
    """A save based on an older version, or an id that exists already.

    Attributes:
        current: the entry as it is now (the API's entry object), for the editor to reload.
    """

    def __init__(self, message: str, *, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current

    @property
    def details(self) -> dict[str, Any]:
        return {"current": self.current}


class FaqInvalid(ValueError):
    """The entry has errors; ``problems`` says which field and how to fix it.

    The message is the first error's field, what is wrong and the fix
    (``answer_en: is missing. Fix: write the answer in English.``).
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.first = next((p for p in problems if p.level == "error"), None)
        first = self.first
        super().__init__(f"{first.field or 'entry'}: {first.message} Fix: {first.fix}" if first else "invalid entry")

    @property
    def details(self) -> dict[str, Any]:
        """The first error's ``field`` (when it names one) and every problem, errors and warnings."""
        field = {"field": self.first.field} if self.first and self.first.field else {}
        return {**field, "problems": [p.as_dict() for p in self.problems]}


#: The HTTP status of each error (``web.errors.install`` answers them).
ERRORS: dict[type[Exception], int] = {FaqNotFound: 404, FaqConflict: 409, FaqInvalid: 422}
