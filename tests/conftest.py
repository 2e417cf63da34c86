"""Test order and grouping for the whole run (unit tests, nbval over notebooks/, the browser test).

- Browser checks run page by page, so that one loaded page serves all its read-only checks
  (see the ``loaded`` fixture in tests/browser/conftest.py).
- With pytest-xdist (``-n 2 --dist loadgroup``, as .ci/test runs it), the cells of one notebook
  stay together in one worker (nbval runs them in order in one kernel), and so do the checks of
  one page; every other test may go to either worker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Within one page: the loading checks first (console errors of the load itself; axe-core later asks
# for a stylesheet that 404s), the sliders moved, then axe-core and the other accessibility checks, then the
# rendering checks (which open every solution).
BROWSER_FILE_ORDER = {"test_site.py": 0, "test_accessibility.py": 1, "test_rendering.py": 2}


def browser_page(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("path") if callspec else None


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.path))
        if path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(f"nbval:{path.name}"))
        elif path.parent.name == "browser" and browser_page(item):
            item.add_marker(pytest.mark.xdist_group(f"page:{browser_page(item)}"))

    def key(pair):
        index, item = pair
        page = browser_page(item) if Path(str(item.path)).parent.name == "browser" else None
        if page is None:
            return (0, "", 0, index)
        return (1, page, BROWSER_FILE_ORDER.get(Path(str(item.path)).name, 9), index)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]
