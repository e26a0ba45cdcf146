"""Command line of the FAQ content: ``python -m faq build`` / ``python -m faq check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from faq.compiler import render_training_data, write_if_changed
from faq.loader import load_catalogue
from kefu.settings import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faq", description=__doc__)
    parser.add_argument("command", choices=["build", "check"],
                        help="check: validate faq/content; build: validate and generate the Rasa data")
    parser.add_argument("--content", type=Path, default=ROOT / "faq" / "content",
                        help="directory of the category files (default: faq/content)")
    parser.add_argument("--output", type=Path, default=ROOT / "data" / "nlu" / "faq.yml",
                        help="generated Rasa NLU file (default: data/nlu/faq.yml)")
    args = parser.parse_args(argv)

    catalogue, problems = load_catalogue(args.content, ROOT if args.content.is_relative_to(ROOT) else None)
    errors = [p for p in problems if p.level == "error"]
    for problem in problems:
        print(problem, file=sys.stderr)
    if errors:
        print(f"\nThe FAQ content has {len(errors)} error(s); nothing was built. "
              "Fix them in the files above and run 'make run' again.", file=sys.stderr)
        return 1
    if args.command == "check":
        print(f"FAQ content OK: {len(catalogue.faqs)} entries in {len(catalogue.categories)} categories.")
        return 0
    changed = write_if_changed(args.output, render_training_data(catalogue))
    state = "written" if changed else "unchanged"
    print(f"FAQ: {len(catalogue.faqs)} entries in {len(catalogue.categories)} categories → {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output} ({state}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
