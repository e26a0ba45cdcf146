"""The warnings third-party code is known to emit in Kefu's processes and tests, each ignored by its
exact message, so that any other warning — a new deprecation in Rasa, Sanic, SQLAlchemy — shows.

Collected 2026-12-06 with ``-W default`` over ``tests/unit`` and stack tests, a ``rasa train`` and a
stack's processes. Nothing is ignored by its category alone. The same list is applied three ways:

* in each Kefu process, by :func:`install` (``kefu.logs.install`` calls it): after Sanic is
  imported, whose import makes every ``DeprecationWarning`` show once process-wide;
* to the ``rasa train`` subprocesses and the launcher's children, as ``PYTHONWARNINGS``
  (:func:`pythonwarnings`; that syntax takes no colon or comma, and matches the start of a
  message, so a message is matched up to its first colon, comma or line break);
* in the test suite, as ``pyproject.toml``'s ``filterwarnings`` (:func:`pytest_filters`; checked
  equal by ``tests/unit/kefu/test_known_warnings.py``), and by ``tests/conftest.py`` calling
  :func:`install` before anything is collected.

A warning emitted on purpose by a test is filtered in that test instead.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownWarning:
    """One warning: its category (a built-in base of the real one), its exact message, and the
    module it is attributed to (``None``: several modules trigger it).

    A warning of the compiler (``compiled``: an invalid escape in a dependency's source) is
    attributed to its file's path without ``.py``, not to a module name; ``PYTHONWARNINGS``, which
    takes exact module names only, matches it by message alone."""

    category: type[Warning]
    message: str
    module: str | None
    why: str
    compiled: bool = False

    @property
    def text(self) -> str:
        """The message up to its first colon, comma or line break (all of it when it has none)."""
        return re.split(r"[:,\n]", self.message, maxsplit=1)[0]

    @property
    def whole(self) -> bool:
        return self.text == self.message

    def regex(self) -> str:
        """A regular expression for the message: exact, or its start when it was cut."""
        return _escape(self.text) + (r"\Z" if self.whole else "")


    def module_regex(self, end: str = r"\Z") -> str:
        """A regular expression for the module (the empty one, any module, when there is none)."""
        if not self.module:
            return ""
        if self.compiled:  # .../site-packages/jieba/__init__ for jieba
            return r"(.*/)?" + "[./]".join(_escape(part) for part in self.module.split(".")) + "(/__init__)?" + end
        return _escape(self.module) + end


def _escape(text: str) -> str:
    """``text`` as a regular expression matching itself (only the characters that need it escaped)."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)


_NAMESPACE = ("Implementing implicit namespace packages (as specified in PEP 420) is preferred to "
              "`pkg_resources.declare_namespace`. See "
              "https://setuptools.pypa.io/en/latest/references/keywords.html#keyword-namespace-packages")

KNOWN: tuple[KnownWarning, ...] = (
    KnownWarning(DeprecationWarning, "pkg_resources is deprecated as an API. See "
                 "https://setuptools.pypa.io/en/latest/pkg_resources.html", None,
                 "apscheduler and Rasa's validation import pkg_resources"),
    KnownWarning(DeprecationWarning, f"Deprecated call to `pkg_resources.declare_namespace('ruamel')`.\n{_NAMESPACE}",
                 "pkg_resources", "ruamel.yaml's namespace package"),
    KnownWarning(DeprecationWarning,
                 f"Deprecated call to `pkg_resources.declare_namespace('mpl_toolkits')`.\n{_NAMESPACE}",
                 "pkg_resources", "matplotlib's namespace package"),
    KnownWarning(DeprecationWarning, "'setParseAction' deprecated - use 'set_parse_action'",
                 "matplotlib.fontconfig_pattern", "matplotlib 3.5 on pyparsing 3 (PyparsingDeprecationWarning)"),
    KnownWarning(DeprecationWarning, "'parseString' deprecated - use 'parse_string'",
                 "matplotlib.fontconfig_pattern", "matplotlib 3.5 on pyparsing 3"),
    KnownWarning(DeprecationWarning, "'resetCache' deprecated - use 'reset_cache'",
                 "matplotlib.fontconfig_pattern", "matplotlib 3.5 on pyparsing 3"),
    KnownWarning(DeprecationWarning, "invalid escape sequence '\\.'", "jieba",
                 "jieba's regexes, when its source is compiled", compiled=True),
    KnownWarning(DeprecationWarning, "invalid escape sequence '\\s'", "jieba", "jieba's regexes", compiled=True),
    KnownWarning(DeprecationWarning, "invalid escape sequence '\\.'", "jieba.finalseg", "jieba's regexes",
                 compiled=True),
    KnownWarning(DeprecationWarning, "jax.xla_computation is deprecated. Please use the AOT APIs.",
                 "tensorflow.lite.python.util", "TensorFlow 2.12 on the installed jax"),
    KnownWarning(DeprecationWarning, "distutils Version classes are deprecated. Use packaging.version instead.",
                 "sanic_cors.extension", "Sanic-CORS (Rasa's and rasa-sdk's servers)"),
    KnownWarning(DeprecationWarning, "the load_module() method is deprecated and slated for removal in Python "
                 "3.12; use exec_module() instead", "importlib._bootstrap", "an old-style import hook of a dependency"),
    KnownWarning(DeprecationWarning, "Calling URL() directly is deprecated and will be disabled in a future "
                 "release.  The public constructor for URL is now the URL.create() method.",
                 "rasa.core.tracker_store", "Rasa's SQLTrackerStore on SQLAlchemy 1.4 (SADeprecationWarning)"),
    KnownWarning(UserWarning, "Slot auto-fill has been removed in 3.0 and replaced with a new explicit mechanism "
                 "to set slots. Please refer to https://rasa.com/docs/rasa/domain#slots to learn more.",
                 "rasa.shared.core.slot_mappings", "Rasa 3.6 says it for every domain with slots"),
)


def install() -> None:
    """Ignores the :data:`KNOWN` warnings in this process (idempotent)."""
    import sanic.app  # noqa: F401 - its import puts "every DeprecationWarning once" before ours

    for known in KNOWN:
        warnings.filterwarnings("ignore", message=known.regex(), category=known.category,
                                module=known.module_regex())


def pythonwarnings() -> str:
    """:data:`KNOWN` as a ``PYTHONWARNINGS`` value (for processes that do not call :func:`install`)."""
    return ",".join(f"ignore:{known.text}:{known.category.__name__}:{'' if known.compiled else known.module or ''}"
                    for known in KNOWN)


def pytest_filters() -> list[str]:
    """:data:`KNOWN` as ``pyproject.toml`` ``filterwarnings`` entries (regular expressions)."""
    return [f"ignore:{known.regex()}:{known.category.__name__}:{known.module_regex('$')}" for known in KNOWN]
