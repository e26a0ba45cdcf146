"""Loading and validating the FAQ content files.

Every problem names the file, the line, the entry and the field, and says how to fix it, so
that an editor who has never seen Python can act on it. :func:`parse_entry` and
:func:`check_catalogue` are shared by the file loader and the web editor's API.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from faq.model import (
    CATEGORY_FIELDS,
    ENTRY_FIELDS,
    ID_PATTERN,
    LIST_FIELDS,
    TEXT_FIELDS,
    Catalogue,
    Category,
    Faq,
)
from faq.problems import ContentError, Problem

#: Fewer training examples than this per language draws a warning.
MIN_EXAMPLES = 3
#: Longest answer an editor may write (characters).
MAX_ANSWER = 2000
#: Longest question or example (characters).
MAX_QUESTION = 200

_FIELD_FIXES = {
    "question_zh": "write the canonical question in Chinese, e.g. 运费怎么算？",
    "question_en": "write the canonical question in English, e.g. How is the shipping fee calculated?",
    "answer_zh": "write the Chinese answer customers should see.",
    "answer_en": "write the English answer customers should see.",
}
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def example_key(text: str) -> str:
    """The form in which two questions count as the same (normalised, no punctuation)."""
    from kefu.text import normalize

    return _PUNCTUATION.sub("", normalize(text))


def parse_entry(
    raw: Any,
    *,
    category: str,
    file: str,
    line_of: Callable[[str | None], int] = lambda field: 0,
) -> tuple[Faq | None, list[Problem]]:
    """Checks one entry's fields and builds the :class:`Faq`.

    Args:
        raw: the entry as read from YAML or JSON.
        category: the category the entry belongs to.
        file: where the entry comes from (a content file, or ``api``).
        line_of: the line of a field (or of the entry for ``None``), for messages.

    Returns:
        The entry, or ``None`` when it is unusable, and the problems found.
    """
    problems: list[Problem] = []
    if not isinstance(raw, Mapping):
        return None, [
            Problem(file, line_of(None), None, None, "an entry must be a set of fields (id:, question_zh:, ...).",
                    "start the entry with '- id: <snake_case_id>' and indent its fields under it.")
        ]
    entry_id = raw.get("id")
    label = entry_id if isinstance(entry_id, str) else None

    def problem(field: str | None, message: str, fix: str, level: str = "error") -> None:
        problems.append(Problem(file, line_of(field), label, field, message, fix, level))

    for name in raw:
        if name not in ENTRY_FIELDS and name != "category":
            missing = [f for f in ENTRY_FIELDS if f not in raw]  # a misspelling usually replaces one of these
            guess = difflib.get_close_matches(str(name), missing, n=1) or difflib.get_close_matches(str(name), ENTRY_FIELDS, n=1)
            hint = f"did you mean '{guess[0]}'? " if guess else ""
            problem(str(name), f"unknown field '{name}'.", f"{hint}Allowed fields: {', '.join(ENTRY_FIELDS)}.")
    if not isinstance(category, str) or not ID_PATTERN.match(category):
        problem("category", f"category '{str(category)[:80]}' is not snake_case.",
                "use 2-63 lower-case letters, digits and underscores, starting with a letter, e.g. after_sales "
                "(a category is also the name of its file, faq/content/<category>.yml).")
    elif raw.get("category") not in (None, category):
        problem("category", f"the entry says category '{raw.get('category')}' but sits in category '{category}'.",
                f"move the entry to the file of category '{raw.get('category')}', or remove its category line.")

    if not isinstance(entry_id, str) or not entry_id.strip():
        problem("id", "the entry has no id.", "add 'id: <snake_case_id>' (lower-case letters, digits, underscores).")
    elif not ID_PATTERN.match(entry_id):
        problem("id", f"id '{entry_id}' is not snake_case.",
                "use 2-63 lower-case letters, digits and underscores, starting with a letter, e.g. return_policy.")

    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problem(name, "is empty." if name in raw else "is missing.", _FIELD_FIXES[name])
            value = ""
        elif not isinstance(value, str):
            problem(name, "must be text.", f"{_FIELD_FIXES[name]} Put it on one line after '{name}:'.")
            value = str(value)
        value = value.strip()
        limit = MAX_ANSWER if name.startswith("answer") else MAX_QUESTION
        if len(value) > limit:
            problem(name, f"is {len(value)} characters long; the limit is {limit}.", "shorten it.")
        if name.startswith("question") and "\n" in value:
            problem(name, "spans several lines.", "write the question on one line.")
        values[name] = value

    for name in LIST_FIELDS:
        value = raw.get(name) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            problem(name, "must be a list of questions.", f"write each question on its own line starting with '- ' under '{name}:'.")
            value = []
        cleaned = []
        for position, item in enumerate(value, start=1):
            if not isinstance(item, (str, int, float)) or not str(item).strip():
                problem(name, f"item {position} is empty.", "remove the empty '- ' line or write a question on it.")
                continue
            text = str(item).strip()
            if "\n" in text or len(text) > MAX_QUESTION:
                problem(name, f"item {position} ('{text[:30]}...') is too long or spans lines.",
                        f"keep each example on one line, under {MAX_QUESTION} characters.")
                continue
            cleaned.append(text)
        language = "Chinese" if name.endswith("zh") else "English"
        if len(cleaned) < MIN_EXAMPLES:
            problem(name, f"has {len(cleaned)} example(s); the bot recognises a question better with more.",
                    f"add at least {MIN_EXAMPLES} ways shoppers ask this in {language}.", level="warning")
        values[name] = cleaned

    if any(p.level == "error" for p in problems) and not label:
        return None, problems
    faq = Faq(id=label or "", category=category, file=file, line=line_of(None), **values)
    return faq, problems


def where(faq: Faq) -> str:
    """Where an entry is, for a message: ``file:line`` in the content files, else (an entry of the
    editor's working copy, which has no line) its question, which the editor shows."""
    if faq.line:
        return f"{faq.file}:{faq.line}"
    question = faq.question_zh or faq.question_en
    return f"its question '{question}'" if question else "in the editor's working copy"


def check_catalogue(catalogue: Catalogue) -> list[Problem]:
    """Problems across entries: duplicate ids, and a question taught to two entries."""
    problems: list[Problem] = []
    seen_ids: dict[str, Faq] = {}
    owners: dict[str, Faq] = {}
    for faq in catalogue.faqs:
        if faq.id in seen_ids:
            other = seen_ids[faq.id]
            problems.append(Problem(faq.file, faq.line, faq.id, "id",
                                    f"id '{faq.id}' is used twice (also {where(other)}).",
                                    "give one of the two entries another id, or merge them."))
            continue
        seen_ids[faq.id] = faq
        for text in faq.training_examples():
            key = example_key(text)
            if not key:
                continue
            owner = owners.setdefault(key, faq)
            if owner is not faq:
                problems.append(Problem(faq.file, faq.line, faq.id, "examples",
                                        f"'{text}' is also a question of entry '{owner.id}' ({where(owner)}).",
                                        "a question can teach only one entry: keep it under the entry that answers it."))
    return problems


def _line_finder(node: Any) -> Callable[[str | None], int]:
    def line_of(field: str | None) -> int:
        try:
            if field is not None and field in node:
                key_line: int = node.lc.key(field)[0]
                return key_line + 1
            line: int = node.lc.line
            return line + 1
        except (AttributeError, KeyError, TypeError):
            return 0

    return line_of


def load_category(path: Path, root: Path | None = None) -> tuple[Category | None, list[Problem]]:
    """Loads one content file, checking its structure and each entry."""
    file = str(path.relative_to(root)) if root else str(path)
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        return None, [Problem(file, line, None, None, f"the file is not valid YAML ({error.problem}).",
                              "check the indentation (spaces, not tabs) and that every text with ': ' or '#' is in quotes.")]
    except UnicodeDecodeError:
        return None, [Problem(file, 0, None, None, "the file is not UTF-8 text.", "save it as UTF-8.")]

    name = path.stem
    if not isinstance(data, Mapping) or "faqs" not in data:
        return None, [Problem(file, 1, None, None, "the file has no 'faqs:' list.",
                              f"start the file with 'category: {name}' and a 'faqs:' list of entries.")]
    problems: list[Problem] = []
    line_of = _line_finder(data)
    for key in data:
        if key not in CATEGORY_FIELDS:
            problems.append(Problem(file, line_of(key), None, str(key), f"unknown top-level field '{key}'.",
                                    f"allowed: {', '.join(CATEGORY_FIELDS)}; entry fields belong under '- id:'."))
    if data.get("category", name) != name:
        problems.append(Problem(file, line_of("category"), None, "category",
                                f"the file is {path.name} but says category '{data.get('category')}'.",
                                f"write 'category: {name}' or rename the file to {data.get('category')}.yml."))
    if not ID_PATTERN.match(name):
        problems.append(Problem(file, 0, None, None, f"'{path.name}' is not a valid category file name.",
                                "name category files in snake_case, e.g. after_sales.yml."))
    category = Category(
        name=name,
        title_zh=str(data.get("title_zh") or name),
        title_en=str(data.get("title_en") or name),
        file=file,
    )
    entries = data.get("faqs") or []
    if not isinstance(entries, list):
        problems.append(Problem(file, line_of("faqs"), None, "faqs", "'faqs' must be a list of entries.",
                                "write each entry as '- id: ...' under 'faqs:'."))
        entries = []
    for raw in entries:
        faq, entry_problems = parse_entry(raw, category=name, file=file, line_of=_line_finder(raw))
        problems.extend(entry_problems)
        if faq:
            category.faqs.append(faq)
    return category, problems


def load_catalogue(content_dir: Path, root: Path | None = None) -> tuple[Catalogue, list[Problem]]:
    """Loads every ``*.yml`` file of a content directory and checks the whole.

    Returns:
        The catalogue (possibly partial) and every problem found, errors and warnings.
    """
    catalogue = Catalogue()
    problems: list[Problem] = []
    files = sorted(content_dir.glob("*.yml"))
    if not files:
        problems.append(Problem(str(content_dir), 0, None, None, "there are no FAQ files.",
                                "add at least one <category>.yml file with a 'faqs:' list."))
    for path in files:
        category, file_problems = load_category(path, root)
        problems.extend(file_problems)
        if category:
            catalogue.categories.append(category)
    problems.extend(check_catalogue(catalogue))
    return catalogue, problems


def load_valid_catalogue(content_dir: Path, root: Path | None = None) -> tuple[Catalogue, list[Problem]]:
    """Like :func:`load_catalogue` but raises :class:`ContentError` when there are errors."""
    catalogue, problems = load_catalogue(content_dir, root)
    if any(p.level == "error" for p in problems):
        raise ContentError(problems)
    return catalogue, problems


def load_shop_profile(path: Path) -> dict[str, str]:
    """Reads the shop's name and hotline (``faq/shop.yml``)."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    missing = [key for key in ("name_zh", "name_en") if not data.get(key)]
    if missing:
        raise ContentError([Problem(str(path), 0, None, key, "is missing.", f"add '{key}: <the shop's name>'.")
                            for key in missing])
    return {key: str(value) for key, value in data.items()}
