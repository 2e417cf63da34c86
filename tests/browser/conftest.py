"""Fixtures for the browser test: the built site served on 127.0.0.1, and Debian's headless Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from page_checks import LAPTOP, SITE, open_page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}; build it first with `bash .ci/build`")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium (bash .ci/setup --browser)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="rnn-book-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport=LAPTOP,
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def _page_cache(browser, site_url):
    cache: dict[tuple, object] = {}
    yield cache
    for visit in cache.values():
        visit.page.close()


@pytest.fixture
def loaded(_page_cache, browser, site_url):
    """``loaded(path, viewport=LAPTOP)``: the page, opened once and shared by every browser check of
    that page (the root conftest.py runs them page by page, in one worker), so that each page is
    loaded, its math typeset and its widgets rendered once instead of once per check or per test
    file. The checks run in the order of BROWSER_FILE_ORDER: loading first, so that it sees the page
    as the reader's browser loaded it.

    A check at another size (the phone checks, which come last) gets the same page resized, not a
    new load: on every chapter, a page loaded at 390 x 844 and one loaded at 1366 x 900, its sliders
    moved and its solutions opened, then resized to 390 x 844, gave the same slider tracks, widths
    and sideways-overflow findings (measured when the resizing replaced the second load)."""

    def get(path: str, viewport: dict = LAPTOP):
        if path not in _page_cache:
            while _page_cache:  # the previous page's checks are done: free its memory
                _page_cache.pop(next(iter(_page_cache))).page.close()
            _page_cache[path] = open_page(browser, f"{site_url}/{path}", viewport=viewport)
        visit = _page_cache[path]
        if visit.page.viewport_size != viewport:
            visit.page.set_viewport_size(viewport)
            # two animation frames: the layout (and anything drawn on resize) has caught up
            visit.page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        return visit

    return get
