"""Every attribute of Rasa (and of Kefu's Rasa classes) a patch replaces, with what it replaced.

Patches call :func:`replace` instead of assigning, so that the package knows what it changed:
:func:`replaced` lists it (logged at start, checked by the tests), :func:`original` gives the
replaced value, and :func:`restore` puts everything back (tests that install a patch for one test).
"""

from __future__ import annotations

from typing import Any

_MISSING = object()

#: (owner, name) → the owner's own value before the first replacement (``_MISSING``: inherited)
_originals: dict[tuple[int, str], tuple[Any, str, Any]] = {}


def replace(owner: Any, name: str, value: Any) -> None:
    """Sets ``owner.name`` to ``value``, remembering the owner's own value the first time."""
    key = (id(owner), name)
    if key not in _originals:
        _originals[key] = (owner, name, vars(owner).get(name, _MISSING))
    setattr(owner, name, value)


def is_replaced(owner: Any, name: str) -> bool:
    return (id(owner), name) in _originals


def original(owner: Any, name: str) -> Any:
    """What ``owner.name`` was before :func:`replace` (looked up through the class's bases when
    the owner had no value of its own), or its current value if it was never replaced."""
    entry = _originals.get((id(owner), name))
    if entry is None or entry[2] is _MISSING:
        if entry is not None and isinstance(owner, type):
            for base in owner.__mro__[1:]:
                if name in vars(base):
                    return vars(base)[name]
        return getattr(owner, name)
    return entry[2]


def replaced() -> list[str]:
    """``module.Owner.name`` of every replaced attribute, in the order they were first replaced."""
    result = []
    for owner, name, _value in _originals.values():
        prefix = owner.__name__ if not isinstance(owner, type) else f"{owner.__module__}.{owner.__qualname__}"
        result.append(f"{prefix}.{name}")
    return result


def restore() -> None:
    """Puts back every replaced attribute (the last replaced first)."""
    for owner, name, value in reversed(list(_originals.values())):
        if value is _MISSING:
            if name in vars(owner):
                delattr(owner, name)
        else:
            setattr(owner, name, value)
    _originals.clear()
