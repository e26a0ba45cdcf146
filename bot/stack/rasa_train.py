"""``python -m bot.stack.rasa_train <rasa train arguments>``: Rasa's ``rasa train``, as Kefu runs it.

Four differences from ``python -m rasa train``, for the FAQ publisher's retrain
(:class:`bot.stack.training.RasaRetrainer`) above all:

* FAQ sub-responses do not stop fine-tuning (:mod:`bot.patches.finetune_faq`);
* when no component of ``config.yml`` uses TensorFlow, TensorFlow is not imported
  (:mod:`bot.patches.tf_free`'s stand-in), which saves seconds of every start of training;
* no output of a component is fingerprinted for Rasa's graph cache (:mod:`bot.patches.no_train_cache`);
* YAML files unchanged since a training are not parsed again, and the NLU data is loaded once,
  not twice (:mod:`bot.patches.training_data_cache`); the count vectorisers featurise the
  training data in one call per attribute (:mod:`bot.patches.count_vectors_batch`).

``--profile FILE`` (Kefu's own, taken out before Rasa sees the arguments) writes a cProfile of
the whole training measured in CPU seconds of this process (``time.process_time``), for
``python -m bench.retrain``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def config_uses_tensorflow(config: Path) -> bool:
    """Whether a component of the pipeline or the policies of ``config`` runs TensorFlow."""
    import yaml

    from bot.patches.tf_free import TENSORFLOW_COMPONENTS, _uses_tensorflow

    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    short = {path.rsplit(".", 1)[1] for path in TENSORFLOW_COMPONENTS}
    names = [str(item.get("name", "")) for key in ("pipeline", "policies") for item in (data.get(key) or [])]
    if not data.get("pipeline") or not data.get("policies"):
        return True  # Rasa fills in its defaults, DIET and TED among them
    # a name without a dot is one of Rasa's components; a dotted one is a class path
    return any(name in short if "." not in name else _uses_tensorflow(name) for name in names)


def main(argv: list[str]) -> int:
    from bot.patches import count_vectors_batch, finetune_faq, no_train_cache, tf_free, training_data_cache

    profile = None
    if "--profile" in argv:
        at = argv.index("--profile")
        profile, argv = Path(argv[at + 1]), [*argv[:at], *argv[at + 2:]]

    config = Path(argv[argv.index("--config") + 1]) if "--config" in argv else Path("config.yml")
    if config.exists() and not config_uses_tensorflow(config):
        tf_free.install()
    finetune_faq.install()
    no_train_cache.install()
    training_data_cache.install()
    count_vectors_batch.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "train", *argv]
    if profile is None:
        rasa_main()
        return 0
    import cProfile
    import time

    profiler = cProfile.Profile(time.process_time)
    try:
        profiler.runcall(rasa_main)
    finally:
        profiler.dump_stats(str(profile))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
