"""Writing FAQ content back to ``faq/content/*.yml`` (``python -m faq export``).

The files keep the layout editors know (one file per category, a comment line, ``category``,
titles, ``faqs:``). Exporting the published content and loading the files again gives the
same content (tests/unit/faq/test_exporter.py), so content edited on the web can live in git.
A category is a file name: one that is not snake_case, or whose file would land outside the
content directory, stops the export before anything is written (:class:`ExportRefused`).
"""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from faq.compiler import write_if_changed
from faq.model import ENTRY_FIELDS, ID_PATTERN, Catalogue, Category


def render_category(category: Category) -> str:
    data = CommentedMap()
    data["category"] = category.name
    data["title_zh"] = category.title_zh
    data["title_en"] = category.title_en
    entries = CommentedSeq()
    for faq in category.faqs:
        entry = CommentedMap()
        for name in ENTRY_FIELDS:
            value = getattr(faq, name)
            entry[name] = CommentedSeq(value) if isinstance(value, list) else value
        entries.append(entry)
    data["faqs"] = entries
    yaml = YAML()
    yaml.width = 10_000  # type: ignore[assignment]  # ruamel declares it None
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(data, stream)
    header = (f"# {category.title_zh} {category.title_en} — FAQ entries of this category. "
              "Edit freely; then run `python -m faq build`.\n")
    return header + stream.getvalue()


class ExportRefused(ValueError):
    """The content names a file outside the content directory; nothing was written."""


def category_file(directory: Path, name: str) -> Path:
    """The file of category ``name`` in ``directory``.

    Raises:
        ExportRefused: when the name is not snake_case or its file would not be directly in
            ``directory`` (``../../endpoints`` would be the project's ``endpoints.yml``), compared
            after resolving ``..`` and symbolic links.
    """
    folder = directory.resolve()
    path = (folder / f"{name}.yml").resolve() if isinstance(name, str) and "\0" not in name else None
    if not isinstance(name, str) or not ID_PATTERN.match(name) or path is None or path.parent != folder:
        raise ExportRefused(
            f"FAQ category {name!r} is not a plain snake_case name: its file would not be in {directory} "
            f"(it would be {path or 'an invalid path'}). Nothing was exported. Rename the category in the FAQ "
            "editor (or fix the published content) and publish again, then re-run 'python -m faq export'.")
    return path


def export_catalogue(catalogue: Catalogue, directory: Path, *, prune: bool = True) -> list[Path]:
    """Writes one file per category; with ``prune`` removes files of categories that are gone.
    Returns the files written or removed.

    Raises:
        ExportRefused: before anything is written, when a category's file would be outside
            ``directory`` (see :func:`category_file`).
    """
    files = [(category_file(directory, category.name), category) for category in catalogue.categories
             if category.faqs]
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    names = set()
    for path, category in files:
        names.add(path.name)
        if write_if_changed(path, render_category(category)):
            changed.append(path)
    if prune:
        for path in directory.glob("*.yml"):
            if path.name not in names:
                path.unlink()
                changed.append(path)
    return changed
