"""The editors' working copy of the FAQ content: entries and categories, every version of each.

Each entry carries a ``version`` that grows with every change; a save that names an older
version is refused with who changed it and when (no lost update), and every version is kept in
``faq_versions`` so that any earlier one can be restored. Entries are checked as the content
files are (:mod:`faq.loader`) and against the rest of the working copy (ids, questions another
entry teaches, questions close to another entry's). ``faq/content/*.yml`` stays the exportable
source of truth: :meth:`WorkingCopy.import_catalogue` reads files into the working copy,
:func:`faq.exporter.export_catalogue` writes them back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from faq.codec import API_FILE, META_FIELDS, content_fields, entry_dict, faq_of, row_content
from faq.errors import FaqConflict, FaqInvalid, FaqNotFound
from faq.loader import check_catalogue, example_key, parse_entry
from faq.model import Catalogue, Category, Faq
from faq.problems import Problem
from faq.tables import FaqCategoryRow, FaqEntryRow, FaqVersionRow
from kefu.clock import as_utc, utcnow
from kefu.db import session_scope

#: Similarity (0-1, char n-gram TF-IDF cosine) from which a question counts as close to another's.
CLOSE_QUESTION = 0.8


def _not_found(faq_id: str) -> FaqNotFound:
    return FaqNotFound(f"FAQ '{faq_id}' not found")


def _when(value: dt.datetime | None) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else "?"


class WorkingCopy:
    """The FAQ working copy and its history in the database at ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    # -- reading -------------------------------------------------------------------------
    def entries(self, *, category: str | None = None) -> list[dict[str, Any]]:
        with session_scope(self.url) as session:
            query = select(FaqEntryRow).where(FaqEntryRow.deleted.is_(False))
            if category:
                query = query.where(FaqEntryRow.category == category)
            rows = session.execute(query.order_by(FaqEntryRow.category, FaqEntryRow.position, FaqEntryRow.id))
            return [entry_dict(row) for row in rows.scalars()]

    def get(self, faq_id: str) -> dict[str, Any]:
        with session_scope(self.url) as session:
            row = session.get(FaqEntryRow, faq_id)
            if row is None or row.deleted:
                raise _not_found(faq_id)
            return entry_dict(row)

    def categories(self) -> list[dict[str, Any]]:
        with session_scope(self.url) as session:
            counts: dict[str, int] = {category: count for category, count in session.execute(
                select(FaqEntryRow.category, sa.func.count()).where(FaqEntryRow.deleted.is_(False))
                .group_by(FaqEntryRow.category)).all()}
            rows = session.execute(select(FaqCategoryRow).order_by(FaqCategoryRow.position, FaqCategoryRow.name))
            result = [{"name": r.name, "title_zh": r.title_zh, "title_en": r.title_en, "count": counts.get(r.name, 0)}
                      for r in rows.scalars()]
        known = {c["name"] for c in result}
        result += [{"name": n, "title_zh": n, "title_en": n, "count": c} for n, c in sorted(counts.items())
                   if n not in known]
        return result

    def is_empty(self) -> bool:
        with session_scope(self.url) as session:
            entries: int = session.execute(select(sa.func.count()).select_from(FaqEntryRow)).scalar_one()
            return entries == 0

    def draft_catalogue(self) -> Catalogue:
        """The working copy as a catalogue, categories in their order."""
        categories = {c["name"]: Category(c["name"], c["title_zh"], c["title_en"], file=API_FILE)
                      for c in self.categories()}
        for data in self.entries():
            categories[data["category"]].faqs.append(faq_of(data))
        return Catalogue(categories=[c for c in categories.values() if c.faqs])

    def history(self, faq_id: str) -> list[dict[str, Any]]:
        with session_scope(self.url) as session:
            rows = session.execute(select(FaqVersionRow).where(FaqVersionRow.faq_id == faq_id)
                                   .order_by(FaqVersionRow.version.desc())).scalars().all()
            if not rows:
                raise _not_found(faq_id)
            return [{"version": r.version, "action": r.action, "author": r.author,
                     "at": as_utc(r.created_at).isoformat(), "data": r.data} for r in rows]

    # -- checking ------------------------------------------------------------------------
    def check(self, data: dict[str, Any], *, faq_id: str | None = None) -> tuple[Faq | None, list[Problem]]:
        """Problems of an entry against the rest of the working copy (errors and warnings).

        Besides the field checks of the content files: an id used by another entry, a question
        another entry already teaches (error), and one very close to another entry's questions
        (warning naming that entry, since the bot could confuse the two).
        """
        from faq.similarity import QuestionIndex

        raw = {k: v for k, v in data.items() if k not in META_FIELDS}
        if faq_id is not None:
            raw.setdefault("id", faq_id)
        category = raw.get("category")
        if not isinstance(category, str) or not category.strip():
            return None, [Problem(API_FILE, 0, raw.get("id") if isinstance(raw.get("id"), str) else None, "category",
                                  "is missing.", "choose the category the entry belongs to, e.g. shipping.")]
        faq, problems = parse_entry(raw, category=category.strip(), file=API_FILE)
        if faq is None:
            return None, problems
        everyone = self.draft_catalogue().faqs
        others = [f for f in everyone if f.id != (faq_id or faq.id)]
        if faq_id is None and len(others) < len(everyone):
            problems.append(Problem(API_FILE, 0, faq.id, "id", f"id '{faq.id}' is already used by another entry.",
                                    "choose another id, or edit the existing entry."))
        combined = Catalogue(categories=[Category("all", "", "", faqs=[*others, faq])])
        problems += [p for p in check_catalogue(combined) if p.entry == faq.id]
        taught = {example_key(t) for f in others for t in f.training_examples()}
        index = QuestionIndex.of_faqs(others)
        for text in faq.training_examples():
            if not text or example_key(text) in taught:
                continue  # exact duplicates are errors already
            match = index.best(text)
            if match and match.score >= CLOSE_QUESTION:
                field = "question" if text in (faq.question_zh, faq.question_en) else "examples"
                problems.append(Problem(
                    API_FILE, 0, faq.id, field,
                    f"'{text}' is very close to '{match.text}' of entry '{match.faq_id}' "
                    f"(similarity {match.score:.2f}); the bot may confuse the two.",
                    f"reword it, or add it to entry '{match.faq_id}' if it asks the same thing.", "warning"))
        return faq, problems

    def _checked(self, data: dict[str, Any], *, faq_id: str | None = None) -> tuple[Faq, list[Problem]]:
        faq, problems = self.check(data, faq_id=faq_id)
        if faq is None or any(p.level == "error" for p in problems):
            raise FaqInvalid(problems)
        return faq, problems

    # -- changing ------------------------------------------------------------------------
    def create(self, data: dict[str, Any], author: str) -> tuple[dict[str, Any], list[Problem]]:
        faq, problems = self._checked(data)
        now = utcnow()
        with session_scope(self.url) as session:
            self._ensure_category(session, faq.category)
            row = session.get(FaqEntryRow, faq.id, with_for_update=True)
            if row is not None and not row.deleted:
                raise FaqConflict(f"id '{faq.id}' is already used by another entry", current=entry_dict(row))
            position = session.execute(select(sa.func.coalesce(sa.func.max(FaqEntryRow.position), 0))
                                       .where(FaqEntryRow.category == faq.category)).scalar_one() + 1
            if row is None:
                row = FaqEntryRow(id=faq.id, version=0, position=position)
                session.add(row)
            self._apply(session, row, faq, author, now, "created", position=position)
            return entry_dict(row), problems

    def update(self, faq_id: str, data: dict[str, Any], author: str, *,
               expected_version: int | None = None) -> tuple[dict[str, Any], list[Problem]]:
        if data.get("id") not in (None, faq_id):
            raise FaqInvalid([Problem(API_FILE, 0, faq_id, "id", f"the body's id '{data.get('id')}' is not "
                                      f"'{faq_id}'.", "an entry's id cannot change: create a new entry instead.")])
        current = self.get(faq_id)
        merged = {**content_fields(current), **{k: v for k, v in data.items() if k not in META_FIELDS},
                  "id": faq_id}
        faq, problems = self._checked(merged, faq_id=faq_id)
        with session_scope(self.url) as session:
            row = self._locked(session, faq_id, expected_version)
            self._ensure_category(session, faq.category)
            self._apply(session, row, faq, author, utcnow(), "updated")
            return entry_dict(row), problems

    def delete(self, faq_id: str, author: str, *, expected_version: int | None = None) -> None:
        with session_scope(self.url) as session:
            row = self._locked(session, faq_id, expected_version)
            row.deleted = True
            row.version += 1
            row.updated_by, row.updated_at = author, utcnow()
            session.add(FaqVersionRow(faq_id=faq_id, version=row.version, action="deleted",
                                      data=row_content(row), author=author, created_at=row.updated_at))

    def restore(self, faq_id: str, version: int, author: str) -> tuple[dict[str, Any], list[Problem]]:
        """Makes an earlier version the current one (as a new version; deleted entries come back)."""
        with session_scope(self.url) as session:
            old = session.execute(select(FaqVersionRow).where(FaqVersionRow.faq_id == faq_id,
                                                              FaqVersionRow.version == version)).scalar_one_or_none()
            if old is None:
                raise FaqNotFound(f"version {version} of FAQ '{faq_id}' not found")
            data = dict(old.data)
        faq, problems = self._checked(data, faq_id=faq_id)
        with session_scope(self.url) as session:
            row = session.get(FaqEntryRow, faq_id, with_for_update=True)
            if row is None:  # a version outlives no entry: the entries table keeps deleted ones
                raise _not_found(faq_id)
            self._ensure_category(session, faq.category)
            row.deleted = False
            self._apply(session, row, faq, author, utcnow(), "restored")
            return entry_dict(row), problems

    def import_catalogue(self, catalogue: Catalogue, author: str) -> dict[str, int]:
        """Makes the working copy equal to ``catalogue`` (content files): changed entries get a
        new version, entries missing from it are deleted. Returns counts per action."""
        counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
        now = utcnow()
        with session_scope(self.url) as session:
            for position, category in enumerate(catalogue.categories):
                category_row = session.get(FaqCategoryRow, category.name)
                if category_row is None:
                    session.add(FaqCategoryRow(name=category.name, title_zh=category.title_zh,
                                               title_en=category.title_en, position=position))
                else:
                    category_row.title_zh, category_row.title_en = category.title_zh, category.title_en
                    category_row.position = position
            rows: dict[str, FaqEntryRow] = {row.id: row for row in session.execute(select(FaqEntryRow)).scalars()}
            seen = set()
            for category in catalogue.categories:
                for position, faq in enumerate(category.faqs):
                    seen.add(faq.id)
                    entry_row = rows.get(faq.id)
                    if entry_row is not None and not entry_row.deleted and row_content(entry_row) == faq.as_dict():
                        entry_row.position = position
                        counts["unchanged"] += 1
                        continue
                    if entry_row is None:
                        entry_row = FaqEntryRow(id=faq.id, version=0)
                        session.add(entry_row)
                    counts["created" if entry_row.version == 0 or entry_row.deleted else "updated"] += 1
                    entry_row.deleted = False
                    self._apply(session, entry_row, faq, author, now, "imported", position=position)
            for faq_id, row in rows.items():
                if faq_id not in seen and not row.deleted:
                    row.deleted, row.version, row.updated_by, row.updated_at = True, row.version + 1, author, now
                    session.add(FaqVersionRow(faq_id=faq_id, version=row.version, action="deleted",
                                              data=row_content(row), author=author, created_at=now))
                    counts["deleted"] += 1
        return counts

    # -- internals -----------------------------------------------------------------------
    @staticmethod
    def _ensure_category(session: Session, name: str) -> None:
        if session.get(FaqCategoryRow, name) is None:
            position = session.execute(select(sa.func.coalesce(sa.func.max(FaqCategoryRow.position), 0))).scalar_one()
            session.add(FaqCategoryRow(name=name, title_zh=name, title_en=name, position=position + 1))
            session.flush()

    @staticmethod
    def _locked(session: Session, faq_id: str, expected_version: int | None) -> FaqEntryRow:
        row: FaqEntryRow | None = session.get(FaqEntryRow, faq_id, with_for_update=True)
        if row is None or (row.deleted and expected_version is None):
            raise _not_found(faq_id)
        if expected_version is not None and row.version != expected_version:
            what = "deleted" if row.deleted else "changed"
            raise FaqConflict(
                f"'{faq_id}' was {what} by {row.updated_by} at {_when(row.updated_at)} (now version {row.version}, "
                f"yours was {expected_version}); reload it and apply your change again",
                current=entry_dict(row))
        if row.deleted:
            raise _not_found(faq_id)
        return row

    @staticmethod
    def _apply(session: Session, row: FaqEntryRow, faq: Faq, author: str, now: dt.datetime, action: str,
               position: int | None = None) -> None:
        row.category = faq.category
        row.question_zh, row.question_en = faq.question_zh, faq.question_en
        row.examples_zh, row.examples_en = list(faq.examples_zh), list(faq.examples_en)
        row.answer_zh, row.answer_en = faq.answer_zh, faq.answer_en
        if position is not None:
            row.position = position
        row.deleted = False
        row.version = (row.version or 0) + 1
        row.updated_by, row.updated_at = author, now
        session.flush()
        session.add(FaqVersionRow(faq_id=row.id, version=row.version, action=action, data=faq.as_dict(),
                                  author=author, created_at=now))
