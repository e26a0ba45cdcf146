"""JSON errors of the web APIs: 401, 403, 404, 409, 422 with a message naming the cause."""

from __future__ import annotations

from typing import Any

from sanic import response
from sanic.exceptions import SanicException

from kefu import inputs


class ApiError(SanicException):
    """An error answered as ``{"error": message, "field": field?}`` with its status code."""

    def __init__(self, status: int, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message, status_code=status)
        self.payload = {"error": message, **({"field": field} if field else {}), **extra}


def unauthorized(message: str = "log in first: send 'Authorization: Bearer <token>'") -> ApiError:
    return ApiError(401, message)


def forbidden(role: str) -> ApiError:
    return ApiError(403, f"your role '{role}' may not do this")


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def conflict(message: str, **extra: Any) -> ApiError:
    return ApiError(409, message, **extra)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}", field=field)


def install(app) -> None:
    """Answers every error of the app as JSON; unexpected ones without internals."""

    @app.exception(ApiError)
    async def api_error(_request, error: ApiError):
        return response.json(error.payload, status=error.status_code)

    @app.exception(SanicException)
    async def sanic_error(_request, error: SanicException):
        status = getattr(error, "status_code", 500) or 500
        return response.json({"error": str(error) or "error"}, status=status)

    @app.exception(Exception)
    async def unexpected(request, error: Exception):
        import logging

        logging.getLogger("web").exception("unhandled error on %s %s", request.method, request.path)
        return response.json({"error": "internal error; the server log has the details"}, status=500)


def json_body(request) -> dict[str, Any]:
    """The request's JSON object, or a 422 naming the body as the culprit."""
    try:
        body = request.json
    except Exception:  # Sanic raises InvalidUsage on bad JSON
        raise invalid("body", "must be valid JSON") from None
    if not isinstance(body, dict):
        raise invalid("body", "must be a JSON object")
    return body


def whole_number(raw: Any, field: str, *, low: int, high: int) -> int:
    """A whole number of a query argument, header or JSON field: ASCII digits (or a JSON integer)
    from ``low`` to ``high``; 422 naming the field otherwise (``²``, ``１５``, ``1.5``, ``true``)."""
    value = inputs.whole_number(raw)
    if value is None or not low <= value <= high:
        raise invalid(field, f"must be a whole number from {low} to {high}, in the digits 0-9")
    return value


def require_text(body: dict[str, Any], field: str, *, max_length: int = 10_000, allow_empty: bool = False) -> str:
    """A string field of a JSON body, stripped; 422 naming the field when missing or wrong."""
    value = body.get(field)
    if not isinstance(value, str):
        raise invalid(field, "is required and must be a string")
    value = value.strip()
    if not value and not allow_empty:
        raise invalid(field, "must not be empty")
    if len(value) > max_length:
        raise invalid(field, f"must be at most {max_length} characters")
    return value
