"""Checks of the hand-written training data (``data/**/*.yml``) that Rasa itself does not make.

A YAML comment inside an ``examples: |`` block is no comment: the block is one literal string,
so Rasa reads ``# questions about ...`` as a training example (and, on a line that does not start
with ``- ``, skips it with a UserWarning at every training and load). The check refuses such
lines before ``rasa train`` runs, naming the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path

_BLOCK_START = re.compile(r"^(\s*)(?:-\s+)?examples:\s*[|>][-+0-9]*\s*(?:#.*)?$")


class TrainingDataError(RuntimeError):
    """The training data has lines Rasa would misread; the message lists them (file:line)."""


def comment_lines(path: Path, shown: str | None = None) -> list[str]:
    """``file:line: ...`` for each comment-like line (``# ...``) inside an ``examples`` block of ``path``."""
    problems = []
    block_indent: int | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if block_indent is not None:
            stripped = line.strip()
            indent = len(line) - len(line.lstrip(" "))
            if not stripped:
                continue
            if indent > block_indent:
                if stripped.startswith("#"):
                    problems.append(
                        f"{shown or path}:{number}: a comment inside an 'examples: |' block is read as a training "
                        f"example ({stripped[:60]!r}); YAML comments do not work there: move it above the "
                        "'- intent:' line of the item (or start a new item under it)")
                continue
            block_indent = None
        match = _BLOCK_START.match(line)
        if match:
            # the key's own indentation; "- examples:" counts the dash's column
            block_indent = len(match.group(1))
    return problems


def check_training_data(root: Path, data_dirs: tuple[str, ...] = ("data",)) -> None:
    """Raises :class:`TrainingDataError` listing every comment line inside an examples block."""
    problems: list[str] = []
    for folder in data_dirs:
        for path in sorted((root / folder).glob("**/*.yml")):
            shown = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            problems.extend(comment_lines(path, shown))
    if problems:
        raise TrainingDataError("The training data has comment lines inside examples blocks; nothing was trained:\n"
                                + "\n".join(f"  {problem}" for problem in problems))
