"""Registers the handoff actions (``actions/handoff/``) with the action server.

rasa-sdk 3.6 walks this package with ``pkgutil.walk_packages(actions.__path__)``, which looks a
sub-package up by its bare name: a regular package ``actions/handoff/`` would be taken for the
top-level ``handoff`` package and the action server would fail to start (``No module named
'actions.handoff.api'``). So ``actions/handoff/`` is a namespace package (no ``__init__.py``),
which the walk skips, and its actions are imported here.
"""

from actions.handoff.rating_submit import ActionHandoffRatingSubmit  # noqa: F401
from actions.handoff.rating_validate import ValidateHandoffRatingForm  # noqa: F401
from actions.handoff.request import ActionHandoffRequest  # noqa: F401
