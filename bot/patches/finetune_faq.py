"""Fine-tuning a model after an FAQ change: the FAQ responses are not part of the dialogue.

``rasa train --finetune`` refuses when the domain "pruned for core" changed, and that pruned
domain keeps the names of every response, ``utter_faq/<id>`` of the retrieval intent among them:
publishing a new FAQ adds one, so Rasa would refuse every FAQ retrain. The dialogue only ever runs
``utter_faq`` (the retrieval action), never a sub-response, and Kefu's policies (RulePolicy,
MemoizationPolicy) are retrained in full from the stories and rules on every training anyway. So
for training (``python -m bot.stack.rasa_train``) the fingerprint leaves the retrieval intents'
sub-responses out; every other change of the domain still refuses fine-tuning.

A model's fingerprint is memorised when it is trained, so models trained before this patch
cannot be fine-tuned (the retrainer then trains from scratch once).
"""

from __future__ import annotations

from typing import Any


def core_fingerprint(domain: Any) -> str:
    """The fingerprint of the domain pruned for core, without the retrieval intents' sub-responses."""
    from rasa.graph_components.providers.domain_for_core_training_provider import DomainForCoreTrainingProvider
    from rasa.shared.core.domain import Domain

    pruned = DomainForCoreTrainingProvider.create_pruned_version(domain).as_dict()
    pruned["responses"] = {name: value for name, value in (pruned.get("responses") or {}).items()
                           if "/" not in name}
    return Domain.from_dict(pruned).fingerprint()


def install() -> None:
    from rasa.graph_components.validators.finetuning_validator import FinetuningValidator

    from bot.patches import registry

    registry.replace(FinetuningValidator, "_get_fingerprint_of_domain_pruned_for_core", staticmethod(core_fingerprint))
