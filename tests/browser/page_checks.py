"""Loading a page of the built book the way a reader's browser does, and recording what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

SITE = Path(__file__).resolve().parents[2] / "_build" / "html"


@dataclass
class PageVisit:
    """What one page load produced: console errors, and requests that left the local server."""
    page: object
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


def open_page(context, url: str) -> PageVisit:
    """Open ``url`` in a new tab, blocking (and recording) every request to another host.

    Waits until MathJax has typeset and every embedded widget has been rendered.
    """
    page = context.new_page()
    visit = PageVisit(page)
    local_host = urlparse(url).netloc

    def route(route_):
        request_url = route_.request.url
        if request_url.startswith("data:") or urlparse(request_url).netloc == local_host:
            route_.continue_()
        else:
            visit.foreign_requests.append(request_url)
            route_.abort()

    page.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and visit.console_errors.append(message.text))
    page.on("pageerror", lambda error: visit.console_errors.append(str(error)))
    page.goto(url, wait_until="load")
    # MathJax 3 exposes a promise that resolves when the first typesetting pass is done.
    page.wait_for_function("() => !document.querySelector('.math') || (window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=20_000)
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    expected = widget_view_count(page)
    if expected:
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-OutputArea-output .widget-container, .cell_output .jupyter-widgets').length >= n",
            arg=expected, timeout=20_000)
    return visit


def widget_view_count(page) -> int:
    """How many widget views the page embeds (one script tag each)."""
    return page.evaluate("() => document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]').length")


def raw_math(page) -> list[str]:
    """TeX that was left untypeset: text nodes outside code blocks that still hold \\( \\[ or $$."""
    return page.evaluate(r"""() => {
        const bad = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode;
            if (node.parentElement.closest('pre, code, script, style, textarea, mjx-container')) continue;
            if (/\\\(|\\\[|\$\$/.test(node.textContent)) bad.push(node.textContent.trim().slice(0, 80));
        }
        return bad;
    }""")


def frame_sliders(page):
    """The boxes holding a precomputed-frame slider (made by rnn_helpers.widgets.frame_slider)."""
    return page.locator(".widget-vbox:has(> .widget-hslider)")


def visible_frame(page, box) -> dict:
    """The caption, alt text and image source of the frame the slider inside ``box`` shows
    (for a frame of text, ``text`` holds it and ``src`` is a fingerprint of it)."""
    return box.evaluate("""box => {
        let shown = [...box.querySelectorAll('img')].filter(img => img.offsetParent !== null);
        // Frames of text (chapter 6's samples) are <pre> blocks; their text stands in for the image.
        const text = shown.length === 0;
        if (text) shown = [...box.querySelectorAll('pre')].filter(pre => pre.offsetParent !== null);
        const captions = [...box.querySelectorAll('.frame-caption')].filter(p => p.offsetParent !== null);
        // A short fingerprint of the whole data URI: frames of one slider share long prefixes and suffixes.
        let fingerprint = null;
        if (shown.length) {
            fingerprint = 0;
            for (const ch of (text ? shown[0].textContent : shown[0].src)) fingerprint = (fingerprint * 31 + ch.charCodeAt(0)) | 0;
        }
        return {count: shown.length, src: fingerprint, alt: shown.length && !text ? shown[0].alt : null,
                text: shown.length && text ? shown[0].textContent : null,
                caption: captions.length ? captions[0].textContent : null};
    }""")


def html_pages() -> list[str]:
    """Every page of the built site, as paths relative to its root.

    Assets, sources and redirect stubs (a meta refresh to another page) are left out.
    """
    if not SITE.exists():
        return []
    skip = ("_static", "_sources", "_images", "reports")
    return sorted(
        str(path.relative_to(SITE)) for path in SITE.rglob("*.html")
        if path.relative_to(SITE).parts[0] not in skip
        and 'http-equiv="Refresh"' not in path.read_text(encoding="utf-8")[:2000]
    )
