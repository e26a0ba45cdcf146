"""The shared secret between the Rasa servers and the action server (docs/operators/security/limits.md).

rasa-sdk's action server runs whatever action a POST to ``/webhook`` names, for whatever tracker
the caller makes up (a forged ``customer_id`` slot included). So:

* Every Rasa server sends ``X-Kefu-Action-Secret: <settings.action_secret>`` with each action
  call: :func:`attach` puts the header on the parsed ``endpoints.yml`` (the ``action_endpoint``'s
  ``headers``), which Rasa merges into every request to the action server. It is set in code,
  not written into ``endpoints.yml`` as ``${KEFU_ACTION_SECRET}``: Rasa would refuse to start
  when that variable is unset, while the secret is usually derived from ``KEFU_SECRET_KEY``
  (``kefu.settings.Settings.action_secret``); this way every way of starting a Rasa server
  (``make run``, compose, Helm, ``python -m bot.server``) sends it, and no file holds it.
* The action server refuses a call without the right header (:func:`plugin`, a rasa-sdk
  plugin): 401 without it, 403 with a wrong one, compared in constant time, decided from the
  request head before the body is read. ``/health`` stays open for health checks.
"""

from __future__ import annotations

import hmac
from typing import Any

HEADER = "X-Kefu-Action-Secret"
OPEN_PATHS = ("/health",)


def attach(endpoints: Any, secret: str) -> None:
    """Adds the secret header to the action endpoint of Rasa's ``AvailableEndpoints``."""
    action = getattr(endpoints, "action", None)
    if action is not None:
        action.headers = {**(action.headers or {}), HEADER: secret}


def refusal(headers: Any, path: str, secret: str) -> tuple[int, str] | None:
    """(status, message) for a call that may not reach the actions, or ``None`` to let it through."""
    if path in OPEN_PATHS:
        return None
    given = headers.get(HEADER.lower()) or ""
    if not given:
        return 401, f"the action server answers the Rasa servers only: send the {HEADER} header"
    if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
        return 403, f"wrong {HEADER}"
    return None


class CallRefused(Exception):
    """Raised before the body is read; answered as JSON by the handler :func:`install_check` adds."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def install_check(app: Any, secret: str) -> None:
    """The secret check on the action server's Sanic app."""
    from sanic import response

    # "http.routing.after" is dispatched once the route is known and before Sanic reads the body
    # (sanic.app.Sanic.handle_request): a stranger's body is never read, let alone run.
    @app.signal("http.routing.after")
    async def check_secret(request, route, kwargs, handler):
        refused = refusal(request.headers, request.path, secret)
        if refused:
            raise CallRefused(*refused)

    @app.exception(CallRefused)
    async def refused(_request, error: CallRefused):
        return response.json({"error": error.message}, status=error.status)


def plugin(secret: str) -> Any:
    """A rasa-sdk plugin (its ``attach_sanic_app_extensions`` hook) that installs the check."""
    import pluggy

    hookimpl = pluggy.HookimplMarker("rasa_sdk")

    class ActionSecretPlugin:
        @hookimpl
        def attach_sanic_app_extensions(self, app: Any) -> None:
            install_check(app, secret)

    return ActionSecretPlugin()
