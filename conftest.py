"""Test order for every pytest run of the repository (unit tests, nbval over notebooks/, the browser
test). At the root so that it applies to `pytest notebooks` too.

Browser checks run page by page, so that one loaded page serves all its read-only checks (see the
``loaded`` fixture in tests/browser/conftest.py). Under pytest-xdist, .ci/test uses
``--dist loadscope``: each module (each notebook: nbval runs its cells in order in one kernel) or
test class goes whole to one worker.
"""

from __future__ import annotations

from pathlib import Path

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
