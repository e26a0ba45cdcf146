"""The launcher makes ``var/`` private: what it holds (databases, secrets, logs) is readable by
its owner only, whatever the permissions it was left with."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from bot.stack.launcher import make_private
from tests.stack import ROOT


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_var_and_everything_in_it_lose_group_and_other_permissions(tmp_path):
    var = tmp_path / "var"
    (var / "models").mkdir(parents=True)
    files = {var / "app.db": 0o644, var / "app.db-wal": 0o666, var / "secret_key": 0o640,
             var / "stack.log": 0o644, var / "models" / "kefu-1.tar.gz": 0o644, var / "run.sh": 0o755}
    for path, bits in files.items():
        path.write_text("x")
        os.chmod(path, bits)
    os.chmod(var, 0o755)
    os.chmod(var / "models", 0o775)
    outside = tmp_path / "shared.txt"
    outside.write_text("not ours")
    os.chmod(outside, 0o644)
    (var / "link").symlink_to(outside)

    make_private(var)

    assert mode(var) == 0o700 and mode(var / "models") == 0o700
    assert {path.name: mode(path) for path in files} == {
        "app.db": 0o600, "app.db-wal": 0o600, "secret_key": 0o600, "stack.log": 0o600,
        "kefu-1.tar.gz": 0o600, "run.sh": 0o700}
    assert mode(outside) == 0o644  # a link is not followed


def test_a_missing_var_is_created_private(tmp_path):
    make_private(tmp_path / "new" / "var")
    assert mode(tmp_path / "new" / "var") & 0o077 == 0


def test_the_launcher_creates_var_and_its_secrets_for_the_owner_only(tmp_path, trained_model):
    """``python -m bot train`` (the model exists: nothing is trained) under a permissive umask."""
    var = tmp_path / "var"
    env = {key: value for key, value in os.environ.items() if key not in ("BOT_API_TOKEN", "KEFU_SECRET_KEY")}
    subprocess.run(["sh", "-c", f"umask 022 && exec {sys.executable} -m bot train"], cwd=ROOT, check=True,
                   env={**env, "KEFU_VAR_DIR": str(var)}, timeout=300, capture_output=True)
    assert mode(var) == 0o700
    assert {p.name: mode(p) for p in var.iterdir()} == {"bot_api_token": 0o600, "secret_key": 0o600}
