"""Training without Rasa's graph cache: no fingerprints of every component's output.

``rasa train`` fingerprints each training node's inputs before it runs and its output after
(``rasa.engine.training.hooks.TrainingHook``) to fill ``.rasa/cache``, so that a later training
with identical inputs can skip the node. For Kefu's trainings that buys nothing and costs much:

* the fingerprint of a ``TrainingData`` walks every message with its tokens and features, and
  it is taken before and after each of the ~18 NLU nodes: 47 of 223 CPU seconds of an FAQ retrain
  (cProfile, ``python -m bench.retrain --profile``);
* an FAQ retrain changes the NLU data, so no NLU node can be skipped, and the dialogue policies it
  could skip train in about a second;
* Rasa's key is the component's class name, config and inputs, not its code: after a change of
  a component in ``bot/nlu/`` the cache would hand back the old code's output. Kefu's own model
  fingerprint (``bot.stack.training.training_fingerprint``) covers the code and skips a training
  whose inputs are all unchanged, which is the case the cache was for.

So for ``python -m bot.stack.rasa_train`` (every training Kefu runs) the hook does nothing:
each component runs, nothing is written to ``.rasa/cache``, the model is the same.
"""

from __future__ import annotations

from typing import Any


def _before(self: Any, node_name: str, execution_context: Any, config: dict[str, Any],
            received_inputs: dict[str, Any]) -> dict[str, Any]:
    return {}


def _after(self: Any, node_name: str, execution_context: Any, config: dict[str, Any], output: Any,
           input_hook_data: dict[str, Any]) -> None:
    return None


def install() -> None:
    from rasa.engine.training.hooks import TrainingHook

    from bot.patches import registry

    registry.replace(TrainingHook, "on_before_node", _before)
    registry.replace(TrainingHook, "on_after_node", _after)
