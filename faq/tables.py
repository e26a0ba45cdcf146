"""The FAQ tables of the app database (``DATABASE_URL``, migration 0004).

* ``faq_entries`` / ``faq_categories``: the working copy editors change through the API. Each
  entry carries a ``version`` that grows with every change (:mod:`faq.working_copy`).
* ``faq_versions``: every version of every entry (created, updated, deleted, restored,
  imported), with author and time, so that any earlier version can be restored.
* ``faq_publications``: publish jobs and the content each one froze (:mod:`faq.publications`);
  the Rasa servers answer from the newest published content (:mod:`faq.live`).
"""

from __future__ import annotations

import sqlalchemy as sa

from kefu.db import Base


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
