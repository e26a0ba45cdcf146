"""Publishing FAQ content: validate, go live at once, retrain in the background, hot-swap.

A publication (``POST /api/faqs/publish``) runs in the web app, one at a time:

1. the whole working copy is validated as the content files are (``faq build``); any error
   fails the job with the problems listed, and the previous content stays live;
2. the content is frozen into the publication and the Rasa servers pick it up within
   :data:`faq.live.REFRESH_SECONDS`: edited answers are served from it (``bot.nlg``) and new
   questions are answered through the NLU's fast path (``bot.nlu.faq_fastpath``). The job is
   ``live`` once every Rasa server confirms it (``/model/parse`` reports the publication it
   answers with as ``faq_publication``), so a ``live`` job is what every shopper gets;
3. a full retrain with the published content runs in the background (``rasa train`` in a
   subprocess, nice'd, into ``var/models/``) and the new model is loaded by each Rasa server
   through Rasa's own ``PUT /model``; a failed retrain keeps the running model and says why.

At start (``make run``), :func:`sync_from_files` keeps ``faq/content/*.yml`` and the database
in step: files changed since they were last imported (a ``git pull``) are imported and
published; otherwise the database is the truth and :func:`model_inputs` names the FAQ data
of its published content, so the model trained at start matches what is live.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

from faq.codec import catalogue_content, content_catalogue, content_hash
from faq.compiler import render_training_data, write_if_changed
from faq.loader import check_catalogue, load_catalogue, parse_entry
from faq.live import REFRESH_SECONDS
from faq.model import Catalogue
from faq.publications import FAILED, LIVE
from faq.store import FaqStore

logger = logging.getLogger(__name__)

FILES_AUTHOR = "faq/content files"
#: Longest wait (seconds) for every Rasa server to confirm a publication before it is reported
#: ``live`` anyway (with the servers that did not confirm named in the detail).
CONFIRM_SECONDS = 30.0


def validate(catalogue: Catalogue) -> list:
    """The problems of a whole catalogue, exactly as ``python -m faq build`` would find them."""
    problems = []
    for faq in catalogue.faqs:
        problems += parse_entry(faq.as_dict(), category=faq.category, file=f"faq {faq.id}")[1]
    problems += check_catalogue(catalogue)
    if not catalogue.faqs:
        from faq.problems import Problem

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


# ---------------------------------------------------------------------------------- publisher
class Publisher:
    """Runs queued publications and background retrains inside the web app."""

    def __init__(self, settings, *, retrain: bool | None = None, confirm_seconds: float = CONFIRM_SECONDS) -> None:
        self.settings = settings
        self.confirm_seconds = confirm_seconds
        self.store = FaqStore(settings.database_url)
        self.retrain_enabled = (os.environ.get("KEFU_FAQ_RETRAIN", "1") != "0") if retrain is None else retrain
        self._wake = asyncio.Event()
        self._retrain_wanted: str | None = None
        self._retrain_task: asyncio.Task | None = None

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
            await loop.run_in_executor(None, lambda: store.finish(
                job, FAILED, f"not published: internal error ({type(error).__name__}); the previous content stays live"))

    async def confirm(self, seq: int) -> list[str]:
        """Waits until every Rasa server answers with publication ``seq`` (or a newer one);
        returns the servers that did not confirm within :attr:`confirm_seconds`."""
        import aiohttp

        pending = set(self.bot_urls())
        if self.confirm_seconds <= 0:
            return sorted(pending)
        deadline = time.monotonic() + self.confirm_seconds
        token = self.settings.bot_api_token
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while pending and time.monotonic() < deadline:
                for url in sorted(pending):
                    try:
                        async with session.post(f"{url}/model/parse", params={"token": token},
                                                json={"text": "faq publication check"}) as reply:
                            parsed = await reply.json() if reply.status == 200 else {}
                    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
                        parsed = {}
                    if (parsed.get("faq_publication") or 0) >= seq:
                        pending.discard(url)
                if pending:
                    await asyncio.sleep(0.3)
        return sorted(pending)

    # -- background retrain -------------------------------------------------------------
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
        from bot.model import model_path, rasa_environment, train_command

        settings = self.settings
        root = settings.root
        loop = asyncio.get_running_loop()
        publication = await loop.run_in_executor(None, self.store.publication, job)
        content = await loop.run_in_executor(None, self.store.content_of, job)
        data = faq_data_file(settings.var_dir, content)
        models_dir = settings.var_dir / "models"
        target = model_path(root, data, models_dir)
        if not target.exists():
            self.store.set_model_status(job, "training", "training the model with the published content")
            started = time.monotonic()
            models_dir.mkdir(parents=True, exist_ok=True)
            log_path = settings.var_dir / "logs" / "faq-retrain.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with log_path.open("ab") as log:
                process = await asyncio.create_subprocess_exec(
                    "nice", "-n", "10", *train_command(root, target, data),
                    cwd=root, env=rasa_environment(), stdout=log, stderr=asyncio.subprocess.STDOUT)
                code = await process.wait()
            if code != 0 or not target.exists():
                self.store.set_model_status(job, "failed", f"rasa train exited with {code} (see var/logs/faq-retrain.log); "
                                                           "the running model stays")
                return
            logger.info("FAQ retrain for publication %s: trained in %.0f s", publication.seq,
                        time.monotonic() - started)
        loaded = await self._hot_swap(target)
        self.store.set_model_status(job, "swapped" if loaded else "failed",
                                    f"{target.name} loaded by {loaded} of {len(self.bot_urls())} bot server(s)")
        for old in models_dir.glob("kefu-*.tar.gz"):
            if old != target and time.time() - old.stat().st_mtime > 3600:
                old.unlink(missing_ok=True)

    def bot_urls(self) -> list[str]:
        configured = os.environ.get("KEFU_BOT_URLS", "").strip()
        if configured:
            return [url.strip().rstrip("/") for url in configured.split(",") if url.strip()]
        return [f"http://127.0.0.1:{self.settings.bot_port + i}" for i in range(self.settings.bot_replicas)]

    async def _hot_swap(self, model: Path) -> int:
        """Asks each Rasa server to load ``model`` (Rasa's ``PUT /model``); returns how many did."""
        import aiohttp

        loaded = 0
        token = self.settings.bot_api_token
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
            for url in self.bot_urls():
                try:
                    async with session.put(f"{url}/model", params={"token": token},
                                           json={"model_file": str(model)}) as reply:
                        if reply.status < 300:
                            loaded += 1
                        else:
                            logger.warning("FAQ retrain: %s refused the new model (HTTP %s)", url, reply.status)
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                    logger.warning("FAQ retrain: %s did not load the new model (%s)", url, type(error).__name__)
        return loaded
