"""The README's first chat works as written: its REST examples run against the real stack.

A ```bash``` block right after the line ``<!-- tested: tests/conversations/test_docs_examples.py -->``
is run command by command with the stack's ports and var/ put in (``localhost:5005`` → the Rasa
server, ``localhost:8000`` → the web app, ``var/`` → the stack's). The comment lines after a
command are the answer it must give: the answer (JSON, re-printed compactly with Chinese as
characters) must hold each piece of the comment between ``...`` in that order, exactly as
written; so
``# [{"recipient_id":"shopper-1","text":"中国大陆订单实付满99元免运费，..."}]`` means the reply
starts with that sentence. The banner that ``make run`` prints is compared with the README's too.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.stack

MARK = "<!-- tested: tests/conversations/test_docs_examples.py -->"
README = ROOT / "README.md"


def fenced_blocks(text: str) -> list[tuple[str, str, str]]:
    """(line before the fence, language, content) of every fenced block of a Markdown text."""
    blocks, lines, before, language, inside = [], text.splitlines(), "", "", None
    for number, line in enumerate(lines):
        if line.startswith("```"):
            if inside is None:
                before = next((lines[i] for i in range(number - 1, -1, -1) if lines[i].strip()), "")
                language, inside = line[3:].strip(), []
            else:
                blocks.append((before, language, "\n".join(inside) + "\n"))
                inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


def marked_blocks(text: str) -> list[str]:
    """The ```bash``` blocks that directly follow the mark."""
    return [content for before, language, content in fenced_blocks(text)
            if before.strip() == MARK and language == "bash"]


def examples(block: str) -> list[tuple[str, str]]:
    """(command, expected answer) pairs: a command (continued lines joined) and its comment lines."""
    pairs: list[list[str]] = []
    continued = False
    for line in block.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#") and pairs and not continued:
            pairs[-1][1] += stripped[1:].strip()
        elif continued:
            pairs[-1][0] += "\n" + line
        else:
            pairs.append([line, ""])
        continued = line.endswith("\\")
    return [(command, expected) for command, expected in pairs]


def for_stack(command: str, stack) -> str:
    command = command.replace("localhost:5005", f"127.0.0.1:{stack.bot_port}")
    command = command.replace("localhost:8000", f"127.0.0.1:{stack.web_port}")
    return re.sub(r"(?<![\w/.])var/", f"{stack.var_dir}/", command)


def compact(output: str) -> str:
    """Curl's output as one line of JSON with characters instead of \\u escapes (else as printed)."""
    try:
        return json.dumps(json.loads(output), ensure_ascii=False, separators=(",", ":"))
    except ValueError:
        return output.strip()


def holds(answer: str, expected: str) -> bool:
    """Whether ``answer`` holds the pieces of ``expected`` between '...' (or '…'), in order."""
    position = 0
    for piece in re.split(r"\.\.\.|…", expected):
        piece = piece.strip()
        if not piece:
            continue
        found = answer.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def test_the_expectations_are_read_as_meant():
    block = ('curl -s localhost:5005/x -d \'{"a": 1}\'\n# [{"text":"99元免运费，...\n# ..."}]\n'
             "curl -s localhost:5005/y \\\n  -d '{}'\n# ok\n")
    assert examples(block) == [("curl -s localhost:5005/x -d '{\"a\": 1}'", '[{"text":"99元免运费，......"}]'),
                               ("curl -s localhost:5005/y \\\n  -d '{}'", "ok")]
    assert holds('[{"recipient_id":"a","text":"满99元免运费，不满"}]', '[{"recipient_id":"a","text":"满99元...')
    assert not holds('[{"text":"满98元"}]', '[{"text":"满99元...')
    assert not holds('[{"text":"b"}]', "...b...a...")


def readme_examples() -> list[tuple[str, str]]:
    return [pair for block in marked_blocks(README.read_text(encoding="utf-8")) for pair in examples(block)]


def test_the_readme_marks_its_first_chat():
    pairs = readme_examples()
    assert len(pairs) >= 4, f"README.md: mark the first chat's ```bash``` block with {MARK}"
    unchecked = [command for command, expected in pairs if not expected]
    assert not unchecked, f"examples without the answer they must give (a comment line after them): {unchecked}"


@pytest.mark.parametrize("number", range(len(readme_examples())))
def test_readme_example_answers_as_the_readme_says(stack, number):
    command, expected = readme_examples()[number]
    run = subprocess.run(["bash", "-c", for_stack(command, stack)], capture_output=True, text=True, timeout=60,
                         check=False, cwd=stack.var_dir.parent)
    assert run.returncode == 0, (command, run.stderr)
    answer = compact(run.stdout)
    assert holds(answer, expected), f"README.md: {command}\n  says: {expected}\n  gave: {answer}"


def banner(text: str) -> set[str]:
    """The lines from 'Kefu is running.' on, with ports, generated secrets and the duty status left out."""
    lines = text[text.index("Kefu is running."):].split("\n\n", 1)[0].splitlines()
    result = set()
    for line in lines:
        line = re.sub(r"localhost:\d+", "localhost:PORT", line.rstrip())
        if re.search(r"API token|login", line):
            line = line.rsplit(" ", 1)[0]
        if "Agents (human handoff)" in line:  # the duty status depends on the hour (tests/unit/bot/stack/test_banner.py)
            line = "  Agents (human handoff)"
        if line.strip().startswith("hours ") and "(HANDOFF_SERVICE_HOURS)" in line:
            continue  # the hours line, shown outside 00:00-24:00 only
        result.add(line)
    return result


def test_the_readme_shows_the_banner_make_run_prints(stack):
    readme = README.read_text(encoding="utf-8")
    block = next(content for _, _, content in fenced_blocks(readme) if "Kefu is running." in content)
    assert banner(block) == banner(stack.log())
