"""Entry point of one Rasa server process: ``python -m bot.server``.

Same as ``rasa run --enable-api`` with Kefu's files, except that the API token is taken from
the environment (``BOT_API_TOKEN``) rather than the command line, where ``ps`` would show it,
that every call to the action server carries the shared secret (:mod:`bot.action_secret`), and
that request bodies, URLs and API bodies are limited and checked (:mod:`bot.limits`), and that
Kefu's patches of Rasa's internals are installed (:mod:`bot.patches`; it refuses any Rasa but
3.6.21, and ``KEFU_STOCK_RASA=on`` leaves Rasa stock).
Without ``--credentials`` the channels are ``credentials.yml`` plus Telegram/WeChat when their
environment variables are set (written to ``var/credentials.yml``, as the launcher does).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kefu.startup import settings_or_exit


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.server")
    parser.add_argument("--model", required=True, type=Path, help="trained model (.tar.gz)")
    parser.add_argument("--port", type=int, help="port (default: BOT_PORT or 5005)")
    parser.add_argument("--credentials", type=Path,
                        help="channels file (default: credentials.yml + the channels configured by environment)")
    args = parser.parse_args()

    settings = settings_or_exit("python -m bot.server")  # a bad key stops it here, with the fix
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    # Personal data masked and secrets redacted in every record; loggers that print message
    # text or request URLs (httpx: Bot API / WeChat URLs carry tokens) raised to WARNING.
    from kefu import logs

    logs.install(settings.secret_values())

    # The version gate, then every patch of Rasa's internals, in order (bot/patches/; none with
    # KEFU_STOCK_RASA=on). First: the TensorFlow stand-in must be in place before Rasa is imported.
    from bot import patches

    try:
        patches.install(settings, model=args.model)
    except patches.UnsupportedRasa as error:
        print(f"python -m bot.server cannot start: {error}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None

    # Imported here: importing Rasa costs seconds and is only needed once we serve.
    from rasa.core.run import serve_application
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structured logs default to DEBUG outside its CLI: every parse would be printed with
    # the customer's text. They follow LOG_LEVEL like the rest.
    configure_structlog(logging.getLevelName(settings.log_level))

    from bot import action_secret, limits

    def harden(app, _loop) -> None:
        # Errors as JSON, never an HTML page with a stack trace.
        app.config.FALLBACK_ERROR_FORMAT = "json"
        app.config.DEBUG = False
        # Body size (413 beyond KEFU_MAX_REQUEST_BYTES), broken URLs and bad API bodies (400).
        # Sanic reads REQUEST_MAX_SIZE for each new connection, so setting it here, before the
        # server accepts any, takes effect (tests/security/test_limits.py).
        limits.install(app, settings, auth_token=settings.bot_api_token)

    root = settings.root
    credentials = args.credentials
    if credentials is None:
        from bot.channels import write_runtime_credentials

        credentials = write_runtime_credentials(settings, settings.var_dir / "credentials.yml")
    endpoints = AvailableEndpoints.read_endpoints(str(root / "endpoints.yml"))
    action_secret.attach(endpoints, settings.action_secret)  # on every call to the action server
    serve_application(
        server_listeners=[(harden, "before_server_start")],
        model_path=str(args.model),
        port=args.port or settings.bot_port,
        credentials=str(credentials),
        cors="*",
        auth_token=settings.bot_api_token,
        enable_api=True,
        endpoints=endpoints,
    )


if __name__ == "__main__":
    main()
