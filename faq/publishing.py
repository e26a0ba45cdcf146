"""Publishing FAQ content: validate, go live at once, retrain in the background, hot-swap.

A publication (``POST /api/faqs/publish``) runs in the web app, one at a time:

1. the whole working copy is validated as the content files are (``faq build``); any error
   fails the job with the problems listed, and the previous content stays live;
2. the content is frozen into the publication and the Rasa servers pick it up within
   :data:`faq.live.REFRESH_SECONDS`: edited answers are served from it (``bot.nlg``) and new
   questions are answered through the NLU's fast path (``bot.nlu.faq_fastpath``). The job is
   ``live`` once every Rasa server confirms it (``/model/parse`` reports the publication it
   answers with as ``faq_publication``), so a ``live`` job is what every shopper gets;
3. a full retrain with the published content runs in the background, by the :class:`Retrainer`
   the web app's composition hands the publisher (``bot.stack.training.RasaRetrainer``: ``rasa
   train`` in a nice'd subprocess, into ``var/models/``; none when ``KEFU_FAQ_RETRAIN`` is off),
   and the new model is loaded by each Rasa server through Rasa's own ``PUT /model``
   (:meth:`kefu.botapi.BotServers.load_model`) and recorded as the one a restarted server loads
   (:meth:`Retrainer.serve`); a failed retrain keeps the running model and says why.

At start (``make run``), :func:`sync_from_files` keeps ``faq/content/*.yml`` and the database
in step: files changed since they were last imported (a ``git pull``) are imported and
published; otherwise the database is the truth and :func:`model_inputs` names the FAQ data
of its published content, so the model trained at start matches what is live.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Protocol

from faq.codec import catalogue_content, content_catalogue, content_hash
from faq.compiler import render_training_data, write_if_changed
from faq.loader import check_catalogue, load_catalogue, parse_entry
from faq.model import Catalogue
from faq.problems import Problem
from faq.publications import FAILED, LIVE
from faq.store import FaqStore
from kefu.botapi import BotServers
from kefu.settings import Settings

logger = logging.getLogger(__name__)

FILES_AUTHOR = "faq/content files"
#: Longest wait (seconds) for every Rasa server to confirm a publication before it is reported
#: ``live`` anyway (with the servers that did not confirm named in the detail).
CONFIRM_SECONDS = 30.0


def validate(catalogue: Catalogue) -> list[Problem]:
    """The problems of a whole catalogue, exactly as ``python -m faq build`` would find them."""
    problems: list[Problem] = []
    for faq in catalogue.faqs:
        problems += parse_entry(faq.as_dict(), category=faq.category, file=f"faq {faq.id}")[1]
    problems += check_catalogue(catalogue)
    if not catalogue.faqs:
        problems.append(Problem("api", 0, None, None, "there is nothing to publish.", "add at least one FAQ."))
    return problems


def faq_data_file(var_dir: Path, content: dict[str, Any]) -> Path:
    """The Rasa training data of published content (``var/faq/faq-<hash>.yml``)."""
    path = var_dir / "faq" / f"faq-{content_hash(content)[:16]}.yml"
    write_if_changed(path, render_training_data(content_catalogue(content)))
    return path


def files_catalogue(content_dir: Path) -> Catalogue | None:
    catalogue, problems = load_catalogue(content_dir)
    return None if any(p.level == "error" for p in problems) else catalogue


# ---------------------------------------------------------------------------------- start
def sync_from_files(database_url: str, content_dir: Path) -> str:
    """Imports the content files when the database has none or the files changed since their
    last import; returns what happened, for the start output."""
    catalogue = files_catalogue(content_dir)
    if catalogue is None:
        return "faq/content has errors; the database keeps its content"
    files = catalogue_content(catalogue)
    files_hash = content_hash(files)
    store = FaqStore(database_url)
    last_files = store.last_files_hash()
    if last_files == files_hash and not store.is_empty():
        return "database content in use (faq/content unchanged since its last import)"
    live = store.live()
    if live is not None and live[0].content_hash == files_hash:
        store.import_catalogue(catalogue, FILES_AUTHOR)
        store.mark_files_hash(live[0].id, files_hash)
        return "faq/content matches the published content"
    counts = publish_files(store, catalogue)
    return (f"imported faq/content ({counts['created']} new, {counts['updated']} changed, "
            f"{counts['deleted']} removed) and published it")


def publish_files(store: FaqStore, catalogue: Catalogue) -> dict[str, int]:
    """Makes the working copy equal to the content files' ``catalogue`` and publishes it at once;
    returns the counts of :meth:`FaqStore.import_catalogue`."""
    counts = store.import_catalogue(catalogue, FILES_AUTHOR)
    content = catalogue_content(catalogue)
    store.record_publication(FILES_AUTHOR, content, files_hash=content_hash(content),
                             detail=f"imported from faq/content: {len(catalogue.faqs)} entries")
    return counts


def model_inputs(database_url: str, var_dir: Path) -> Path | None:
    """FAQ training data for the start's model: None when the published content is the files',
    else the data of the published content (edited in the web editor since the last export)."""
    store = FaqStore(database_url)
    live = store.live()
    if live is None or live[0].content_hash == store.last_files_hash():
        return None
    return faq_data_file(var_dir, live[1])


# ---------------------------------------------------------------------------------- retrainer
class RetrainFailed(Exception):
    """A retrain produced no model; the message says why (shown to editors with the job)."""


class Retrainer(Protocol):
    """What the publisher needs to fold published content into the bot's model.

    The web app hands one to the :class:`Publisher` (``bot.stack.training.RasaRetrainer``); the
    model it returns must be a path every Rasa server can load (``PUT /model``).
    """

    def trained(self, faq_data: Path) -> Path | None:
        """The model already trained with ``faq_data`` (Rasa training data of published content,
        in place of the files' ``data/nlu/faq.yml``), or ``None``."""

    async def retrain(self, faq_data: Path) -> Path:
        """Trains a model with ``faq_data`` and returns its path.

        Raises:
            RetrainFailed: no model was made (the message says why).
        """

    def serve(self, model: Path) -> None:
        """Records ``model`` as the one the Rasa servers run: a server restarted later loads it."""

    def prune(self, keep: Path) -> None:
        """Removes models of earlier retrains that are no longer needed (never ``keep``, nor the
        model last given to :meth:`serve`)."""


# ---------------------------------------------------------------------------------- publisher
class Publisher:
    """Runs queued publications and background retrains inside the web app.

    Args:
        settings: the web app's settings (database, ``var/``).
        bots: the Rasa servers that confirm publications and load retrained models (default: the
            settings' :attr:`~kefu.settings.Settings.bot_urls`).
        retrainer: retrains the model after a publication; ``None``: no retrain (the published
            answers and the fast path still work).
        confirm_seconds: longest wait for every server to confirm a publication.
    """

    def __init__(self, settings: Settings, *, bots: BotServers | None = None, retrainer: Retrainer | None = None,
                 confirm_seconds: float = CONFIRM_SECONDS) -> None:
        self.settings = settings
        self.bots = bots or BotServers.from_settings(settings)
        self.retrainer = retrainer
        self.confirm_seconds = confirm_seconds
        self.store = FaqStore(settings.database_url)
        self._wake = asyncio.Event()
        self._retrain_wanted: str | None = None
        self._retrain_task: asyncio.Task[None] | None = None

    @property
    def retrain_enabled(self) -> bool:
        return self.retrainer is not None

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                publication = await loop.run_in_executor(None, self.store.claim_next)
                if publication is not None:
                    await self.run(publication.id)
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("FAQ publisher: unexpected error; retrying")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=2.0)
            except asyncio.TimeoutError:
                pass

    async def run(self, job: str) -> None:
        loop = asyncio.get_running_loop()
        store = self.store
        try:
            catalogue = await loop.run_in_executor(None, store.draft_catalogue)
            problems = validate(catalogue)
            errors = [p for p in problems if p.level == "error"]
            if errors:
                shown = "; ".join(f"{p.entry or p.file}: {p.field or ''} {p.message}".strip() for p in errors[:5])
                more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
                await loop.run_in_executor(None, lambda: store.finish(
                    job, FAILED, f"not published, {len(errors)} error(s): {shown}{more}. The previous content stays live."))
                return
            content = catalogue_content(catalogue)
            live = await loop.run_in_executor(None, store.live)
            await loop.run_in_executor(None, lambda: store.publish_content(job, content))
            seq = (await loop.run_in_executor(None, store.publication, job)).seq
            unconfirmed = await self.confirm(seq)
            unchanged = live is not None and live[0].content_hash == content_hash(content)
            model_status = "pending" if self.retrain_enabled else "none"
            detail = (f"live: {len(catalogue.faqs)} entries in {len(catalogue.categories)} categories"
                      + (" (no change since the last publication)" if unchanged else "")
                      + (f"; not confirmed by {', '.join(unconfirmed)} (unreachable?): they answer with it "
                         "as soon as they read the database" if unconfirmed else ""))
            await loop.run_in_executor(None, lambda: store.finish(job, LIVE, detail, model_status=model_status))
            logger.info("FAQ publication %s is live (%d entries)", job, len(catalogue.faqs))
            if self.retrain_enabled:
                self.schedule_retrain(job)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.exception("FAQ publication %s failed", job)
            failure = f"not published: internal error ({type(error).__name__}); the previous content stays live"
            await loop.run_in_executor(None, lambda: store.finish(job, FAILED, failure))

    async def confirm(self, seq: int) -> list[str]:
        """Waits until every Rasa server answers with publication ``seq`` (or a newer one);
        returns the servers that did not confirm within :attr:`confirm_seconds`."""
        pending = set(self.bots.urls)
        if self.confirm_seconds <= 0:
            return sorted(pending)
        deadline = time.monotonic() + self.confirm_seconds
        while pending and time.monotonic() < deadline:
            answers = await self.bots.parse_each("faq publication check", timeout=10)
            for url, parsed in answers.items():
                if isinstance(parsed, dict) and (parsed.get("faq_publication") or 0) >= seq:
                    pending.discard(url)
            if pending:
                await asyncio.sleep(0.3)
        return sorted(pending)

    # -- background retrain -------------------------------------------------------------
    async def idle(self) -> None:
        """Returns once no background retrain is running or waiting (tests; a clean stop)."""
        while self._retrain_task is not None and not self._retrain_task.done():
            await asyncio.shield(self._retrain_task)

    def schedule_retrain(self, job: str) -> None:
        """Retrains for ``job``'s content after the retrain that is running, if any; only the
        newest waiting job is trained (its content includes the earlier ones')."""
        self._retrain_wanted = job
        if self._retrain_task is None or self._retrain_task.done():
            self._retrain_task = asyncio.get_running_loop().create_task(self._retrain_loop())

    async def _retrain_loop(self) -> None:
        while self._retrain_wanted:
            job, self._retrain_wanted = self._retrain_wanted, None
            try:
                await self.retrain(job)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.exception("FAQ retrain for publication %s failed", job)
                self.store.set_model_status(job, "failed", f"{type(error).__name__}; the running model stays")

    async def retrain(self, job: str) -> None:
        """Has the retrainer train a model with ``job``'s content (unless one exists) and every
        Rasa server load it; the job's model status says how far it got."""
        retrainer = self.retrainer
        if retrainer is None:
            return
        loop = asyncio.get_running_loop()
        publication = await loop.run_in_executor(None, self.store.publication, job)
        content = await loop.run_in_executor(None, self.store.content_of, job)
        data = faq_data_file(self.settings.var_dir, content)
        target = retrainer.trained(data)
        if target is None:
            self.store.set_model_status(job, "training", "training the model with the published content")
            started = time.monotonic()
            try:
                target = await retrainer.retrain(data)
            except RetrainFailed as error:
                self.store.set_model_status(job, "failed", f"{error}; the running model stays")
                return
            logger.info("FAQ retrain for publication %s: trained in %.0f s", publication.seq,
                        time.monotonic() - started)
        loaded = await self._hot_swap(target)
        if loaded:  # loadable: a server restarted from now on loads it too (one that was down included)
            retrainer.serve(target)
        self.store.set_model_status(job, "swapped" if loaded else "failed",
                                    f"{target.name} loaded by {loaded} of {len(self.bots.urls)} bot server(s)")
        retrainer.prune(target)

    async def _hot_swap(self, model: Path) -> int:
        """Asks each Rasa server to load ``model`` (Rasa's ``PUT /model``); returns how many did."""
        loaded = 0
        for url, problem in (await self.bots.load_model(model)).items():
            if problem is None:
                loaded += 1
            else:
                logger.warning("FAQ retrain: %s did not load the new model (%s)", url, problem)
        return loaded
