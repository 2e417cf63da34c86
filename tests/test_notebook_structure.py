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
