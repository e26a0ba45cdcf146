"""The FAQ publisher's background retrain, timed in CPU seconds: ``python -m bench.retrain``.

One new FAQ (the first of ``bench/data/new_faqs.yml``) is added to the shop's content and its
training data written exactly as the publisher writes it (:func:`faq.publishing.faq_data_file`,
into a throwaway ``var/``); then the command :class:`bot.stack.training.RasaRetrainer` runs
(``nice -n 10 python -m bot.stack.rasa_train ... --finetune <models/kefu-*.tar.gz>``) is run
once. Printed as JSON: wall seconds, the child's CPU seconds (user + sys from
``resource.getrusage(RUSAGE_CHILDREN)``, which depend less on the machine's load than the wall
time), the load average before and after, and with ``--profile`` the CPU seconds of each
training phase (cProfile over ``time.process_time`` in the child).

``--scratch`` trains from scratch instead (what a retrain without a base model does).
``--runs N`` retrains N times in a row, each on the model of the one before (as consecutive
publications do), adding one more new FAQ each time.

``--before COMMIT`` retrains each publication twice, one after the other on the same base model
and the same data: first with the code of ``COMMIT`` (``git archive`` into a temporary folder,
with this checkout's config, domain and ``var/`` in it; the data is this checkout's), then with this checkout's code;
it prints both, the ratio of their CPU seconds, and whether the two models' files are equal byte
for byte (the archives' metadata, which records the time of training, left out). Both run with
``PYTHONHASHSEED=0``: the count vectorisers number the words new to a fine-tuned vocabulary in
the order of a set, which otherwise differs from one process to the next.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: (phase, cProfile function key suffix): the functions whose cumulative CPU time is a phase.
PHASES = (
    ("tokenizer", ("rasa/nlu/tokenizers/tokenizer.py", "process_training_data")),
    ("normalizer", ("bot/nlu/normalizer.py", "process_training_data")),
    ("count_vectors", ("count_vectors_featurizer.py", "train")),
    ("count_vectors_features", ("count_vectors_featurizer.py", "process_training_data")),
    ("sentence_encoder", ("bot/nlu/sentence_encoder.py", "process_training_data")),
    ("classifier", ("bot/nlu/classifier.py", "train")),
    ("sentiment", ("bot/nlu/sentiment.py", "train")),
    ("policies_rule", ("rule_policy.py", "train")),
    ("policies_memoization", ("memoization.py", "train")),
    ("persist_model", ("rasa/engine/storage/local_model_storage.py", "create_model_package")),
    ("load_training_data", ("rasa/shared/importers/importer.py", "get_nlu_data")),
    ("load_finetune_model", ("rasa/engine/storage/local_model_storage.py", "from_model_archive")),
)


def publication_data(var_dir: Path, count: int) -> Path:
    """The shop's content with the first ``count`` new FAQs, as the publisher writes it."""
    from bench.fresh import ENTRY_FIELDS, new_faqs
    from faq.codec import catalogue_content
    from faq.loader import load_catalogue
    from faq.publishing import faq_data_file

    catalogue, _ = load_catalogue(ROOT / "faq" / "content")
    content = catalogue_content(catalogue)
    added = [{k: faq[k] for k in ENTRY_FIELDS} for faq in new_faqs()[:count]]
    return faq_data_file(var_dir, {**content, "faqs": [*content["faqs"], *added]})


def phases(profile: Path) -> dict[str, float]:
    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    found: dict[str, float] = {}
    for name, (file_part, function) in PHASES:
        total = sum(cumulative for (file, _, func), (_, _, _, cumulative, _) in stats.items()
                    if func == function and file_part in file)
        if total:
            found[name] = round(total, 2)
    found["total_in_process"] = round(max(v[3] for v in stats.values()), 2)
    return found


def retrain_once(var_dir: Path, count: int, base: Path | None, profile: Path | None,
                 code: Path = ROOT, hash_seed: str | None = None) -> dict[str, Any]:
    from bot.stack.training import model_path, rasa_environment, train_command

    data = publication_data(var_dir, count)
    models = var_dir / ("models" if code == ROOT else "models-before")
    target = model_path(ROOT, data, models)
    # the data by absolute paths: Rasa orders the files by them, and the code of --before runs elsewhere
    command = [str(ROOT / arg) if arg.startswith("data/") else arg
               for arg in train_command(ROOT, target, data, finetune=base)]
    if profile is not None:
        command += ["--profile", str(profile)]
    log = var_dir / "retrain.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()
    started = time.monotonic()
    with log.open("ab") as out:
        extra = {"PYTHONHASHSEED": hash_seed} if hash_seed is not None else {}
        env = rasa_environment({**extra, "PYTHONPATH": str(code)})
        exit_code = subprocess.run(["nice", "-n", "10", *command], cwd=code, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if exit_code != 0 or not target.exists():
        raise RuntimeError(f"rasa train exited with {exit_code}; see {log}")
    result: dict[str, Any] = {
        "new_faqs": count, "finetuned": base is not None, "code": "before" if code != ROOT else "this checkout",
        "model": target.name,
        "wall_s": round(wall, 1),
        "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
        "cpu_user_s": round(after.ru_utime - before.ru_utime, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "path": str(target),
    }
    if profile is not None:
        result["phases_cpu_s"] = phases(profile)
    return result


def code_of(commit: str, folder: Path) -> Path:
    """The code of ``commit`` in ``folder``, with this checkout's config, domain and ``var/``."""
    import shutil

    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(ROOT / name, folder / name)
    (ROOT / "var").mkdir(exist_ok=True)
    (folder / "var").symlink_to(ROOT / "var")  # the sentence vectors' cache, as this checkout's
    return folder


def model_files(archive: Path) -> dict[str, bytes]:
    """Every file of a model archive but its metadata (which records when it was trained)."""
    import tarfile

    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()  # type: ignore[union-attr]
                if m.isfile() and not m.name.endswith("metadata.json")}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrain", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", action="store_true", help="train from scratch, not fine-tuned")
    parser.add_argument("--base", type=Path, help="the model to fine-tune (default: models/ of make run)")
    parser.add_argument("--profile", action="store_true", help="CPU seconds per phase (cProfile)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--before", metavar="COMMIT",
                        help="each retrain also with the code of COMMIT first, side by side")
    parser.add_argument("--var", type=Path, help="where the models go (default: a temporary directory)")
    args = parser.parse_args()
    from bot.stack.training import model_path

    var_dir = args.var or Path(tempfile.mkdtemp(prefix="kefu-bench-retrain-"))
    base: Path | None = None
    if not args.scratch:
        base = args.base or model_path(ROOT)
        if not base.exists():
            raise SystemExit(f"no model {base}: run .venv/bin/python -m bot train first")
    before_code = code_of(args.before, var_dir / "before") if args.before else None
    seed = "0" if before_code else None
    results = []
    for run in range(args.runs):
        profile = var_dir / f"retrain-{run + 1}.prof" if args.profile else None
        if before_code:
            before = retrain_once(var_dir, run + 1, base, None, code=before_code, hash_seed=seed)
            print(json.dumps(before, ensure_ascii=False), flush=True)
        result = retrain_once(var_dir, run + 1, base, profile, hash_seed=seed)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        if before_code:
            same = model_files(Path(before["path"])) == model_files(Path(result["path"]))
            print(json.dumps({"cpu_ratio_after_before": round(result["cpu_s"] / before["cpu_s"], 3),
                              "models_equal": same}), flush=True)
        results.append(result)
        if base is not None:
            base = Path(result["path"])
    from bench.__main__ import machine

    print(json.dumps({"machine": machine(), "var": str(var_dir)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
