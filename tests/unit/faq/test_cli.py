"""``python -m faq import`` and ``export`` as docs/editors/faq-content.md shows them: the files go
into the database, published, and come back out of it without loss."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from faq.codec import catalogue_content
from faq.loader import load_catalogue
from faq.store import FaqStore
from kefu.settings import ROOT


def run_faq(command: str, content, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "KEFU_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run([sys.executable, "-m", "faq", command, "--content", str(content)], cwd=ROOT, env=env,
                          check=False, capture_output=True, text=True, timeout=120)


def test_import_publishes_the_files_and_export_writes_them_back(tmp_path):
    files = tmp_path / "content"
    shutil.copytree(ROOT / "faq" / "content", files)

    imported = run_faq("import", files, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "new, 0 changed, 0 removed) and published them" in imported.stdout
    publication, data = FaqStore(f"sqlite:///{tmp_path / 'app.db'}").live()
    original, _ = load_catalogue(files)
    assert len(data["faqs"]) == len(original.faqs)

    exported_to = tmp_path / "exported"
    exported = run_faq("export", exported_to, tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert f"publication {publication.seq}" in exported.stdout
    again, problems = load_catalogue(exported_to)
    assert not [p for p in problems if p.level == "error"]
    assert catalogue_content(again) == catalogue_content(original)


def test_export_of_an_empty_database_says_so(tmp_path):
    exported = run_faq("export", tmp_path / "exported", tmp_path)
    assert exported.returncode == 1
    assert "no published FAQ content" in exported.stderr
