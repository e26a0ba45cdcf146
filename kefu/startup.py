"""The settings check every Kefu process makes before it serves anything.

A process that would fail later on a bad key (a login refused with a 500, customer tokens
silently never accepted) stops at once instead, with the settings' message on stderr and exit
status 2, and no traceback: the web app (``python -m web``), each Rasa server
(``python -m bot.server``), the action server (``python -m bot.action_server``) and the launcher
(``python -m bot run``) all call :func:`check_keys` first. The launcher, the web app and the
action server also check ``SHOP_ADAPTER`` (``shop.adapter.adapter_class``, passed in: the core
imports no other package).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from kefu.settings import Settings, SettingsError, load_settings
from kefu.tokens import customer_tokens


def check_keys(settings: Settings) -> None:
    """The master key is there and long enough; the customer-token key (the shop's public key,
    the shared secret or the sub-key) is usable.

    Raises:
        SettingsError: naming the variable and the fix.
    """
    settings.secret_key  # noqa: B018 - reading it checks its length
    customer_tokens(settings)


def settings_or_exit(process: str, *checks: Callable[[Settings], object]) -> Settings:
    """The checked settings of a starting process; on a settings error, its message and exit 2.

    Args:
        checks: more checks of the settings that raise :class:`SettingsError`, from the packages
            the process composes (``shop.adapter.adapter_class``: ``SHOP_ADAPTER``).
    """
    try:
        settings = load_settings()
        check_keys(settings)
        for check in checks:
            check(settings)
    except SettingsError as error:
        exit_with(process, error)
    return settings


def exit_with(process: str, error: SettingsError) -> None:
    """Ends a starting process over a settings error: one line naming the fix, no traceback."""
    print(f"{process} cannot start: {error}", file=sys.stderr, flush=True)
    raise SystemExit(2) from None
