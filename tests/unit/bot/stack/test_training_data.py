"""A comment inside an ``examples: |`` block is a training example to Rasa: the training data check
refuses it before ``rasa train``, naming file and line (issue 22.8)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bot.stack.training_data import TrainingDataError, check_training_data, comment_lines
from tests.stack import ROOT

BLOCK_WITH_COMMENTS = textwrap.dedent("""\
    version: "3.1"
    nlu:
    # a comment between items is a comment
    - intent: out_of_scope
      examples: |
        - why do cats purr
        # questions about the company rather than an order
          #indented deeper: still inside the block
        - 你们招不招人

    # this one heads the next item: fine
    - intent: greet
      examples: |-
        - 你好
    - intent: goodbye
      examples: | # a comment on the key's line is YAML's
        - 拜拜
        - "#hashtag in quotes is an example the shopper typed"
    """)


def test_comment_lines_inside_a_block_are_named_with_file_and_line(tmp_path):
    path = tmp_path / "data" / "nlu" / "out_of_scope.yml"
    path.parent.mkdir(parents=True)
    path.write_text(BLOCK_WITH_COMMENTS, encoding="utf-8")

    problems = comment_lines(path, "data/nlu/out_of_scope.yml")

    assert [p.split(": ", 1)[0] for p in problems] == ["data/nlu/out_of_scope.yml:7", "data/nlu/out_of_scope.yml:8"]
    assert "questions about the company" in problems[0] and "move it above the '- intent:' line" in problems[0]
    with pytest.raises(TrainingDataError, match=r"data/nlu/out_of_scope.yml:7"):
        check_training_data(tmp_path)


def test_rasa_reads_such_a_line_as_an_example(tmp_path):
    """Why the check exists: Rasa's reader takes the comment as text of the block."""
    from rasa.shared.nlu.training_data.loading import load_data

    path = tmp_path / "nlu.yml"
    path.write_text(BLOCK_WITH_COMMENTS.replace("  #indented deeper: still inside the block\n", ""), encoding="utf-8")
    with pytest.warns(UserWarning, match="questions about the company"):
        load_data(str(path))


def test_the_project_training_data_passes():
    check_training_data(ROOT)


def test_bot_train_refuses_before_training(tmp_path):
    """``python -m bot train`` on a checkout with such a line: exit 1, file and line, nothing trained."""
    home = tmp_path / "home"
    for name in ("config.yml", "domain.yml", "faq"):
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).symlink_to(ROOT / name)
    (home / "data" / "nlu").mkdir(parents=True)
    (home / "data" / "nlu" / "bad.yml").write_text(BLOCK_WITH_COMMENTS, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "train"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "KEFU_HOME": str(home), "KEFU_VAR_DIR": str(tmp_path / "var")},
                            timeout=120, check=False)
    assert result.returncode == 1, result.stderr
    assert "data/nlu/bad.yml:7: a comment inside an 'examples: |' block" in result.stderr
    assert not (home / "models").exists()
