"""The FAQ tables of the app database (``DATABASE_URL``, migration 0004).

* ``faq_entries`` / ``faq_categories``: the working copy editors change through the API. Each
  entry carries a ``version`` that grows with every change (:mod:`faq.working_copy`).
* ``faq_versions``: every version of every entry (created, updated, deleted, restored,
  imported), with author and time, so that any earlier version can be restored.
* ``faq_publications``: publish jobs and the content each one froze (:mod:`faq.publications`);
  the Rasa servers answer from the newest published content (:mod:`faq.live`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped

from kefu.db import Base, column


class FaqCategoryRow(Base):
    __tablename__ = "faq_categories"

    name: Mapped[str] = column(sa.String(63), primary_key=True)
    title_zh: Mapped[str] = column(sa.String(100), nullable=False)
    title_en: Mapped[str] = column(sa.String(100), nullable=False)
    position: Mapped[int] = column(sa.Integer, nullable=False, default=0)


class FaqEntryRow(Base):
    __tablename__ = "faq_entries"

    id: Mapped[str] = column(sa.String(63), primary_key=True)
    category: Mapped[str] = column(sa.String(63), nullable=False, index=True)
    question_zh: Mapped[str] = column(sa.Text, nullable=False)
    question_en: Mapped[str] = column(sa.Text, nullable=False)
    examples_zh: Mapped[Any] = column(sa.JSON, nullable=False)
    examples_en: Mapped[Any] = column(sa.JSON, nullable=False)
    answer_zh: Mapped[str] = column(sa.Text, nullable=False)
    answer_en: Mapped[str] = column(sa.Text, nullable=False)
    position: Mapped[int] = column(sa.Integer, nullable=False, default=0)
    version: Mapped[int] = column(sa.Integer, nullable=False)
    deleted: Mapped[bool] = column(sa.Boolean, nullable=False, default=False)
    updated_by: Mapped[str] = column(sa.String(64), nullable=False)
    updated_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False)


class FaqVersionRow(Base):
    __tablename__ = "faq_versions"
    __table_args__ = (sa.UniqueConstraint("faq_id", "version", name="uq_faq_versions_faq_version"),)

    id: Mapped[int] = column(sa.Integer, primary_key=True, autoincrement=True)
    faq_id: Mapped[str] = column(sa.String(63), nullable=False)
    version: Mapped[int] = column(sa.Integer, nullable=False)
    #: created, updated, deleted, restored, imported
    action: Mapped[str] = column(sa.String(16), nullable=False)
    data: Mapped[Any] = column(sa.JSON, nullable=False)
    author: Mapped[str] = column(sa.String(64), nullable=False)
    created_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False)


class FaqPublicationRow(Base):
    __tablename__ = "faq_publications"

    id: Mapped[str] = column(sa.String(32), primary_key=True)
    #: order of the requests; the live content is the published one with the highest seq
    seq: Mapped[int] = column(sa.Integer, nullable=False, unique=True)
    status: Mapped[str] = column(sa.String(16), nullable=False, index=True)
    detail: Mapped[str] = column(sa.Text, nullable=False, default="")
    requested_by: Mapped[str] = column(sa.String(64), nullable=False)
    requested_at: Mapped[datetime] = column(sa.DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    #: from this moment the Rasa servers answer with ``content``
    published_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = column(sa.DateTime(timezone=True))
    content: Mapped[Any] = column(sa.JSON)
    content_hash: Mapped[str | None] = column(sa.String(64))
    #: hash of faq/content/*.yml when this publication came from (or was written to) the files
    files_hash: Mapped[str | None] = column(sa.String(64))
    #: none, pending, training, swapped, failed: the background retrain of this content
    model_status: Mapped[str] = column(sa.String(16), nullable=False, default="none")
    model_detail: Mapped[str] = column(sa.Text, nullable=False, default="")
