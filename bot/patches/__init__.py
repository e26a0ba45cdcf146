"""Every patch of Rasa's internals, and the one :func:`install` that puts them in place.

Kefu runs Rasa Open Source 3.6.21 with a few of its functions replaced, each for a measured gain
(speed, memory) or a friendlier failure, each tested to give Rasa's own results where it claims
to (``tests/unit/bot/patches/``). One module per patch, installed in this order:

=====================  ========================================================================
``tf_free``            a TensorFlow stand-in when no component of the model uses TensorFlow
                       (must come first: before anything imports Rasa's dialogue code), and a
                       clear refusal to load a TensorFlow model into such a server
``quiet_debug``        no deep copies for Rasa's debug lines that are not written
``runner``             the prediction graph run in plain topological order instead of dask
``count_features``     a message's count-vector features counted without scikit-learn's
                       per-call checks, analyser and matrix conversions
``dialogue_states``    applied events and dialogue states computed incrementally
``tracker_copy``       tracker copies from a kept replay
``memoization_states`` the memoization policy's featurizer builds only its last states
``rule_states``        the rule policy predicts from its newest states; rule matches memoised
``action_validation``  the action server's answers checked by a validator built once
``faults``             an apology when the database or Redis is down, a human offered when the
                       action server is (runs ``action_handoff_request`` in process: rasa-sdk)
``tracker_cache``      Kefu's tracker store: a per-process cache and a save without Rasa's query
``lock_tickets``       a conversation lock whose holder died is given up once its ticket expires
``lock_scripts``       Rasa's Redis ticket lock in two atomic scripts a turn instead of 8 round trips
``keepalive``          calls to the action server (every endpoint) over kept-alive connections
=====================  ========================================================================

``KEFU_STOCK_RASA=on`` installs none of them (stock Rasa, for comparison: everything works, more
slowly, and faults get Rasa's own handling). Either way the Rasa server refuses to start on any
Rasa but :data:`~bot.patches.versions.RASA` (:mod:`bot.patches.versions`): Kefu's own wiring
(``bot/stores.py``) relies on Rasa 3.6's tracker store internals too. With the patches, rasa-sdk
must be :data:`~bot.patches.versions.RASA_SDK` as well.

:mod:`bot.patches.registry` records every attribute a patch replaces and what it replaced.
Importing this package imports nothing of Rasa.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.patches.versions import RASA, RASA_SDK, UnsupportedRasa, check_rasa, check_rasa_sdk

__all__ = ["ORDER", "RASA", "RASA_SDK", "UnsupportedRasa", "install"]

logger = logging.getLogger(__name__)

#: The patches, in the order :func:`install` installs them.
ORDER = ("tf_free", "quiet_debug", "runner", "count_features", "dialogue_states", "tracker_copy",
         "memoization_states", "rule_states", "action_validation", "faults", "tracker_cache", "lock_tickets",
         "lock_scripts", "keepalive")


def install(settings: Any, *, model: Path | None = None) -> list[str]:
    """Checks the Rasa version and installs every patch (none with ``settings.stock_rasa``).

    Call it in the Rasa server's process before anything imports Rasa's dialogue code, and
    after logging is configured (debug logging keeps the debug-only copies).

    Args:
        settings: Kefu's settings (``stock_rasa``: ``KEFU_STOCK_RASA``).
        model: the model the server will serve; TensorFlow is stood in for only when none of its
            components uses it (without a model, TensorFlow is loaded as usual).

    Returns:
        The names of the patches installed, in order (empty in stock mode).

    Raises:
        UnsupportedRasa: on any Rasa but :data:`RASA` (with the patches, any rasa-sdk but
            :data:`RASA_SDK`), naming the installed and the required version and what to do.
    """
    check_rasa()
    if settings.stock_rasa:
        logger.warning("KEFU_STOCK_RASA is on: serving with stock Rasa %s, none of Kefu's patches installed "
                       "(slower; Rasa's own handling of database and action-server failures)", RASA)
        return []
    check_rasa_sdk()
    from bot.patches import registry, tf_free

    installed = []
    if model is not None and not tf_free.needs_tensorflow(model):
        tf_free.install()  # the model runs no TensorFlow: don't load it (memory, start-up time)
        installed.append("tf_free")
        logger.info("serving %s without TensorFlow", model.name)
    # Imported only now: they import Rasa's dialogue code, which imports TensorFlow.
    from bot.patches import (
        action_validation,
        count_features,
        dialogue_states,
        faults,
        keepalive,
        lock_scripts,
        lock_tickets,
        memoization_states,
        quiet_debug,
        rule_states,
        runner,
        tracker_cache,
        tracker_copy,
    )

    tf_free.guard_model_loading()
    if quiet_debug.install(logging.getLogger("rasa").getEffectiveLevel()):
        installed.append("quiet_debug")
    for patch in (runner, count_features, dialogue_states, tracker_copy, memoization_states, rule_states,
                  action_validation, faults, tracker_cache, lock_tickets, lock_scripts, keepalive):
        patch.install()
        installed.append(patch.__name__.rsplit(".", 1)[1])
    logger.info("Rasa %s with Kefu's patches: %s", RASA, ", ".join(installed))
    logger.debug("replaced: %s", ", ".join(registry.replaced()))
    return installed
