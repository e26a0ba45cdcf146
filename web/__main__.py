"""``python -m web``: serves the web app on WEB_PORT (default 8000)."""

from __future__ import annotations

import logging
import os
import sys

from kefu import logs
from kefu.settings import SettingsError, load_settings
from web.app import create_app


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    logs.install()  # personal data masked, secrets redacted in every log line
    try:
        settings = load_settings()
    except SettingsError as error:  # a sentence for the operator, not a traceback
        print(f"web: {error}", file=sys.stderr)
        sys.exit(2)
    app = create_app(settings)
    app.run(host="0.0.0.0", port=settings.web_port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
