"""Command line of the FAQ content.

``python -m faq check``   validate faq/content
``python -m faq build``   validate and generate the Rasa training data (``make run`` does this)
``python -m faq export``  write the published content of the database (web editor) to faq/content
``python -m faq import``  make the database's working copy equal to faq/content and publish it
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from faq.compiler import render_training_data, write_if_changed
from faq.loader import load_catalogue
from kefu.settings import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m faq", description=__doc__)
    parser.add_argument("command", choices=["build", "check", "export", "import"],
                        help="check: validate faq/content; build: validate and generate the Rasa data; "
                             "export: published content → files; import: files → database, published")
    parser.add_argument("--content", type=Path, default=ROOT / "faq" / "content",
                        help="directory of the category files (default: faq/content)")
    parser.add_argument("--output", type=Path, default=ROOT / "data" / "nlu" / "faq.yml",
                        help="generated Rasa NLU file (default: data/nlu/faq.yml)")
    args = parser.parse_args(argv)
    if args.command in ("export", "import"):
        return _database_command(args.command, args.content)

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


def _database_command(command: str, content: Path) -> int:
    from faq.codec import content_catalogue, content_hash
    from faq.exporter import ExportRefused, export_catalogue
    from faq.publishing import files_catalogue, publish_files
    from faq.store import FaqStore
    from kefu.settings import load_settings
    from kefu.setup import migrate

    settings = load_settings()
    migrate(settings.database_url)
    store = FaqStore(settings.database_url)
    if command == "export":
        live = store.live()
        if live is None:
            print("There is no published FAQ content in the database yet; nothing exported.", file=sys.stderr)
            return 1
        publication, data = live
        try:
            changed = export_catalogue(content_catalogue(data), content)
        except ExportRefused as error:
            print(f"FAQ export refused: {error}", file=sys.stderr)
            return 1
        store.mark_files_hash(publication.id, content_hash(data))
        print(f"FAQ: publication {publication.seq} ({len(data['faqs'])} entries) written to {content} "
              f"({len(changed)} file(s) changed).")
        return 0
    catalogue = files_catalogue(content)
    if catalogue is None:
        print("The FAQ files have errors; run 'python -m faq check' for the list. Nothing imported.", file=sys.stderr)
        return 1
    counts = publish_files(store, catalogue)
    print(f"FAQ: imported {len(catalogue.faqs)} entries ({counts['created']} new, {counts['updated']} changed, "
          f"{counts['deleted']} removed) and published them. Running bots pick them up within seconds; "
          "a restart (make run) retrains the model.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
