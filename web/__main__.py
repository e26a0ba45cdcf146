"""``python -m web``: serves the web app on WEB_PORT (default 8000)."""

from __future__ import annotations

import logging
import os

from kefu import logs
from kefu.startup import settings_or_exit
from shop.adapter import adapter_class
from web.app import create_app


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    logs.install()  # personal data masked, secrets redacted in every log line
    settings = settings_or_exit("python -m web", adapter_class)  # a bad key or SHOP_ADAPTER stops it here
    app = create_app(settings)
    app.run(host="0.0.0.0", port=settings.web_port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
