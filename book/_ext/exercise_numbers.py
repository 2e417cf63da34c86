"""Sphinx extension: number exercises per chapter ("Exercise 4.1"), not across the whole book.

Sphinx numbers every enumerable node, sphinx-exercise's exercises included, with one counter
per section number. The book's table of contents is not a numbered toctree (the chapter titles
carry their own numbers, "# 4. ..."), so every page has the same empty section number and the
counter runs on from page to page: the first exercise of chapter 4 came out as "Exercise 14".
Sphinx has no setting that restarts the counter on each page (sphinx-doc/sphinx#7135), and a
numbered toctree would print the chapter number twice in every title.

After Sphinx has assigned its numbers, this extension renumbers the exercises of each page
from 1, in the order of the page, and prefixes the chapter number taken from the file name
(``notebooks/04_vanishing_gradients`` gives 4). Cross-references (``{numref}``) and the
"Solution to Exercise 4.1" titles read the same table, so they agree.
"""

from __future__ import annotations

import re

CHAPTER_FILE = re.compile(r"(?:^|/)(\d+)_[^/]*$")


def chapter_number(docname: str) -> tuple[int, ...]:
    """``notebooks/04_vanishing_gradients`` -> (4,); a page without a number -> ()."""
    match = CHAPTER_FILE.search(docname)
    return (int(match.group(1)),) if match else ()


def number_exercises_per_chapter(app, env) -> list[str]:
    changed = []
    for docname, numbers in env.toc_fignumbers.items():
        exercises = numbers.get("exercise")
        if not exercises:
            continue
        # Sphinx's numbers grow in page order, so sorting by them gives the order on the page.
        in_order = sorted(exercises, key=lambda node_id: exercises[node_id])
        prefix = chapter_number(docname)
        renumbered = {node_id: (*prefix, index) for index, node_id in enumerate(in_order, 1)}
        if renumbered != exercises:
            numbers["exercise"] = renumbered
            changed.append(docname)
    return changed


def setup(app):
    # After Sphinx's TocTreeCollector (priority 500), which assigns the book-wide numbers.
    app.connect("env-get-updated", number_exercises_per_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
