"""FAQ content in the app database: the editors' working copy, its history and its publications.

Three kinds of rows (``DATABASE_URL``, migration 0004):

* ``faq_entries`` / ``faq_categories``: the working copy editors change through the API. Each
  entry carries a ``version`` that grows with every change; a save that names an older version
  is refused with who changed it and when (no lost update).
* ``faq_versions``: every version of every entry (created, updated, deleted, restored,
  imported), with author and time, so that any earlier version can be restored.
* ``faq_publications``: publish jobs. Publishing validates the whole working copy and freezes it
  as the publication's ``content``; the Rasa servers answer from the newest published content
  (:mod:`faq.live`), and a background retrain folds it into the model.

``faq/content/*.yml`` stays the exportable source of truth: :meth:`FaqStore.import_catalogue`
reads files into the working copy, :func:`faq.exporter.export_catalogue` writes them back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update

from faq.loader import check_catalogue, example_key, parse_entry
from faq.model import ENTRY_FIELDS, Catalogue, Category, Faq
from faq.problems import Problem
from kefu.clock import as_utc, utcnow
from kefu.db import Base, session_scope

#: Publication states; clients see ``queued`` as ``running`` (contract section 5).
QUEUED, RUNNING, LIVE, FAILED = "queued", "running", "live", "failed"
API_FILE = "api"


class FaqCategoryRow(Base):
    __tablename__ = "faq_categories"

    name = sa.Column(sa.String(63), primary_key=True)
    title_zh = sa.Column(sa.String(100), nullable=False)
    title_en = sa.Column(sa.String(100), nullable=False)
    position = sa.Column(sa.Integer, nullable=False, default=0)


class FaqEntryRow(Base):
    __tablename__ = "faq_entries"

    id = sa.Column(sa.String(63), primary_key=True)
    category = sa.Column(sa.String(63), nullable=False, index=True)
    question_zh = sa.Column(sa.Text, nullable=False)
    question_en = sa.Column(sa.Text, nullable=False)
    examples_zh = sa.Column(sa.JSON, nullable=False)
    examples_en = sa.Column(sa.JSON, nullable=False)
    answer_zh = sa.Column(sa.Text, nullable=False)
    answer_en = sa.Column(sa.Text, nullable=False)
    position = sa.Column(sa.Integer, nullable=False, default=0)
    version = sa.Column(sa.Integer, nullable=False)
    deleted = sa.Column(sa.Boolean, nullable=False, default=False)
    updated_by = sa.Column(sa.String(64), nullable=False)
    updated_at = sa.Column(sa.DateTime(timezone=True), nullable=False)


class FaqVersionRow(Base):
    __tablename__ = "faq_versions"
    __table_args__ = (sa.UniqueConstraint("faq_id", "version", name="uq_faq_versions_faq_version"),)

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    faq_id = sa.Column(sa.String(63), nullable=False)
    version = sa.Column(sa.Integer, nullable=False)
    #: created, updated, deleted, restored, imported
    action = sa.Column(sa.String(16), nullable=False)
    data = sa.Column(sa.JSON, nullable=False)
    author = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False)


class FaqPublicationRow(Base):
    __tablename__ = "faq_publications"

    id = sa.Column(sa.String(32), primary_key=True)
    #: order of the requests; the live content is the published one with the highest seq
    seq = sa.Column(sa.Integer, nullable=False, unique=True)
    status = sa.Column(sa.String(16), nullable=False, index=True)
    detail = sa.Column(sa.Text, nullable=False, default="")
    requested_by = sa.Column(sa.String(64), nullable=False)
    requested_at = sa.Column(sa.DateTime(timezone=True), nullable=False)
    started_at = sa.Column(sa.DateTime(timezone=True))
    #: from this moment the Rasa servers answer with ``content``
    published_at = sa.Column(sa.DateTime(timezone=True))
    finished_at = sa.Column(sa.DateTime(timezone=True))
    content = sa.Column(sa.JSON)
    content_hash = sa.Column(sa.String(64))
    #: hash of faq/content/*.yml when this publication came from (or was written to) the files
    files_hash = sa.Column(sa.String(64))
    #: none, pending, training, swapped, failed: the background retrain of this content
    model_status = sa.Column(sa.String(16), nullable=False, default="none")
    model_detail = sa.Column(sa.Text, nullable=False, default="")


# ---------------------------------------------------------------------------------- errors
class FaqNotFound(LookupError):
    pass


class FaqConflict(Exception):
    """A save based on an older version, or an id that exists already."""

    def __init__(self, message: str, *, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current


class FaqInvalid(ValueError):
    """The entry has errors; ``problems`` says which field and how to fix it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.level == "error"]
        super().__init__("; ".join(f"{p.field or 'entry'}: {p.message}" for p in errors) or "invalid entry")


# ---------------------------------------------------------------------------------- helpers
def entry_dict(row: FaqEntryRow) -> dict[str, Any]:
    """The API's entry object: the content fields plus version, author and time of the last change."""
    return {**_row_content(row), "version": row.version, "updated_by": row.updated_by,
            "updated_at": as_utc(row.updated_at).isoformat()}


def _content_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in (*ENTRY_FIELDS, "category") if name in data}


def content_hash(content: dict[str, Any]) -> str:
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
        category.faqs.append(_faq_of(data))
    return Catalogue(categories=list(categories.values()))


def _faq_of(data: dict[str, Any]) -> Faq:
    return Faq(**{k: data[k] for k in (*ENTRY_FIELDS, "category")}, file=API_FILE)


def _when(value: dt.datetime | None) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else "?"


@dataclass
class Publication:
    id: str
    seq: int
    status: str
    detail: str
    requested_by: str
    requested_at: dt.datetime
    published_at: dt.datetime | None
    finished_at: dt.datetime | None
    content_hash: str | None
    model_status: str
    model_detail: str

    @classmethod
    def of(cls, row: FaqPublicationRow) -> Publication:
        return cls(row.id, row.seq, row.status, row.detail or "", row.requested_by, as_utc(row.requested_at),
                   as_utc(row.published_at), as_utc(row.finished_at), row.content_hash,
                   row.model_status or "none", row.model_detail or "")

    def as_json(self) -> dict[str, Any]:
        """The contract's publish status: queued jobs count as ``running``."""
        return {
            "job": self.id,
            "publication": self.seq,
            "status": RUNNING if self.status == QUEUED else self.status,
            "detail": self.detail,
            "requested_by": self.requested_by,
            "requested_at": self.requested_at.isoformat(),
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "model": {"status": self.model_status, "detail": self.model_detail},
        }


# ---------------------------------------------------------------------------------- the store
class FaqStore:
    """FAQ working copy, history and publications in the database at ``database_url``."""

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
                raise FaqNotFound(faq_id)
            return entry_dict(row)

    def categories(self) -> list[dict[str, Any]]:
        with session_scope(self.url) as session:
            counts = dict(session.execute(
                select(FaqEntryRow.category, sa.func.count()).where(FaqEntryRow.deleted.is_(False))
                .group_by(FaqEntryRow.category)).all())
            rows = session.execute(select(FaqCategoryRow).order_by(FaqCategoryRow.position, FaqCategoryRow.name))
            result = [{"name": r.name, "title_zh": r.title_zh, "title_en": r.title_en, "count": counts.get(r.name, 0)}
                      for r in rows.scalars()]
        known = {c["name"] for c in result}
        result += [{"name": n, "title_zh": n, "title_en": n, "count": c} for n, c in sorted(counts.items())
                   if n not in known]
        return result

    def is_empty(self) -> bool:
        with session_scope(self.url) as session:
            return session.execute(select(sa.func.count()).select_from(FaqEntryRow)).scalar_one() == 0

    def draft_catalogue(self) -> Catalogue:
        """The working copy as a catalogue, categories in their order."""
        categories = {c["name"]: Category(c["name"], c["title_zh"], c["title_en"], file=API_FILE)
                      for c in self.categories()}
        for data in self.entries():
            categories[data["category"]].faqs.append(_faq_of(data))
        return Catalogue(categories=[c for c in categories.values() if c.faqs])

    def history(self, faq_id: str) -> list[dict[str, Any]]:
        with session_scope(self.url) as session:
            rows = session.execute(select(FaqVersionRow).where(FaqVersionRow.faq_id == faq_id)
                                   .order_by(FaqVersionRow.version.desc())).scalars().all()
            if not rows:
                raise FaqNotFound(faq_id)
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

    # -- changing ------------------------------------------------------------------------
    def create(self, data: dict[str, Any], author: str) -> tuple[dict[str, Any], list[Problem]]:
        faq, problems = self.check(data)
        if faq is None or any(p.level == "error" for p in problems):
            raise FaqInvalid(problems)
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
        merged = {**_content_fields(current), **{k: v for k, v in data.items() if k not in META_FIELDS},
                  "id": faq_id}
        faq, problems = self.check(merged, faq_id=faq_id)
        if faq is None or any(p.level == "error" for p in problems):
            raise FaqInvalid(problems)
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
                                      data=_row_content(row), author=author, created_at=row.updated_at))

    def restore(self, faq_id: str, version: int, author: str) -> tuple[dict[str, Any], list[Problem]]:
        """Makes an earlier version the current one (as a new version; deleted entries come back)."""
        with session_scope(self.url) as session:
            old = session.execute(select(FaqVersionRow).where(FaqVersionRow.faq_id == faq_id,
                                                              FaqVersionRow.version == version)).scalar_one_or_none()
            if old is None:
                raise FaqNotFound(f"{faq_id} version {version}")
            data = dict(old.data)
        faq, problems = self.check(data, faq_id=faq_id)
        if faq is None or any(p.level == "error" for p in problems):
            raise FaqInvalid(problems)
        with session_scope(self.url) as session:
            row = session.get(FaqEntryRow, faq_id, with_for_update=True)
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
                row = session.get(FaqCategoryRow, category.name)
                if row is None:
                    session.add(FaqCategoryRow(name=category.name, title_zh=category.title_zh,
                                               title_en=category.title_en, position=position))
                else:
                    row.title_zh, row.title_en, row.position = category.title_zh, category.title_en, position
            rows = {row.id: row for row in session.execute(select(FaqEntryRow)).scalars()}
            seen = set()
            for category in catalogue.categories:
                for position, faq in enumerate(category.faqs):
                    seen.add(faq.id)
                    row = rows.get(faq.id)
                    if row is not None and not row.deleted and _row_content(row) == faq.as_dict():
                        row.position = position
                        counts["unchanged"] += 1
                        continue
                    if row is None:
                        row = FaqEntryRow(id=faq.id, version=0)
                        session.add(row)
                    counts["created" if row.version == 0 or row.deleted else "updated"] += 1
                    row.deleted = False
                    self._apply(session, row, faq, author, now, "imported", position=position)
            for faq_id, row in rows.items():
                if faq_id not in seen and not row.deleted:
                    row.deleted, row.version, row.updated_by, row.updated_at = True, row.version + 1, author, now
                    session.add(FaqVersionRow(faq_id=faq_id, version=row.version, action="deleted",
                                              data=_row_content(row), author=author, created_at=now))
                    counts["deleted"] += 1
        return counts

    # -- internals -----------------------------------------------------------------------
    @staticmethod
    def _ensure_category(session, name: str) -> None:
        if session.get(FaqCategoryRow, name) is None:
            position = session.execute(select(sa.func.coalesce(sa.func.max(FaqCategoryRow.position), 0))).scalar_one()
            session.add(FaqCategoryRow(name=name, title_zh=name, title_en=name, position=position + 1))
            session.flush()

    @staticmethod
    def _locked(session, faq_id: str, expected_version: int | None) -> FaqEntryRow:
        row = session.get(FaqEntryRow, faq_id, with_for_update=True)
        if row is None or (row.deleted and expected_version is None):
            raise FaqNotFound(faq_id)
        if expected_version is not None and row.version != expected_version:
            what = "deleted" if row.deleted else "changed"
            raise FaqConflict(
                f"'{faq_id}' was {what} by {row.updated_by} at {_when(row.updated_at)} (now version {row.version}, "
                f"yours was {expected_version}); reload it and apply your change again",
                current=entry_dict(row))
        if row.deleted:
            raise FaqNotFound(faq_id)
        return row

    @staticmethod
    def _apply(session, row: FaqEntryRow, faq: Faq, author: str, now: dt.datetime, action: str,
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

    # -- publications --------------------------------------------------------------------
    def request_publish(self, author: str) -> Publication:
        """Queues a publication; while one is queued and not started, that one is returned
        (publishing twice in a row publishes once, with the newest working copy)."""
        with session_scope(self.url) as session:
            queued = session.execute(select(FaqPublicationRow).where(FaqPublicationRow.status == QUEUED)
                                     .order_by(FaqPublicationRow.seq)).scalars().first()
            if queued is not None:
                return Publication.of(queued)
            seq = session.execute(select(sa.func.coalesce(sa.func.max(FaqPublicationRow.seq), 0))).scalar_one() + 1
            row = FaqPublicationRow(id=uuid.uuid4().hex, seq=seq, status=QUEUED, detail="waiting to start",
                                    requested_by=author, requested_at=utcnow(), model_status="none",
                                    model_detail="")
            session.add(row)
            session.flush()
            return Publication.of(row)

    def publication(self, job: str) -> Publication:
        with session_scope(self.url) as session:
            row = session.get(FaqPublicationRow, job)
            if row is None:
                raise FaqNotFound(job)
            return Publication.of(row)

    def publications(self, limit: int = 20) -> list[Publication]:
        with session_scope(self.url) as session:
            rows = session.execute(select(FaqPublicationRow).order_by(FaqPublicationRow.seq.desc()).limit(limit))
            return [Publication.of(row) for row in rows.scalars()]

    def claim_next(self, stale_after: float = 600.0) -> Publication | None:
        """Starts the oldest queued publication unless one is running (one at a time, even
        with several web processes); a run older than ``stale_after`` s counts as crashed."""
        now = utcnow()
        with session_scope(self.url) as session:
            running = session.execute(select(FaqPublicationRow).where(FaqPublicationRow.status == RUNNING)).scalars().all()
            for row in running:
                if row.started_at and (now - as_utc(row.started_at)).total_seconds() > stale_after:
                    row.status, row.detail, row.finished_at = FAILED, "interrupted (the web app stopped)", now
                else:
                    return None
            queued = session.execute(select(FaqPublicationRow.id).where(FaqPublicationRow.status == QUEUED)
                                     .order_by(FaqPublicationRow.seq).limit(1)).scalar_one_or_none()
            if queued is None:
                return None
            claimed = session.execute(update(FaqPublicationRow)
                                      .where(FaqPublicationRow.id == queued, FaqPublicationRow.status == QUEUED)
                                      .values(status=RUNNING, started_at=now, detail="validating the content"))
            if claimed.rowcount != 1:
                return None
        return self.publication(queued)

    def publish_content(self, job: str, content: dict[str, Any], *, files_hash: str | None = None) -> None:
        """Freezes ``content`` as the job's: from now on the Rasa servers pick it up."""
        with session_scope(self.url) as session:
            row = session.get(FaqPublicationRow, job)
            row.content, row.content_hash = content, content_hash(content)
            row.published_at = utcnow()
            row.files_hash = files_hash
            row.detail = "published; waiting for the bot servers to pick it up"

    def finish(self, job: str, status: str, detail: str, *, model_status: str | None = None) -> None:
        with session_scope(self.url) as session:
            row = session.get(FaqPublicationRow, job)
            row.status, row.detail, row.finished_at = status, detail, utcnow()
            if model_status:
                row.model_status = model_status

    def set_model_status(self, job: str, status: str, detail: str = "") -> None:
        with session_scope(self.url) as session:
            row = session.get(FaqPublicationRow, job)
            row.model_status, row.model_detail = status, detail

    def record_publication(self, author: str, content: dict[str, Any], *, files_hash: str | None,
                           detail: str) -> Publication:
        """A publication that is live at once (content imported from the files at start)."""
        now = utcnow()
        with session_scope(self.url) as session:
            seq = session.execute(select(sa.func.coalesce(sa.func.max(FaqPublicationRow.seq), 0))).scalar_one() + 1
            row = FaqPublicationRow(id=uuid.uuid4().hex, seq=seq, status=LIVE, detail=detail, requested_by=author,
                                    requested_at=now, started_at=now, published_at=now, finished_at=now,
                                    content=content, content_hash=content_hash(content), files_hash=files_hash,
                                    model_status="none", model_detail="")
            session.add(row)
            session.flush()
            return Publication.of(row)

    def last_files_hash(self) -> str | None:
        """Content hash of the content files when they were last imported or exported."""
        with session_scope(self.url) as session:
            return session.execute(select(FaqPublicationRow.files_hash)
                                   .where(FaqPublicationRow.files_hash.is_not(None))
                                   .order_by(FaqPublicationRow.seq.desc()).limit(1)).scalar_one_or_none()

    def mark_files_hash(self, job: str, files_hash: str) -> None:
        with session_scope(self.url) as session:
            session.get(FaqPublicationRow, job).files_hash = files_hash

    def content_of(self, job: str) -> dict[str, Any]:
        with session_scope(self.url) as session:
            row = session.get(FaqPublicationRow, job)
            if row is None or row.content is None:
                raise FaqNotFound(job)
            return row.content

    def live(self) -> tuple[Publication, dict[str, Any]] | None:
        """The newest published publication and its content."""
        with session_scope(self.url) as session:
            row = session.execute(select(FaqPublicationRow).where(FaqPublicationRow.published_at.is_not(None))
                                  .order_by(FaqPublicationRow.seq.desc()).limit(1)).scalars().first()
            return (Publication.of(row), row.content) if row is not None else None


def _row_content(row: FaqEntryRow) -> dict[str, Any]:
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


#: Fields of the API's entry objects that are not content (ignored when they come back in a body).
META_FIELDS = frozenset({"version", "updated_by", "updated_at", "warnings"})
#: Similarity (0-1, char n-gram TF-IDF cosine) from which a question counts as close to another's.
CLOSE_QUESTION = 0.8
