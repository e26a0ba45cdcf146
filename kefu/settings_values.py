"""How :mod:`kefu.settings` reads each kind of value: strict, with an error naming the variable and the fix.

Every function takes the variable's name and its raw text (``None`` when unset or blank) and returns
the typed value or raises :class:`SettingsError`. None of them reads the environment: that happens
in :mod:`kefu.settings` only.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SPAN = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*$")


class SettingsError(ValueError):
    """A setting has a value Kefu cannot use; the message names the variable and the fix."""


def _digits(raw: str) -> bool:
    return raw.isascii() and raw.isdigit()


def port(name: str, raw: str | None, default: int) -> int:
    """A TCP port, 1 to 65535."""
    if raw is None:
        return default
    if not _digits(raw) or not 0 < int(raw) < 65536:
        raise SettingsError(f"{name}={raw!r} is not a TCP port; use a number from 1 to 65535.")
    return int(raw)


def flag(name: str, raw: str | None, default: bool) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (any case); anything else is an error."""
    if raw is None:
        return default
    word = raw.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(f"{name}={raw!r} is not on or off; use one of {', '.join(TRUE_WORDS + FALSE_WORDS)}.")


def _number(raw: str) -> float | None:
    """A plain number: ASCII digits with at most one decimal point (no signs, exponents, ``nan``)."""
    if not raw.isascii() or not raw.replace(".", "", 1).isdigit():
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def rate(name: str, raw: str | None, default: float) -> float:
    """A rate of at least 0 (0 switches the limit off)."""
    if raw is None:
        return default
    value = _number(raw)
    if value is None:
        raise SettingsError(f"{name}={raw!r}: use a number of at least 0 (0 switches the limit off).")
    return value


def seconds(name: str, raw: str | None, default: float, *, high: float, off: str | None = None) -> float:
    """A number of seconds from 0 to ``high`` (decimals allowed); ``off`` says what 0 means."""
    if raw is None:
        return default
    value = _number(raw)
    if value is None or value > high:
        zero = f" ({off})" if off else ""
        raise SettingsError(f"{name}={raw!r}: use a number of seconds from 0{zero} to {high:g}, such as 5 or 0.5.")
    return value


def whole(name: str, raw: str | None, default: int, *, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high`` (ASCII digits only: ``１５`` and ``²`` are refused)."""
    if raw is None:
        return default
    if not _digits(raw) or not low <= int(raw) <= high:
        raise SettingsError(f"{name}={raw!r}: use a whole number from {low} to {high}.")
    return int(raw)


def choice(name: str, raw: str | None, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (any case; returned as spelt in ``choices``)."""
    if raw is None:
        return default
    for option in choices:
        if raw.lower() == option.lower():
            return option
    raise SettingsError(f"{name}={raw!r}: use one of {', '.join(choices)}.")


def database_url(raw: str | None, root: Path, var_dir: Path) -> str:
    """``DATABASE_URL`` as SQLAlchemy 1.4 takes it: ``postgres://`` (Heroku's spelling) becomes
    ``postgresql://``, the contract's relative ``sqlite:///var/...`` is made absolute."""
    url = raw or f"sqlite:///{var_dir / 'app.db'}"
    if url.startswith("sqlite:///var/"):  # relative default spelled in the contract
        url = f"sqlite:///{root / url[len('sqlite:///'):]}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if not url.startswith(("sqlite", "postgresql")):
        raise SettingsError(
            f"DATABASE_URL must be a sqlite:/// or postgresql:// URL, got {url.split(':')[0]}:... "
            "(for example postgresql://kefu:password@db:5432/kefu)."
        )
    return url


def service_hours(name: str, raw: str | None, default: str) -> str:
    """Daily opening hours ``HH:MM-HH:MM`` within one day (closing may be 24:00)."""
    if raw is None:
        return default
    daily_span(name, raw)
    return raw.strip()


def daily_span(name: str, raw: str) -> tuple[int, int]:
    """The opening and the closing of ``HH:MM-HH:MM`` in minutes after midnight (closing may be
    24:00, 1440); :class:`SettingsError` naming ``name`` and the form when it is not one day's span."""
    match = _SPAN.match(raw or "")
    if not match:
        raise SettingsError(f"{name}={raw!r}: use the form 09:00-22:00 (00:00-24:00: always open).")
    oh, om, ch, cm = (int(g) for g in match.groups())
    closes = ch * 60 + cm
    if oh > 23 or om > 59 or cm > 59 or closes > 1440 or closes <= oh * 60 + om:
        raise SettingsError(f"{name}={raw!r}: the opening must come before the closing, within one day; "
                            "use the form 09:00-22:00 (closing may be 24:00).")
    return oh * 60 + om, closes


def time_zone(name: str, raw: str | None, default: str) -> str:
    """An IANA time zone name known to this system."""
    if raw is None:
        return default
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name}={raw!r} is not a known time zone; use an IANA name such as "
                            "Asia/Shanghai or Europe/Berlin.") from None
    return raw


def url(name: str, raw: str | None, default: str | None, *, schemes: tuple[str, ...], example: str) -> str | None:
    """A URL with one of ``schemes`` and a host (or, for ``unix``, a path)."""
    if raw is None:
        return default
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - reading it checks the port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in schemes or not (parts.hostname or (parts.scheme == "unix" and parts.path)):
        raise SettingsError(f"{name}: {_shown(raw)} is not a {' or '.join(s + '://' for s in schemes)} URL; "
                            f"use one such as {example}.")
    return raw


def amqp_url(name: str, raw: str | None) -> str | None:
    """A RabbitMQ URL: ``amqp://`` or ``amqps://``, a host, a port that is a number, and a user
    name and password when either is given (RabbitMQ refuses a login without one); ``None`` when
    unset."""
    example = "amqp://kefu:password@rabbitmq:5672/ (the virtual host after the last slash)"
    checked = url(name, raw, None, schemes=("amqp", "amqps"), example=example)
    if checked is None:
        return None
    parts = urlsplit(checked)
    if (parts.username is None) != (parts.password is None) or parts.username == "":
        raise SettingsError(f"{name}: {_shown(checked)} names a user without a password (or a password without "
                            f"a user); give both, as in {example}, or neither (RabbitMQ's guest account).")
    return checked


_AMQP_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")


def amqp_names(name: str, raw: str | None, default: tuple[str, ...], *, single: bool = False) -> tuple[str, ...]:
    """RabbitMQ exchange or queue names: letters, digits, ``_ . : -``; comma-separated unless ``single``."""
    if raw is None:
        return default
    items = [raw.strip()] if single else [part.strip() for part in raw.split(",") if part.strip()]
    if not items or not all(_AMQP_NAME.match(item) for item in items) or (single and "," in raw):
        what = "one name" if single else "names separated by commas"
        raise SettingsError(f"{name}={raw!r}: use {what} of letters, digits and _ . : - (such as "
                            f"{', '.join(default)}).")
    return tuple(dict.fromkeys(items))


def _shown(raw: str) -> str:
    """A URL for an error message, without a password it may hold."""
    head, at, tail = raw.rpartition("@")
    return repr(f"{head.split('//')[0]}//<credentials>@{tail}" if at and "//" in head else raw)


def server_urls(name: str, raw: str | None) -> tuple[str, ...]:
    """Comma-separated ``http(s)://host[:port]`` base URLs, without a trailing slash; () when unset."""
    if raw is None:
        return ()
    urls = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            parts = urlsplit(item)
            parts.port  # noqa: B018 - reading it checks the port
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
                or parts.fragment or parts.username or parts.password:
            raise SettingsError(f"{name}: {_shown(item)} is not a server address; list the servers as "
                                "http://host:port separated by commas, such as http://rasa1:5005,http://rasa2:5005.")
        urls.append(item.rstrip("/"))
    if not urls:
        raise SettingsError(f"{name}={raw!r} lists no server; list them as http://host:port separated by commas, "
                            "or leave it unset.")
    return tuple(dict.fromkeys(urls))


_CLASS_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def class_path(name: str, value: str, default: str) -> str:
    """A class named ``package.module:Class`` (whether it imports is checked by its user at start)."""
    if not _CLASS_PATH.match(value):
        raise SettingsError(f"{name}={value!r} is not module:Class; write it like {default} "
                            "(a dotted module path, a colon, the class name).")
    return value
