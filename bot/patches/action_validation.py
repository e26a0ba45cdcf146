"""The action server's answers checked against a validator built once, not once per call.

Rasa's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, schema)``
on every custom action's response: that builds a validator for the schema and first checks the
schema itself against JSON Schema 2020-12's meta-schema (``check_schema``), which costs ~25 ms
of CPU per call with the 4.17 jsonschema Rasa pins; the check of the response takes ~0.5 ms.
The schema (``RemoteAction.action_response_format_spec()``, Rasa's events schema) is a constant,
so here it is checked and compiled once, on the first call, and every response is then checked
by that validator: the same errors (jsonschema's ``best_match``, as ``validate`` raises) with
the same message Rasa adds. Measured under ``make bench-load`` (py-spy of a replica): 44% of the
event loop's busy time before (docs/operators/benchmarks.md).
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.actions.action import RemoteAction

from bot.patches import registry


@functools.cache
def _validator() -> Any:
    """The validator of Rasa's action response schema, its schema checked once."""
    from jsonschema import validators

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # what validate() does on every call: here once
    return cls(schema)


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Rasa's ``_validate_action_result`` with the compiled validator."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Replaces ``RemoteAction._validate_action_result``."""
    registry.replace(RemoteAction, "_validate_action_result", validate_action_result)
