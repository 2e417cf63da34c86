"""The first code cell of every chapter: it installs rnn_helpers where it is missing (Colab).

Usage: python .ci/setup_cell.py          write the cell into every chapter notebook
       python .ci/setup_cell.py --check  exit 1 if a notebook's setup cell differs

The install source is built from one place each: the repository URL in _config.yml (which the
launch buttons use too) and the package version in pyproject.toml, pinned as the tag v<version>.
RNN_BOOK_SOURCE overrides it at run time (the Colab-style test points it at a local checkout).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
TAGS = ["hide-input"]  # collapsed on the website; the reader can still open it

TEMPLATE = '''# Setup: where rnn_helpers is missing (Colab, a fresh environment), install it;
# elsewhere do nothing. RNN_BOOK_SOURCE may point the install at another copy
# (a local checkout, a fork).
import importlib, importlib.util, os, subprocess, sys

if importlib.util.find_spec("rnn_helpers") is None:
    default = "git+{url}@v{version}"
    source = os.environ.get("RNN_BOOK_SOURCE", default)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", source]
    result = subprocess.run(pip, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Could not install rnn_helpers from {{source}}:\\n"
                           + result.stderr[-2000:])
    importlib.invalidate_caches()'''


def repository_url() -> str:
    match = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", (ROOT / "_config.yml").read_text(), re.MULTILINE)
    if not match:
        raise SystemExit("_config.yml has no repository.url")
    return match.group(1)


def package_version() -> str:
    match = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    if not match:
        raise SystemExit("pyproject.toml has no version")
    return match.group(1)


def setup_cell_source() -> str:
    return TEMPLATE.format(url=repository_url(), version=package_version())


def chapter_notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def first_code_cell(notebook):
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


def main(check: bool) -> int:
    expected = setup_cell_source()
    stale = []
    for path in chapter_notebooks():
        notebook = nbformat.read(path, as_version=4)
        cell = first_code_cell(notebook)
        if cell.source == expected and cell.metadata.get("tags") == TAGS:
            continue
        stale.append(path.name)
        if not check:
            cell.source = expected
            cell.metadata["tags"] = TAGS
            nbformat.write(notebook, path)
    if check and stale:
        print(f"setup cell out of date in {stale}; run: python .ci/setup_cell.py", file=sys.stderr)
        return 1
    if not check:
        print(f"setup cell written into {len(stale)} notebook(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
