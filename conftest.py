"""Test order for every pytest run of the repository (unit tests, nbval over the notebooks, the
browser test), and the Colab-like notebook runs' environments. At the root so that it applies to
`pytest notebooks` and `pytest _build/colab-notebooks` too.

Browser checks run page by page, so that one loaded page serves the checks of all three browser
test files (see the ``loaded`` fixture in tests/browser/conftest.py). Under pytest-xdist, .ci/test
uses ``--dist loadscope`` with the scopes given here (``PageScopeScheduling``): a page's browser
checks go together to one worker; every other test goes with its module or class, as loadscope
sends it (each notebook whole: nbval runs its cells in order in one kernel).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

# The browser test's page report (tests/browser/page_checks.py) is gathered here, in the root
# conftest, because under pytest-xdist only this file is loaded by the main process.
sys.path.insert(0, str(Path(__file__).resolve().parent / "tests" / "browser"))
from page_checks import REPORT_PARTS, SITE, write_report  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
import colab_like  # noqa: E402

# The kernel specs of the Colab-like copies of the chapters (tests/colab_like.py), which name them.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    [str(colab_like.KERNELS), *filter(None, [os.environ.get("JUPYTER_PATH")])])

# Within one page: the loading checks first (console errors of the load itself; axe-core later asks
# for a stylesheet that 404s), the sliders moved, chapter 4's live explorer, then axe-core and the
# other accessibility checks, then the rendering checks (which open every solution, and end at
# phone size).
BROWSER_FILE_ORDER = {"test_site.py": 0, "test_explorer_page.py": 1, "test_accessibility.py": 2,
                      "test_rendering.py": 3}
BROWSER_PAGE_CHECK = re.compile(r"^tests/browser/(%s)::[^\[]+\[(?P<page>[^\]]+)\]$"
                                % "|".join(re.escape(name) for name in BROWSER_FILE_ORDER))


def browser_page(nodeid: str) -> str | None:
    """The page a browser check of BROWSER_FILE_ORDER looks at (its ``path`` parameter, which is
    the test id), None for every other test."""
    match = BROWSER_PAGE_CHECK.match(nodeid)
    return match["page"] if match else None


# Under pytest-xdist the scopes go to the workers in the order they are collected: the longest
# first (the Colab-like notebook runs, then the notebooks, then the pages), so that the many short
# test modules fill the gaps at the end and both workers finish at about the same time.
LONGEST_FIRST = ("_build/colab-notebooks/", "notebooks/", "tests/browser/")


def pytest_collection_modifyitems(config, items):
    def key(pair):
        index, item = pair
        rank = next((k for k, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
                    len(LONGEST_FIRST))
        page = browser_page(item.nodeid)
        if page is None:
            return (rank, "", 0, index)
        return (rank, page, BROWSER_FILE_ORDER[Path(str(item.path)).name], index)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]


class PageScopeScheduling(LoadScopeScheduling):
    """--dist loadscope, with one more kind of scope: all browser checks of one page.

    (pytest-xdist's --dist loadgroup would say this with marks, but with pytest 9.2 it silently
    ignores them: pytest-dev/pytest-xdist#1386.)"""

    def _split_scope(self, nodeid: str) -> str:
        page = browser_page(nodeid)
        return f"page {page}" if page else super()._split_scope(nodeid)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadscope":
        return PageScopeScheduling(config, log)
    return None


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the main process (or the only one)
        shutil.rmtree(REPORT_PARTS, ignore_errors=True)


def pytest_sessionfinish(session):
    """Write the weight and axe-core table of every page the run opened to _build/page-weights.md."""
    if hasattr(session.config, "workerinput"):
        return
    report = write_report()
    shutil.rmtree(REPORT_PARTS, ignore_errors=True)
    if report:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"page weights and axe-core results: {SITE.parent / 'page-weights.md'}")


def colab_copy(item) -> Path | None:
    """The Colab-like copy of a chapter whose cell ``item`` is (nbval), None for any other test."""
    path = Path(str(item.path))
    return path if path.suffix == ".ipynb" and colab_like.flavor_of(path) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Before a Colab-like copy's kernel starts (with its first cell): a fresh environment for it."""
    copy = colab_copy(item)
    if copy is not None and item.parent.kernel is None:
        colab_like.make_fresh_environment(copy)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a Colab-like copy's last cell: rnn_helpers was installed into its own environment."""
    copy = colab_copy(item)
    result = yield
    last = nextitem is None or nextitem.parent is not item.parent
    if copy is not None and last and item.parent.kernel is not None:  # not if it never started
        colab_like.check_installed_by_setup_cell(copy)
    return result
