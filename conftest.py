"""Test order for every pytest run of the repository (unit tests, nbval over notebooks/, the browser
test). At the root so that it applies to `pytest notebooks` too.

Browser checks run page by page, so that one loaded page serves all its read-only checks (see the
``loaded`` fixture in tests/browser/conftest.py). Under pytest-xdist, .ci/test uses
``--dist loadscope``: each module (each notebook: nbval runs its cells in order in one kernel) or
test class goes whole to one worker.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

# The browser test's page report (tests/browser/page_checks.py) is gathered here, in the root
# conftest, because under pytest-xdist only this file is loaded by the main process.
sys.path.insert(0, str(Path(__file__).resolve().parent / "tests" / "browser"))
from page_checks import REPORT_PARTS, SITE, write_report  # noqa: E402

# Within one page: the loading checks first (console errors of the load itself; axe-core later asks
# for a stylesheet that 404s), the sliders moved, then axe-core and the other accessibility checks,
# then the rendering checks (which open every solution).
BROWSER_FILE_ORDER = {"test_site.py": 0, "test_accessibility.py": 1, "test_rendering.py": 2}


def browser_page(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("path") if callspec else None


def pytest_collection_modifyitems(config, items):
    def key(pair):
        index, item = pair
        path = Path(str(item.path))
        page = browser_page(item) if path.parent.name == "browser" else None
        if page is None:
            return (0, path.name if path.parent.name == "browser" else "", "", 0, index)
        # stay inside the file (loadscope sends a module to one worker), page by page
        return (1, path.name, page, BROWSER_FILE_ORDER.get(path.name, 9), index)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]


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
