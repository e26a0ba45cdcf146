"""Problems found in FAQ content, worded for the editors who fix them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``error``) or worth a look (``warning``) in the FAQ content.

    Attributes:
        file: the content file, relative to the project.
        line: the line in that file (1-based; 0 when unknown).
        entry: the entry's id, when the problem is inside an entry.
        field: the field of the entry or file concerned.
        message: what is wrong.
        fix: what to do about it.
        level: ``error`` stops the build; ``warning`` does not.
    """

    file: str
    line: int
    entry: str | None
    field: str | None
    message: str
    fix: str
    level: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.entry:
            parts.append(f'entry "{self.entry}"')
        if self.field:
            parts.append(f"field {self.field}")
        return f"{self.level.upper()} {', '.join(parts)}: {self.message}\n    Fix: {self.fix}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "entry": self.entry,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
            "level": self.level,
        }


class ContentError(Exception):
    """The FAQ content has errors; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.level == "error"]
        super().__init__(f"{len(errors)} error(s) in the FAQ content")
