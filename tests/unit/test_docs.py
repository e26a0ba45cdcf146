"""The docs stay true to the repository: README.md and docs/**/*.md are checked as data, no stack.

* every relative link resolves to a file of the repository (and to a heading, for ``#anchor``);
  nothing points outside the repository;
* every path of the repository named in code spans (``bot/channels/rest.py``) exists;
* the environment variables Kefu reads (found in the source, not listed by hand) are exactly the
  ones docs/operators/configuration.md documents, so neither can drift from the other;
* every JSON body of a curl example in a ```bash``` block parses;
* every ``make <target>`` has a rule in the Makefile, every ``python -m <module>`` exists.

The REST examples themselves are run against a real stack by
tests/conversations/test_docs_examples.py.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = ROOT / "docs" / "operators" / "configuration.md"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# -- Markdown as data ------------------------------------------------------------------------

FENCE = re.compile(r"^[ \t]*(```+|~~~+)[ \t]*([\w+-]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.DOTALL | re.MULTILINE)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)


def code_blocks(text: str, *languages: str) -> list[str]:
    """The fenced blocks of ``text`` (those of the given languages, if any are given)."""
    return [m.group(3) for m in FENCE.finditer(text) if not languages or m.group(2) in languages]


def prose(text: str) -> str:
    """``text`` without its fenced blocks (so that links and spans inside them are not read)."""
    return FENCE.sub("", text)


def code_spans(text: str) -> list[str]:
    """Inline code of the prose, and every line of the fenced blocks."""
    spans = [m.group(2) for m in INLINE_CODE.finditer(prose(text))]
    for block in code_blocks(text):
        spans.extend(block.splitlines())
    return spans


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → hyphens."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for line in prose(path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def links(text: str) -> list[str]:
    return [m.group(1) for m in LINK.finditer(prose(text))]


def test_docs_by_reader_exist():
    for name in ("README.md", "docs/README.md", "docs/operators/install-and-run.md",
                 "docs/operators/configuration.md", "docs/operators/deploy.md",
                 "docs/operators/scaling-and-faults.md", "docs/operators/channels.md",
                 "docs/operators/benchmarks.md", "docs/operators/security.md",
                 "docs/developers/architecture.md", "docs/developers/extending.md",
                 "docs/developers/testing.md"):
        assert (ROOT / name).is_file(), f"{name} is missing"
    for reader in ("editors", "agents", "developers", "operators"):
        assert list((ROOT / "docs" / reader).glob("*.md")), f"docs/{reader}/ has no page"


def test_the_docs_index_lists_every_page():
    """docs/README.md is where a reader finds a page: each page under docs/ is linked from it."""
    index = ROOT / "docs" / "README.md"
    listed = {(index.parent / target.split("#")[0]).resolve()
              for target in links(index.read_text(encoding="utf-8")) if target.endswith(".md") or ".md#" in target}
    missing = [rel(page) for page in sorted((ROOT / "docs").rglob("*.md")) if page != index and page not in listed]
    assert not missing, f"docs/README.md does not list {', '.join(missing)}"


def test_readme_is_short():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= 320, f"README.md has {lines} lines; move details to the page of their reader in docs/"


#: a screen: what a newcomer reads before the first chat (issue 22, last paragraph)
SCREEN = 50


def test_the_first_chat_is_within_a_screen_of_the_readme_top():
    """``make run`` and the first REST message (a tested example) within the first screen."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    first_run = next(i for i, line in enumerate(lines) if line.startswith("make run"))
    first_message = next(i for i, line in enumerate(lines) if "/webhooks/rest/webhook -d" in line)
    assert first_run < first_message < SCREEN, (first_run + 1, first_message + 1)
    assert lines[first_message - 2].strip() == "<!-- tested: tests/conversations/test_docs_examples.py -->"
    assert "http://localhost:8000/" in "\n".join(lines[:first_message])  # the storefront's widget, too


@pytest.mark.parametrize("page", doc_files(), ids=rel)
def test_relative_links_resolve(page: Path):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in links(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
        elif not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with anchor #{anchor} in {rel(linked)}")
    assert not broken, f"{rel(page)}: " + "; ".join(broken)


@pytest.mark.parametrize("page", doc_files(), ids=rel)
def test_nothing_points_outside_the_repository(page: Path):
    text = page.read_text(encoding="utf-8")
    outside = sorted({m.group(0) for m in re.finditer(r"(?<![\w.])(?:\.\./)+[\w./-]*|(?<![\w.])/work/[\w./-]*", text)
                      if m.group(0).startswith("/") or not (page.parent / m.group(0)).resolve().is_relative_to(ROOT)})
    assert not outside, f"{rel(page)} points outside the repository: {outside}"


#: Folders whose paths a page may name; anything written at run time (var/, results/, models/) is not checked.
TOP_LEVEL = ("actions", "analytics", "bench", "bot", "data", "deploy", "docs", "faq", "handoff", "kefu",
             "migrations", "scripts", "shop", "tests", "web")
REPO_PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(TOP_LEVEL)})/[\w./-]*(?:\.\w+|/))(?![\w/-])")
#: Files a reader makes from a committed example.
MADE_BY_THE_READER = {"deploy/.env"}


@pytest.mark.parametrize("page", doc_files(), ids=rel)
def test_paths_named_in_code_exist(page: Path):
    missing = set()
    for span in code_spans(page.read_text(encoding="utf-8")):
        for match in REPO_PATH.finditer(span):
            path = match.group(1)
            if any(c in span[match.start():match.end() + 1] for c in "<*{"):
                continue  # a pattern (faq/content/<category>.yml), not a file
            if not (ROOT / path).exists() and path not in MADE_BY_THE_READER:
                missing.add(path)
    assert not missing, f"{rel(page)} names files that do not exist: {sorted(missing)}"


# -- commands ---------------------------------------------------------------------------------

def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {name for line in text.splitlines() if (m := re.match(r"^([\w.-]+(?:\s+[\w.-]+)*)\s*:(?!=)", line))
            for name in m.group(1).split()}


MAKE = re.compile(r"(?:^|[\s;&|(`$])make\s+((?:[A-Z_]+=\S*\s+|-\S+\s+)*)([a-z][\w-]*)")
PYTHON_M = re.compile(r"python(?:3(?:\.\d+)?)?\s+-m\s+([\w.]+)")


def commands(page: Path, pattern: re.Pattern, group: int) -> set[str]:
    spans = [span.split(" #")[0] for span in code_spans(page.read_text(encoding="utf-8"))]  # not the comments
    return {m.group(group) for span in spans for m in pattern.finditer(span)}


@pytest.mark.parametrize("page", doc_files(), ids=rel)
def test_make_targets_exist(page: Path):
    unknown = commands(page, MAKE, 2) - make_targets()
    assert not unknown, f"{rel(page)} mentions make targets the Makefile lacks: {sorted(unknown)}"


def module_exists(name: str) -> bool:
    """``python -m name`` would find something to run (the project's own modules by their files)."""
    path = ROOT.joinpath(*name.split("."))
    if (ROOT / name.split(".")[0]).exists():
        return path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()
    spec = importlib.util.find_spec(name)
    return spec is not None and (spec.submodule_search_locations is None
                                 or importlib.util.find_spec(f"{name}.__main__") is not None)


@pytest.mark.parametrize("page", doc_files(), ids=rel)
def test_python_modules_exist(page: Path):
    unknown = {name for name in commands(page, PYTHON_M, 1) if not module_exists(name)}
    assert not unknown, f"{rel(page)} runs modules that do not exist: {sorted(unknown)}"


def curl_bodies(block: str) -> list[str]:
    """The ``-d``/``--data`` arguments of the curl commands of a shell block."""
    lexer = shlex.shlex(block.replace("\\\n", " "), posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    words, bodies, in_curl = list(lexer), [], False
    for word, following in zip(words, words[1:] + [""]):
        if word in (";", "&&", "||", "|", "(", ")", "$("):
            in_curl = False
        elif word == "curl" or word.endswith("(curl"):
            in_curl = True
        elif in_curl and word in ("-d", "--data", "--data-raw", "--data-binary"):
            bodies.append(following)
    return bodies


def test_curl_bodies_are_found():
    block = "curl -s x -H 'A: b' -d '{\"a\": 1}'  # one\ncurl -s y \\\n  -d '[1,\n 2]' | jq .\n"
    assert curl_bodies(block) == ['{"a": 1}', "[1,\n 2]"]


@pytest.mark.parametrize("page", doc_files(), ids=rel)
def test_curl_json_bodies_parse(page: Path):
    import json

    bad = []
    for block in code_blocks(page.read_text(encoding="utf-8"), "bash", "sh", "shell"):
        for body in curl_bodies(block):
            if body.lstrip().startswith(("{", "[")):
                try:
                    json.loads(body)
                except ValueError as error:
                    bad.append(f"{body[:60]!r}: {error}")
    assert not bad, f"{rel(page)}: curl bodies that are not JSON: {bad}"


# -- environment variables ----------------------------------------------------------------------

ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*[A-Z0-9]$")
SKIP_DIRS = {".venv", ".venv-audit", ".venv-tools", "models", "var", "results", "node_modules", ".git"}

#: Read by the project's code, but not settings: the parent process sets them for its child.
INTERNAL = {
    "KEFU_LOAD_PORTS": "bench/load/__main__.py hands locust its ports",
    "KEFU_LOAD_OUT": "bench/load/__main__.py hands locust its result file",
    "KEFU_LOAD_THINK": "bench/load/__main__.py hands locust the --think pause",
    "KEFU_LOAD_STICKY": "bench/load/__main__.py hands locust --sticky (a conversation stays on one replica)",
}

#: Settings of the libraries Kefu runs on that its deployment files and docs rely on.
LIBRARY_READS = {
    "TICKET_LOCK_LIFETIME": ("rasa/core/lock_store.py", '"TICKET_LOCK_LIFETIME"'),
    "SANIC_HOST": ("rasa_sdk/endpoint.py", '"SANIC_HOST"'),
    "SANIC_PROXIES_COUNT": ("sanic/config.py", '"PROXIES_COUNT"'),  # any SANIC_<KEY> sets config KEY
}


def python_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts)]


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ"
            and isinstance(node.value, ast.Name) and node.value.id == "os")


def _env_key(node: ast.AST, helpers: set[str]) -> ast.AST | None:
    """The key expression when ``node`` reads one environment variable, else None."""
    if isinstance(node, ast.Call):
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)) or (
                isinstance(func, ast.Attribute) and func.attr == "getenv"
                and isinstance(func.value, ast.Name) and func.value.id == "os") or (
                isinstance(func, ast.Name) and func.id in helpers):
            return node.args[0] if node.args else None
    if isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
        return node.slice
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In) \
            and _is_environ(node.comparators[0]):
        return node.left
    return None


@dataclass
class EnvReads:
    names: dict[str, set[str]]  # variable → the files reading it
    patterns: dict[str, str]  # regex of an f-string key → where
    unresolved: list[str]  # where a key could not be worked out


def _helpers(trees: dict[Path, ast.Module]) -> set[str]:
    """Functions that read the variable named by their first parameter (``_env``, ``_port`` ...)."""
    helpers: set[str] = set()
    while True:
        found = set(helpers)
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.args.args:
                    first = node.args.args[0].arg
                    for inner in ast.walk(node):
                        key = _env_key(inner, helpers)
                        if isinstance(key, ast.Name) and key.id == first:
                            found.add(node.name)
        if found == helpers:
            return helpers
        helpers = found


def _constants(node: ast.AST, module: ast.Module, position: int | None) -> list[str] | None:
    """String constants an iterable of the module holds (element ``position`` of its tuples)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "keys"):
        node, position = node.func.value, (0 if node.func.attr == "items" else None)
    if isinstance(node, ast.Name):
        for statement in module.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else (
                [statement.target] if isinstance(statement, ast.AnnAssign) else [])
            if any(isinstance(t, ast.Name) and t.id == node.id for t in targets):
                node = statement.value
                break
        else:
            return None
    if isinstance(node, ast.Dict):
        elements = [ast.Tuple(elts=[k, v]) for k, v in zip(node.keys, node.values)]
        position = 0 if position is None else position
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        elements = list(node.elts)
    else:
        return None
    values = []
    for element in elements:
        if position is not None:
            if not isinstance(element, ast.Tuple) or len(element.elts) <= position:
                return None
            element = element.elts[position]
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            return None
        values.append(element.value)
    return values


def _loop_values(tree: ast.Module, key: ast.Name, read: ast.AST) -> list[str] | None:
    """Values of a loop variable ``key`` (``for name in NAMES`` / comprehensions) around ``read``."""
    for node in ast.walk(tree):
        loops = []
        if isinstance(node, (ast.For, ast.AsyncFor)):
            loops = [(node.target, node.iter, node)]
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            loops = [(g.target, g.iter, node) for g in node.generators]
        for target, iterable, scope in loops:
            if read not in list(ast.walk(scope)):
                continue
            if isinstance(target, ast.Name) and target.id == key.id:
                values = _constants(iterable, tree, None)
            elif isinstance(target, ast.Tuple):
                names = [t.id if isinstance(t, ast.Name) else None for t in target.elts]
                if key.id not in names:
                    continue
                values = _constants(iterable, tree, names.index(key.id))
            else:
                continue
            if values is not None:
                return values
    return None


def _pattern(key: ast.JoinedStr) -> str:
    """A regex of the names an f-string key can make (``f"DEMO_{user}_PASSWORD"``)."""
    return "".join(re.escape(v.value) if isinstance(v, ast.Constant) else "[A-Z0-9_]+" for v in key.values)


def _assigned(tree: ast.Module, name: str) -> list[ast.AST] | None:
    """The values assigned to ``name`` in the module, when every one is a string or an f-string."""
    values = [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)]
    if values and all(isinstance(v, ast.JoinedStr) or (isinstance(v, ast.Constant) and isinstance(v.value, str))
                      for v in values):
        return values
    return None


@functools.lru_cache(maxsize=1)
def _project_trees() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in python_files()}


def python_env_reads(files: list[Path] | None = None) -> EnvReads:
    """Every environment variable the project's Python code reads, found in its syntax trees."""
    if files is None:
        return _project_env_reads()
    return _env_reads({p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in files})


@functools.lru_cache(maxsize=1)
def _project_env_reads() -> EnvReads:
    return _env_reads(_project_trees())


def _env_reads(trees: dict[Path, ast.Module]) -> EnvReads:
    helpers = _helpers(trees)
    reads = EnvReads({}, {}, [])
    for path, tree in trees.items():
        where = rel(path) if path.is_relative_to(ROOT) else str(path)
        parameters = {a.arg for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name in helpers
                      for a in f.args.args[:1]}
        for node in ast.walk(tree):
            key = _env_key(node, helpers)
            if key is None:
                continue
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                reads.names.setdefault(key.value, set()).add(where)
            elif isinstance(key, ast.JoinedStr):
                reads.patterns[_pattern(key)] = f"{where}:{node.lineno}"
            elif isinstance(key, ast.Name) and (values := _loop_values(tree, key, node)) is not None:
                for value in values:
                    reads.names.setdefault(value, set()).add(where)
            elif isinstance(key, ast.Name) and (assigned := _assigned(tree, key.id)):
                for value in assigned:
                    if isinstance(value, ast.Constant):
                        reads.names.setdefault(value.value, set()).add(where)
                    else:
                        reads.patterns[_pattern(value)] = f"{where}:{node.lineno}"
            elif not (isinstance(key, ast.Name) and key.id in parameters):
                reads.unresolved.append(f"{where}:{node.lineno}")
    return reads


SHELL_READ = re.compile(r"\$\$?\{([A-Z][A-Z0-9_]*)")


def other_env_reads() -> dict[str, set[str]]:
    """Variables the shell scripts, the Makefile and Rasa's endpoint files read (``${NAME...}``)."""
    files = [ROOT / "Makefile", ROOT / "endpoints.yml", ROOT / "credentials.yml", ROOT / "deploy" / "entrypoint.sh",
             *[p for p in (ROOT / "scripts").iterdir() if p.is_file() and p.suffix in ("", ".sh")]]
    reads: dict[str, set[str]] = {}
    for path in files:
        text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))  # comments read nothing
        names = set(SHELL_READ.findall(text))
        if path.name == "Makefile":  # make variables a command line may set: NAME ?= default
            names |= set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*\?=", text, re.MULTILINE))
        for name in names:
            reads.setdefault(name, set()).add(rel(path))
    return reads


def library_reads_hold() -> dict[str, str]:
    """The library settings that the installed libraries really read (name → file)."""
    import site

    found = {}
    for name, (file, needle) in LIBRARY_READS.items():
        for base in site.getsitepackages():
            path = Path(base) / file
            if path.is_file() and needle in path.read_text(encoding="utf-8"):
                found[name] = file
    return found


def documented_variables() -> set[str]:
    """The variables of configuration.md's tables (first column, in backticks)."""
    names = set()
    for line in CONFIGURATION.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not re.match(r"\|\s*-", line):
            first = line.split("|")[1]
            names |= {span for span in re.findall(r"`([^`]+)`", first) if ENV_NAME.match(span)}
    return names


def test_the_environment_finder_sees_every_kind_of_read(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "NAMES = ('A_ONE', 'A_TWO')\n"
        "PAIRS = [('x', 'B_ONE'), ('y', 'B_TWO')]\n"
        "DEFAULTS = {'C_ONE': '1'}\n"
        "def _env(name):\n    return os.environ.get(name, '').strip()\n"
        "def _port(name, default):\n    return int(_env(name) or default)\n"
        "os.environ['D_ONE']; os.getenv('D_TWO'); 'D_THREE' in os.environ; _port('D_FOUR', 1)\n"
        "[os.environ.get(n) for n in NAMES]\n"
        "for _x, variable in PAIRS:\n    os.environ.get(variable)\n"
        "for key, value in DEFAULTS.items():\n    os.environ.get(key)\n"
        "os.environ.get(f'E_{1}_PASSWORD')\n"
        "for user in ('f', 'g'):\n    variable = f'F_{user}_KEY'\n    os.environ.get(variable)\n"
        "def odd(thing):\n    return os.environ.get(thing.name)\n"
    )
    reads = python_env_reads([sample])
    assert set(reads.names) == {"A_ONE", "A_TWO", "B_ONE", "B_TWO", "C_ONE", "D_ONE", "D_TWO", "D_THREE", "D_FOUR"}
    assert sorted(reads.patterns) == ["E_[A-Z0-9_]+_PASSWORD", "F_[A-Z0-9_]+_KEY"]
    assert reads.unresolved == [f"{sample}:20"]


def test_every_environment_read_is_resolved_and_known():
    reads = python_env_reads()
    assert not reads.unresolved, f"environment reads whose variable cannot be worked out: {reads.unresolved}"
    # the finder is not blind: reads of each kind that Kefu has today
    assert {"BOT_PORT", "DEMO_AGENT_PASSWORD", "KEFU_RATE_LOGIN_BURST", "TELEGRAM_WEBHOOK_SECRET",
            "HANDOFF_SERVICE_HOURS", "LOG_LEVEL"} <= set(reads.names)


def test_every_variable_kefu_reads_is_documented():
    reads = python_env_reads()
    code = {name: files for name, files in {**other_env_reads(), **reads.names}.items() if name not in INTERNAL}
    documented = documented_variables()
    missing = {name: sorted(files) for name, files in code.items() if name not in documented}
    assert not missing, f"read but not in docs/operators/configuration.md: {missing}"
    for pattern, where in reads.patterns.items():
        assert any(re.fullmatch(pattern, name) for name in documented), f"{where} reads {pattern}: document it"


def test_every_documented_variable_is_read():
    reads = python_env_reads()
    read = set(reads.names) | set(other_env_reads()) | set(library_reads_hold())
    unread = sorted(documented_variables() - read - set(INTERNAL))
    assert not unread, f"docs/operators/configuration.md documents variables nothing reads: {unread}"
