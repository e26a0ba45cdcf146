"""The version gate: Kefu's patches are written for one Rasa release, and refuse any other.

Each patch replaces a function of Rasa's internals with one that gives the same results (or,
for the faults, a friendlier failure); a new Rasa release may change what the replaced function
did, and a patch would then silently undo the change. So the Rasa server refuses to start on
any Rasa but the pinned one (and any rasa-sdk but the pinned one, which the faults patch runs
in process), saying what is installed, what is needed, and what to do.
"""

from __future__ import annotations

#: The releases the patches are written and tested for (requirements.txt pins the same).
RASA = "3.6.21"
RASA_SDK = "3.6.2"


class UnsupportedRasa(RuntimeError):
    """The installed Rasa (or rasa-sdk) is not the release Kefu's patches are written for."""


def installed_rasa() -> str:
    """The installed Rasa's version (``rasa.version``: importing it loads none of Rasa's engine)."""
    import rasa.version

    return rasa.version.__version__


def installed_rasa_sdk() -> str:
    import rasa_sdk.version

    return rasa_sdk.version.__version__


def _refusal(package: str, installed: str, required: str) -> str:
    return (
        f"{package} {installed} is installed, but Kefu needs {package} {required}: its patches of "
        f"Rasa's internals (bot/patches/) are written and tested for that release. Install the pinned "
        f"versions (make venv, or .venv/bin/pip install -r requirements.txt -c constraints.txt). To move "
        f"Kefu to another release, check every module of bot/patches/ against it and run "
        f"tests/unit/bot/patches/ before changing the pins (requirements.txt, constraints.txt, "
        f"bot/patches/versions.py)."
    )


def check_rasa() -> None:
    """Raises:
        UnsupportedRasa: when the installed Rasa is not :data:`RASA`.
    """
    installed = installed_rasa()
    if installed != RASA:
        raise UnsupportedRasa(_refusal("rasa", installed, RASA))


def check_rasa_sdk() -> None:
    """Raises:
        UnsupportedRasa: when the installed rasa-sdk is not :data:`RASA_SDK`.
    """
    installed = installed_rasa_sdk()
    if installed != RASA_SDK:
        raise UnsupportedRasa(_refusal("rasa-sdk", installed, RASA_SDK))
