"""Freeze the book's own text into the corpus of chapter 6: rnn_helpers/data/book_corpus.txt.

Usage: python scripts/freeze_corpus.py

The corpus is the prose of chapters 1 to 5 (their Markdown cells), the pages of ``book/``
(``*.md``) and the source of ``rnn_helpers`` (``*.py``), joined in a fixed order. It is
written once and committed, so that an edit to a chapter does not change chapter 6's
outputs; run this script again only to make a new corpus on purpose, and then train a new
checkpoint (``scripts/train_char_lm.py``), since the checkpoint records the corpus hash.
Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "rnn_helpers" / "data"
# Written before chapter 6 existed; the modules of chapter 6 are left out so that the
# corpus does not depend on the code that reads it.
LEAVE_OUT = {"corpus.py", "ngram.py", "char_lm.py", "lm_figures.py"}


def documents() -> list[tuple[str, str]]:
    """(name, text) of every document of the corpus, in the corpus's order."""
    docs = []
    for path in sorted((ROOT / "notebooks").glob("0[1-5]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        prose = "\n\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
        docs.append((f"notebooks/{path.name} (Markdown cells)", prose))
    for path in sorted((ROOT / "book").glob("*.md")):
        docs.append((f"book/{path.name}", path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "rnn_helpers").glob("*.py")):
        if path.name not in LEAVE_OUT:
            docs.append((f"rnn_helpers/{path.name}", path.read_text(encoding="utf-8")))
    return docs


def main() -> None:
    docs = documents()
    text = "\n\n".join(body.strip() + "\n" for _, body in docs)
    DATA.mkdir(exist_ok=True)
    (DATA / "book_corpus.txt").write_text(text, encoding="utf-8", newline="\n")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    manifest = {"sha256": digest, "characters": len(text),
                "documents": [{"name": name, "characters": len(body)} for name, body in docs]}
    (DATA / "book_corpus.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(text):,} characters from {len(docs)} documents, sha256 {digest[:16]}...", file=sys.stdout)


if __name__ == "__main__":
    main()
