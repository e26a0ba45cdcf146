"""FAQ content between its forms: table rows, the API's entry objects, published JSON, catalogues.

* :func:`entry_dict`: a working-copy row as the API shows it (content fields plus ``version``,
  ``updated_by``, ``updated_at``); :func:`row_content` the content fields alone.
* :func:`catalogue_content` / :func:`content_catalogue`: a :class:`~faq.model.Catalogue` as the
  JSON a publication freezes, and back; :func:`content_hash` names such content.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from faq.model import ENTRY_FIELDS, Catalogue, Category, Faq
from faq.tables import FaqEntryRow
from kefu.clock import as_utc

#: The "file" that problems and entries coming through the API (not a content file) are named by.
API_FILE = "api"
#: Fields of the API's entry objects that are not content (ignored when they come back in a body).
META_FIELDS = frozenset({"version", "updated_by", "updated_at", "warnings"})


def row_content(row: FaqEntryRow) -> dict[str, Any]:
    """The content fields of a working-copy row."""
    return {
        "id": row.id,
        "category": row.category,
        "question_zh": row.question_zh,
        "question_en": row.question_en,
        "examples_zh": list(row.examples_zh or []),
        "examples_en": list(row.examples_en or []),
        "answer_zh": row.answer_zh,
        "answer_en": row.answer_en,
    }


def entry_dict(row: FaqEntryRow) -> dict[str, Any]:
    """The API's entry object: the content fields plus version, author and time of the last change."""
    return {**row_content(row), "version": row.version, "updated_by": row.updated_by,
            "updated_at": as_utc(row.updated_at).isoformat()}


def content_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The content fields present in ``data`` (an entry object or a request body)."""
    return {name: data[name] for name in (*ENTRY_FIELDS, "category") if name in data}


def faq_of(data: dict[str, Any]) -> Faq:
    """The :class:`~faq.model.Faq` of an entry's content fields."""
    return Faq(**{k: data[k] for k in (*ENTRY_FIELDS, "category")}, file=API_FILE)


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of published content (key order does not matter)."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def catalogue_content(catalogue: Catalogue) -> dict[str, Any]:
    """The JSON form of a catalogue stored with a publication."""
    return {
        "categories": [{"name": c.name, "title_zh": c.title_zh, "title_en": c.title_en}
                       for c in catalogue.categories],
        "faqs": [faq.as_dict() for faq in catalogue.faqs],
    }


def content_catalogue(content: dict[str, Any]) -> Catalogue:
    """The catalogue of a publication's content."""
    categories = {c["name"]: Category(c["name"], c["title_zh"], c["title_en"], file=API_FILE)
                  for c in content.get("categories", [])}
    for data in content.get("faqs", []):
        category = categories.setdefault(data["category"], Category(data["category"], data["category"],
                                                                    data["category"], file=API_FILE))
        category.faqs.append(faq_of(data))
    return Catalogue(categories=list(categories.values()))
