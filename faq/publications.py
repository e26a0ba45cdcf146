"""FAQ publications: publish jobs, queued and run one at a time, and the content each one froze.

Publishing validates the whole working copy and freezes it as the publication's ``content``; the
Rasa servers answer from the newest published content (:mod:`faq.live`), and a background
retrain folds it into the model (:mod:`faq.publishing` runs the jobs). A queued request is reused,
never doubled, and a job is claimed with a conditional UPDATE, so that two web processes cannot
both run one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from faq.codec import content_hash
from faq.errors import FaqNotFound
from faq.tables import FaqPublicationRow
from kefu.clock import as_utc, utcnow
from kefu.db import rowcount, session_scope

#: Publication states; clients see ``queued`` as ``running`` (contract section 5).
QUEUED, RUNNING, LIVE, FAILED = "queued", "running", "live", "failed"


def _not_found(job: str) -> FaqNotFound:
    return FaqNotFound(f"publish job '{job}' not found")


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


class Publications:
    """The publications in the database at ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

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
                raise _not_found(job)
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
            if rowcount(claimed) != 1:
                return None
        return self.publication(queued)

    def publish_content(self, job: str, content: dict[str, Any], *, files_hash: str | None = None) -> None:
        """Freezes ``content`` as the job's: from now on the Rasa servers pick it up."""
        with session_scope(self.url) as session:
            row = _job_row(session, job)
            row.content, row.content_hash = content, content_hash(content)
            row.published_at = utcnow()
            row.files_hash = files_hash
            row.detail = "published; waiting for the bot servers to pick it up"

    def finish(self, job: str, status: str, detail: str, *, model_status: str | None = None) -> None:
        with session_scope(self.url) as session:
            row = _job_row(session, job)
            row.status, row.detail, row.finished_at = status, detail, utcnow()
            if model_status:
                row.model_status = model_status

    def set_model_status(self, job: str, status: str, detail: str = "") -> None:
        with session_scope(self.url) as session:
            row = _job_row(session, job)
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
            _job_row(session, job).files_hash = files_hash

    def content_of(self, job: str) -> dict[str, Any]:
        with session_scope(self.url) as session:
            row = session.get(FaqPublicationRow, job)
            if row is None or row.content is None:
                raise FaqNotFound(f"publish job '{job}' has no published content")
            content: dict[str, Any] = row.content
            return content

    def live(self) -> tuple[Publication, dict[str, Any]] | None:
        """The newest published publication and its content."""
        with session_scope(self.url) as session:
            row = session.execute(select(FaqPublicationRow).where(FaqPublicationRow.published_at.is_not(None))
                                  .order_by(FaqPublicationRow.seq.desc()).limit(1)).scalars().first()
            return (Publication.of(row), row.content) if row is not None else None


def _job_row(session: Session, job: str) -> FaqPublicationRow:
    """The row of a publish job that exists (the publisher's own); :class:`FaqNotFound` if not."""
    row = session.get(FaqPublicationRow, job)
    if row is None:
        raise _not_found(job)
    return row
