"""JSON errors of the web app: 401, 403, 404, 409, 422 ... with a message naming the cause.

Routes raise; nothing catches to translate. Two kinds of errors reach the handlers that
:func:`install` registers on the app, once:

* the web layer's own (:class:`ApiError`: :func:`unauthorized`, :func:`forbidden`,
  :func:`not_found`, :func:`conflict`, and Sanic's), answered with their status;
* **domain errors**, raised by the packages' stores and services, which know nothing of HTTP.
  A package says what its errors mean over HTTP with a table, without importing ``web``::

      # faq/errors.py
      ERRORS = {FaqNotFound: 404, FaqConflict: 409, FaqInvalid: 422}

  and the app factory hands the tables to :func:`install` (``errors.install(app, faq.errors.ERRORS,
  ...)``; bad input, :class:`kefu.inputs.InvalidInput`, is always answered: 422 naming the field). An error of a listed
  class, or of a subclass (the nearest listed ancestor counts), is answered with that status and
  the body ``{"error": str(error), **error.details}``: ``details`` is an optional attribute or
  property of the error holding the further fields of its answer (``field``, ``problems``,
  ``current`` ...). Where the body is more than the error's message and details, a table may
  map the class to a function of the error that returns ``(status, body)`` instead of a status.

Anything else is a 500 with no internals (the log has the traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Union

from sanic import response
from sanic.exceptions import SanicException

from kefu import inputs
from kefu.inputs import InvalidInput, json_body, require_text

__all__ = [
    "ApiError",
    "DomainErrors",
    "ErrorTable",
    "conflict",
    "forbidden",
    "install",
    "invalid",
    "json_body",
    "not_found",
    "require_text",
    "unauthorized",
    "whole_number",
]

logger = logging.getLogger("web")

#: How an error class is answered: a status (body from the error), or a function of the error
#: giving ``(status, body)``.
Answer = Union[int, Callable[[BaseException], "tuple[int, dict[str, Any]]"],
              "tuple[int, Callable[[BaseException], dict[str, Any]]]"]
#: A domain package's errors and what they mean over HTTP (``ERRORS`` of the package).
ErrorTable = Mapping[type, Answer]


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


def invalid(field: str, message: str) -> InvalidInput:
    """422 naming the field: ``{"error": "<field>: <message>", "field": "<field>"}``."""
    return InvalidInput(field, message)


#: A whole number of a query argument, header or JSON field, or a 422 naming the field.
whole_number = inputs.number_field


def body_of(error: BaseException) -> dict[str, Any]:
    """``{"error": str(error), **error.details}`` (the error's class name when it has no message)."""
    details = getattr(error, "details", None) or {}
    return {"error": str(error) or type(error).__name__, **details}


class DomainErrors:
    """The merged tables of the domain packages: which status (and body) each error gets.

    Raises:
        ValueError: when two tables answer the same class differently (at start, not per request).
    """

    def __init__(self, *tables: ErrorTable) -> None:
        self.answers: dict[type, Answer] = {}
        for table in tables:
            for error_class, answer in table.items():
                if not (isinstance(error_class, type) and issubclass(error_class, BaseException)):
                    # a wrong table at start: a ValueError, like every other check of the tables here
                    raise ValueError(f"error table key {error_class!r} is not an exception class")  # noqa: TRY004
                pair = isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], int) and callable(answer[1])
                if not (isinstance(answer, int) or callable(answer) or pair):
                    raise ValueError(f"{error_class.__name__}: answer {answer!r} is neither a status, a function "
                                     "nor a (status, body function) pair")
                known = self.answers.get(error_class)
                if known is not None and known != answer:
                    raise ValueError(f"{error_class.__name__} is answered twice: {known!r} and {answer!r}")
                self.answers[error_class] = answer

    @property
    def classes(self) -> tuple[type, ...]:
        return tuple(self.answers)

    def answer(self, error: BaseException) -> tuple[int, dict[str, Any]] | None:
        """The status and body of ``error`` (its nearest listed class), or ``None`` if none is listed."""
        for cls in type(error).__mro__:
            answer = self.answers.get(cls)
            if answer is None:
                continue
            if isinstance(answer, int):
                return answer, body_of(error)
            if isinstance(answer, tuple):  # (status, the body's function)
                return answer[0], answer[1](error)
            return answer(error)
        return None


def install(app, *tables: ErrorTable) -> DomainErrors:
    """Answers every error of the app as JSON: :class:`ApiError` and Sanic's with their status,
    bad input (:data:`kefu.inputs.ERRORS`) and the domain errors of ``tables`` as the tables say,
    anything else as a 500 without internals."""
    domain = DomainErrors(inputs.ERRORS, *tables)
    app.ctx.domain_errors = domain

    @app.exception(ApiError)
    async def api_error(_request, error: ApiError):
        return response.json(error.payload, status=error.status_code)

    if domain.classes:
        @app.exception(*domain.classes)
        async def domain_error(request, error: BaseException):
            answered = domain.answer(error)
            if answered is None:  # not reachable: Sanic calls this for the listed classes only
                return await unexpected(request, error)
            status, body = answered
            return response.json(body, status=status)

    @app.exception(SanicException)
    async def sanic_error(_request, error: SanicException):
        status = getattr(error, "status_code", 500) or 500
        return response.json({"error": str(error) or "error"}, status=status)

    @app.exception(Exception)
    async def unexpected(request, error: Exception):
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return response.json({"error": "internal error; the server log has the details"}, status=500)

    return domain
