"""The one-file widget script served at /widget.js."""

from __future__ import annotations

from web.widget import widget_script


def test_script_bundles_socketio_privately_with_the_default_port():
    script = widget_script(5123)
    assert script.startswith("/*! Kefu chat widget")
    assert "var KEFU_DEFAULT_BOT_PORT = 5123;" in script
    assert "Socket.IO v4.8" in script and "module.exports" in script
    assert "sourceMappingURL" not in script  # the map is not shipped
    widget_code = script.split("var KEFU_DEFAULT_BOT_PORT")[1]
    assert '"data-kefu": "launcher"' in widget_code
    assert "innerHTML" not in widget_code  # text is inserted as text
