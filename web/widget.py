"""``GET /widget.js``: the chat widget as one script a shop page includes with one tag.

The script is assembled from ``static/widget/``: socket.io-client's browser bundle (vendored
from npm, see ``web/widget/package.json``) wrapped so that it does not touch the page's own
``window.io``, the widget's CSS, and the widget itself. The default Socket.IO server is the
page's host on ``BOT_PORT``; a ``data-server`` attribute on the tag overrides it (README
"Channels").
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from sanic import Blueprint, response

from kefu.settings import Settings

WIDGET_DIR = Path(__file__).resolve().parent / "static" / "widget"

bp = Blueprint("widget")


@functools.lru_cache(maxsize=4)
def widget_script(bot_port: int) -> str:
    """The whole widget script, for a Rasa server on ``bot_port`` by default."""
    io_bundle = (WIDGET_DIR / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")
    io_bundle = "\n".join(line for line in io_bundle.splitlines() if not line.startswith("//# sourceMappingURL"))
    css = (WIDGET_DIR / "kefu-widget.css").read_text(encoding="utf-8")
    widget = (WIDGET_DIR / "kefu-widget.js").read_text(encoding="utf-8")
    return (
        "/*! Kefu chat widget. Bundles socket.io-client (MIT, see /static/widget/vendor/). */\n"
        "(function () {\n"
        "var KEFU_IO = (function () { var module = { exports: {} }; var exports = module.exports;\n"
        "var define = undefined;\n"
        f"{io_bundle}\n"
        "return module.exports; })();\n"
        f"var KEFU_CSS = {json.dumps(css)};\n"
        f"var KEFU_DEFAULT_BOT_PORT = {int(bot_port)};\n"
        f"{widget}\n"
        "})();\n"
    )


@bp.get("/widget.js")
async def script(request):
    settings: Settings = request.app.ctx.settings
    body = widget_script(settings.bot_port)
    etag = '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:20] + '"'
    if request.headers.get("if-none-match") == etag:
        return response.empty(status=304, headers={"ETag": etag})
    return response.text(body, content_type="application/javascript; charset=utf-8",
                         headers={"ETag": etag, "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})
