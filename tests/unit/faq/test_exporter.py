"""Export and import of FAQ content: web edits reach faq/content and back without loss."""

from __future__ import annotations

import shutil
from pathlib import Path

from faq.codec import catalogue_content, content_catalogue
from faq.exporter import export_catalogue
from faq.loader import load_catalogue
from faq.publishing import model_inputs, sync_from_files
from faq.store import FaqStore
from kefu.settings import ROOT
from tests.databases import migrated_sqlite

EDIT = "礼品卡不能兑换现金：\n1. 可买任意商品\n2. 不找零 <b>注意</b> # 不是注释: 冒号"


def test_catalogue_round_trips_through_the_files(tmp_path):
    catalogue, _ = load_catalogue(ROOT / "faq" / "content")
    export_catalogue(catalogue, tmp_path)
    again, problems = load_catalogue(tmp_path)
    assert not [p for p in problems if p.level == "error"]
    assert catalogue_content(again) == catalogue_content(catalogue)


def test_web_edits_are_exported_and_a_changed_file_is_imported_at_start(tmp_path, database_url):
    files = tmp_path / "content"
    shutil.copytree(ROOT / "faq" / "content", files)
    sync_from_files(database_url, files)
    store = FaqStore(database_url)
    assert model_inputs(database_url, tmp_path) is None  # the files' content is live: the usual model

    store.update("return_policy", {"answer_zh": EDIT}, "editor")
    content = catalogue_content(store.draft_catalogue())
    store.record_publication("editor", content, files_hash=None, detail="web")
    faq_data = model_inputs(database_url, tmp_path)
    assert faq_data is not None and EDIT.splitlines()[0] in faq_data.read_text(encoding="utf-8")
    # a restart with unchanged files keeps the web edit
    assert "unchanged" in sync_from_files(database_url, files)
    assert store.get("return_policy")["answer_zh"] == EDIT

    export_catalogue(content_catalogue(store.live()[1]), files)
    exported, _ = load_catalogue(files)
    assert exported.get("return_policy").answer_zh == EDIT

    text = (files / "invoice.yml").read_text(encoding="utf-8").replace("怎么开发票？", "发票怎么开具？", 1)
    (files / "invoice.yml").write_text(text, encoding="utf-8")
    assert "imported" in sync_from_files(database_url, files)
    assert store.get("invoice_request")["question_zh"] == "发票怎么开具？"
    assert store.history("invoice_request")[0]["author"] == "faq/content files"


def test_export_refuses_a_category_that_would_write_outside_the_content_directory(tmp_path):
    """Content published before categories were checked (or written into the database by hand)
    cannot make ``python -m faq export`` write ``../../endpoints.yml``: nothing is written."""
    import pytest

    from faq.exporter import ExportRefused
    from faq.model import Category

    catalogue, _ = load_catalogue(ROOT / "faq" / "content")
    content = tmp_path / "project" / "faq" / "content"
    content.mkdir(parents=True)
    for name in ("../../endpoints", "/tmp/kefu-export-escape", "sub/dir", "..", "Shipping"):
        bad = Category(name=name, title_zh="x", title_en="x", faqs=[catalogue.faqs[0]])
        catalogue.categories.append(bad)
        with pytest.raises(ExportRefused) as error:
            export_catalogue(catalogue, content)
        assert repr(name) in str(error.value), error.value
        catalogue.categories.remove(bad)
        assert list(content.iterdir()) == []  # nothing written, not even the good categories
    assert not (tmp_path / "project" / "endpoints.yml").exists()
    assert not Path("/tmp/kefu-export-escape.yml").exists()
    export_catalogue(catalogue, content)  # the good catalogue still exports
    assert {p.stem for p in content.iterdir()} == {c.name for c in catalogue.categories if c.faqs}


def test_the_export_command_explains_the_refusal(tmp_path):
    """``python -m faq export`` with such a publication in the database: exit 1, a sentence naming
    the category, and the project's files untouched."""
    import os
    import subprocess
    import sys

    url = migrated_sqlite(tmp_path / "app.db")
    catalogue, _ = load_catalogue(ROOT / "faq" / "content")
    content = catalogue_content(catalogue)
    content["faqs"][0]["category"] = "../../escaped"
    FaqStore(url).record_publication("editor", content, files_hash=None, detail="web")
    files = tmp_path / "faq" / "content"
    shutil.copytree(ROOT / "faq" / "content", files)
    before = {p.name: p.read_bytes() for p in files.iterdir()}
    env = {**os.environ, "DATABASE_URL": url, "KEFU_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run([sys.executable, "-m", "faq", "export", "--content", str(files)], cwd=ROOT, env=env,
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "'../../escaped'" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "escaped.yml").exists()
    assert {p.name: p.read_bytes() for p in files.iterdir()} == before
