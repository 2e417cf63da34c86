"""Rules every chapter notebook follows (CONTRIBUTING.md), checked so that new chapters pass them too."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
from setup_cell import TAGS, repository_url, setup_cell_source  # noqa: E402

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REQUIRED_SECTIONS = ["## Learning goals", "## Summary", "## Exercises", "## References"]


def load(path):
    return nbformat.read(path, as_version=4)


def markdown(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def test_there_are_chapters():
    assert CHAPTERS, "no chapter notebooks found in notebooks/"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_title_cell_has_label_and_numbered_title(path):
    first = load(path).cells[0]
    number = int(path.name[:2])
    assert first.cell_type == "markdown"
    assert re.match(r"\([a-z0-9-]+\)=\n# " + str(number) + r"\. \S", first.source), \
        f"{path.name} must open with '(label)=' and '# {number}. Title'"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_skeleton_sections_are_present_in_order(path):
    text = markdown(load(path))
    positions = [text.find(section) for section in REQUIRED_SECTIONS]
    missing = [s for s, p in zip(REQUIRED_SECTIONS, positions) if p < 0]
    assert not missing, f"{path.name} lacks {missing}"
    assert positions == sorted(positions), f"{path.name} has the skeleton sections out of order"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_exercises_have_hidden_solutions(path):
    text = markdown(load(path))
    exercises = re.findall(r"```\{exercise\}\n:label: (\S+)", text)
    assert len(exercises) >= 3, f"{path.name} has {len(exercises)} exercises; the skeleton asks for at least 3"
    for label in exercises:
        solution = re.search(r"```\{solution(?:-start)?\} " + re.escape(label) + r"\n((?::[^\n]*\n)*)", text)
        assert solution, f"exercise {label} in {path.name} has no solution"
        assert ":class: dropdown" in solution.group(1), f"the solution of {label} in {path.name} is not hidden"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_is_the_setup_cell(path):
    cell = next(c for c in load(path).cells if c.cell_type == "code")
    assert cell.source == setup_cell_source(), f"{path.name}: run `python .ci/setup_cell.py`"
    assert cell.metadata.get("tags") == TAGS


# The website's code box shows 84 characters of a line in a 1366 px wide window (measured in
# Chromium with the theme's monospace font); longer lines make the reader scroll sideways.
CODE_LINE_LIMIT = 84


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_code_lines_fit_the_websites_code_box(path):
    too_long = [(index, line) for index, cell in enumerate(load(path).cells) if cell.cell_type == "code"
                for line in cell.source.splitlines() if len(line) > CODE_LINE_LIMIT]
    assert not too_long, f"{path.name}: code lines over {CODE_LINE_LIMIT} characters (cell, line): {too_long}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_figure_has_alt_text(path):
    for index, cell in enumerate(load(path).cells):
        if cell.cell_type != "code":
            continue
        if any("image/png" in output.get("data", {}) for output in cell.outputs):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, f"{path.name} cell {index} shows a figure without alt text"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_outputs_are_clean(path):
    for index, cell in enumerate(load(path).cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name} cell {index} was never executed"
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name} cell {index} holds an error"
            if output.output_type == "stream":
                assert output.name == "stdout", f"{path.name} cell {index} writes to stderr: {output.text[:200]}"
            data = output.get("data", {})
            if "image/png" in data:
                continue  # a figure's own text fallback ("<Figure size ...>") is expected
            text = data.get("text/plain", "")
            assert not re.match(r"^(<Figure size|\[<matplotlib|Text\(|<matplotlib)", text), \
                f"{path.name} cell {index} leaks a matplotlib repr: {text[:80]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_in_the_table_of_contents(path):
    toc = (ROOT / "_toc.yml").read_text()
    assert f"file: notebooks/{path.stem}" in toc, f"{path.name} is not in _toc.yml"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_links_its_terms_to_the_glossary(path):
    links = re.findall(r"\{term\}`", markdown(load(path)))
    assert len(links) >= 3, f"{path.name} links {len(links)} glossary terms; link the chapter's key terms with {{term}}"


def test_landing_page_clones_the_configured_repository():
    """The clone command on the landing page uses _config.yml's repository.url, the one place it is set."""
    intro = (ROOT / "book" / "intro.md").read_text()
    assert f"git clone {repository_url()}\n" in intro, "book/intro.md: the clone command must use repository.url"


# --- Issue 13: the reading path stays short ---------------------------------------------------
# Code a reader sees without a click: non-blank, non-comment lines of code cells that carry none
# of these tags. The checking path (torch comparisons, figure and frame building, formatting)
# sits in collapsed cells or in tests/; the lesson code (the numpy RNN loop, the BPTT loop, one
# LSTM step) stays visible.
FOLDED_TAGS = {"hide-input", "remove-input", "hide-cell", "remove-cell"}
VISIBLE_CODE_PER_CHAPTER = 150
VISIBLE_CODE_BOOK = 575


def visible_code_lines(notebook) -> int:
    return sum(1 for cell in notebook.cells
               if cell.cell_type == "code" and not FOLDED_TAGS & set(cell.metadata.get("tags", []))
               for line in cell.source.splitlines()
               if line.strip() and not line.strip().startswith("#"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_visible_code_fits_the_chapter_budget(path):
    lines = visible_code_lines(load(path))
    assert lines <= VISIBLE_CODE_PER_CHAPTER, (
        f"{path.name} shows {lines} lines of code without a click (limit {VISIBLE_CODE_PER_CHAPTER}); "
                            "fold checks and figure code with hide-input or move them to tests/")


def test_visible_code_fits_the_book_budget():
    counts = {path.name: visible_code_lines(load(path)) for path in CHAPTERS}
    assert sum(counts.values()) <= VISIBLE_CODE_BOOK, \
        f"the chapters show {sum(counts.values())} lines of code without a click (budget {VISIBLE_CODE_BOOK}): {counts}"


def test_visible_code_counts_only_unfolded_code_lines():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1\n\n# a comment\n  # indented comment\ny = 2"),
        nbformat.v4.new_code_cell("hidden = 1", metadata={"tags": ["hide-input"]}),
        nbformat.v4.new_code_cell("gone = 1", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_markdown_cell("not = code"),
    ])
    assert visible_code_lines(notebook) == 2


# --- Issue 13: terms the chapters use are in the glossary ---------------------------------------
GLOSSARY_TERMS = ["softmax", "logit", "cross-entropy", "finite difference", "fixed point",
                  "singular value", "orthogonal matrix", "Adam", "Adagrad"]


def glossary_terms() -> set[str]:
    text = (ROOT / "book" / "glossary.md").read_text()
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "book/glossary.md has no {glossary} block"
    # A term is a line that starts in column 0; its definition lines are indented.
    return {line.strip() for line in block.group(1).splitlines() if line and not line[0].isspace()}


@pytest.mark.parametrize("term", GLOSSARY_TERMS)
def test_glossary_defines(term):
    assert term in glossary_terms(), f"book/glossary.md has no entry for {term!r}"


# --- Issue 13: exercises are numbered per chapter ("Exercise 4.1", not "Exercise 14") ----------
def test_exercise_numbering_per_chapter_is_configured():
    config = (ROOT / "_config.yml").read_text()
    assert re.search(r"^\s+exercise_numbers: book/_ext\s*$", config, re.M), \
        "_config.yml must load book/_ext/exercise_numbers.py (sphinx.local_extensions)"


def test_exercise_numbers_restart_on_every_chapter():
    """The extension turns Sphinx's book-wide exercise numbers into per-chapter ones."""
    from types import SimpleNamespace

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    from exercise_numbers import number_exercises_per_chapter

    env = SimpleNamespace(toc_fignumbers={
        "notebooks/01_memory": {"exercise": {"a": (2,), "b": (1,)}, "figure": {"f": (7,)}},
        "notebooks/04_vanishing_gradients": {"exercise": {"c": (14,), "d": (15,)}},
        "book/intro": {"exercise": {"e": (20,)}},
    })
    changed = number_exercises_per_chapter(None, env)
    assert env.toc_fignumbers["notebooks/01_memory"] == {"exercise": {"b": (1, 1), "a": (1, 2)},
                                                         "figure": {"f": (7,)}}
    assert env.toc_fignumbers["notebooks/04_vanishing_gradients"]["exercise"] == {"c": (4, 1), "d": (4, 2)}
    assert env.toc_fignumbers["book/intro"]["exercise"] == {"e": (1,)}
    assert set(changed) == {"notebooks/01_memory", "notebooks/04_vanishing_gradients", "book/intro"}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_rendered_exercises_are_numbered_per_chapter(path):
    """On the built website (when there is one) chapter N's exercises read N.1, N.2, ..."""
    page = ROOT / "_build" / "html" / "notebooks" / f"{path.stem}.html"
    if not page.exists():
        pytest.skip("the website is not built (_build/html)")
    titles = re.findall(r'<span class="caption-number">Exercise ([0-9.]+) </span>', page.read_text())
    number = int(path.name[:2])
    assert titles, f"{page.name} shows no numbered exercise"
    assert titles == [f"{number}.{k}" for k in range(1, len(titles) + 1)], \
        f"{page.name}: exercises numbered {titles}, expected {number}.1, {number}.2, ..."
