"""``python -m bot.action_server <rasa_sdk arguments>``: rasa-sdk's action server, Kefu's way.

Exactly ``python -m rasa_sdk ...``, after the settings check of :mod:`kefu.startup` and
:func:`kefu.logs.install` (personal data masked and secrets redacted in every log line of the
process), and with the shared-secret check (:mod:`bot.action_secret`): only callers sending
``X-Kefu-Action-Secret`` (the Rasa servers) reach the actions.
"""

from __future__ import annotations

import runpy
import sys

from kefu.logs import install
from kefu.startup import settings_or_exit
from shop.adapter import adapter_class


def main() -> None:
    # a bad key or SHOP_ADAPTER stops it here, with the fix
    settings = settings_or_exit("python -m bot.action_server", adapter_class)
    install()
    secret = settings.action_secret
    from rasa_sdk.plugin import plugin_manager

    from bot import action_secret

    plugin_manager().register(action_secret.plugin(secret))
    sys.argv[0] = "rasa_sdk"
    runpy.run_module("rasa_sdk", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
