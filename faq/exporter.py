"""Writing FAQ content back to ``faq/content/*.yml`` (``python -m faq export``).

The files keep the layout editors know (one file per category, a comment line, ``category``,
titles, ``faqs:``). Exporting the published content and loading the files again gives the
same content (tests/unit/faq/test_exporter.py), so content edited on the web can live in git.
"""

from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from faq.compiler import write_if_changed
from faq.model import ENTRY_FIELDS, Catalogue


def render_category(category) -> str:
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
    yaml.width = 10_000
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(data, stream)
    header = (f"# {category.title_zh} {category.title_en} — FAQ entries of this category. "
              "Edit freely; then run `python -m faq build`.\n")
    return header + stream.getvalue()


def export_catalogue(catalogue: Catalogue, directory: Path, *, prune: bool = True) -> list[Path]:
    """Writes one file per category; with ``prune`` removes files of categories that are gone.
    Returns the files written or removed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    names = set()
    for category in catalogue.categories:
        if not category.faqs:
            continue
        path = directory / f"{category.name}.yml"
        names.add(path.name)
        if write_if_changed(path, render_category(category)):
            changed.append(path)
    if prune:
        for path in directory.glob("*.yml"):
            if path.name not in names:
                path.unlink()
                changed.append(path)
    return changed
