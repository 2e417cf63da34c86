"""Loading a page of the built book the way a reader's browser does, and recording what went wrong."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

SITE = Path(__file__).resolve().parents[2] / "_build" / "html"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


# The weight and axe-core table of each run: every test process (pytest-xdist runs two) adds its
# pages' lines here, and the root conftest.py writes _build/page-weights.md when the run ends.
REPORT_PARTS = SITE.parent / "page-report"


def record(path: str, **facts) -> None:
    """Note a fact about a page for the run's report (``weight=`` bytes, ``axe=`` what it found)."""
    REPORT_PARTS.mkdir(parents=True, exist_ok=True)
    with open(REPORT_PARTS / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as part:
        part.write(json.dumps({"page": path, **facts}) + "\n")


def write_report() -> str | None:
    """Gather the run's notes into _build/page-weights.md (page, own files in KB, axe-core)."""
    rows: dict[str, dict] = {}
    for part in sorted(REPORT_PARTS.glob("*.jsonl")) if REPORT_PARTS.exists() else []:
        for line in part.read_text(encoding="utf-8").splitlines():
            fact = json.loads(line)
            rows.setdefault(fact.pop("page"), {}).update(fact)
    if not any("weight" in row for row in rows.values()):
        return None
    lines = ["| page | own files (KB) | axe-core |", "|---|---:|---|"]
    lines += [f"| {page} | {row['weight'] / 1024:.0f} | {row.get('axe', 'not run')} |"
              for page, row in sorted(rows.items()) if "weight" in row]
    report = "\n".join(lines) + "\n"
    (SITE.parent / "page-weights.md").write_text(report)
    return report


@dataclass
class PageVisit:
    """What one page load produced: console errors, and requests that left the local server."""
    page: object
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


def open_page(context, url: str, viewport: dict | None = None) -> PageVisit:
    """Open ``url`` in a new tab, blocking (and recording) every request to another host.

    ``viewport`` (``{"width": ..., "height": ...}``) sizes the tab before the page loads.

    Waits until MathJax has typeset and every embedded widget has been rendered.
    """
    page = context.new_page()
    if viewport:
        page.set_viewport_size(viewport)
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
    page.goto(url, wait_until="load", timeout=90_000)  # a loaded 2-core machine can take longer than 30 s
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


def first_frame_slider(page):
    """(page, box) for the page's first frame slider, scrolled into view."""
    box = frame_sliders(page).first
    box.scroll_into_view_if_needed()
    return page, box


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


def click_track(page, box, fraction: float) -> None:
    """Click the track of the slider inside ``box`` at ``fraction`` of its width (0 the left end,
    1 the right end, kept 2 px inside the track).

    noUiSlider ignores a click on a track while it animates the previous click on it (about
    300 ms, the class noUi-state-tap): a check that clicks right after another check's click
    on the same slider would otherwise see the slider unmoved. So wait for that to end first.
    """
    track = box.locator(".noUi-target").first
    track.evaluate("""t => new Promise(done => {
        const check = () => t.classList.contains('noUi-state-tap') ? setTimeout(check, 20) : done();
        check();
    })""")
    where = track.bounding_box()
    x = where["x"] + min(max(fraction * where["width"], 2), where["width"] - 2)
    page.mouse.click(x, where["y"] + where["height"] / 2)


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


# ---------------------------------------------------------------------------------------------
# Rendering checks (issue 14). Each returns a list of findings, empty when the page is clean, and
# is tried on small synthetic pages both ways in test_page_checks.py.

def open_collapsed(page) -> None:
    """Open what a reader can open: solutions and dropdowns (sphinx-togglebutton) and <details>
    (hidden code cells), so that their math is typeset and their width is measured."""
    page.evaluate("""() => {
        document.querySelectorAll('details').forEach(d => { d.open = true; });
        document.querySelectorAll('button.toggle-button-hidden').forEach(b => b.click());
        document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
    }""")
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                  " ? MathJax.startup.promise.then(() => MathJax.typesetPromise ? MathJax.typesetPromise() : null) : null")


def math_errors(page) -> list[str]:
    """MathJax's red error boxes (``mjx-merror``): TeX that did not parse, with MathJax's message."""
    return page.evaluate("""() => [...document.querySelectorAll('mjx-merror')].map(e => {
        const section = e.closest('section[id]');
        return (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80)
            + ' (in #' + (section ? section.id : '?') + ': ' + e.textContent.slice(0, 60) + ')';
    })""")


def too_wide(page) -> list[str]:
    """Display equations, tables and text outputs whose content is wider than their box.

    The box is the element's own scrolling box (MathJax's display container and the output's
    <pre> scroll sideways when their content does not fit) or, for a table, the scrolling
    wrapper the theme puts around it; anything that sticks out of the article column counts too.
    Elements that are not displayed, and the theme's navigation, are not looked at.
    """
    return page.evaluate("""() => {
        const found = [];
        const article = document.querySelector('main article') || document.querySelector('main') || document.body;
        const columnRight = article.getBoundingClientRect().right;
        const scrolls = el => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
        const describe = el => {
            const section = el.closest('section[id]');
            return (section ? '#' + section.id + ': ' : '') + el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 60);
        };
        const items = [];
        article.querySelectorAll('mjx-container[display="true"]').forEach(e => items.push(['equation', e]));
        article.querySelectorAll('.cell_output pre, .output pre').forEach(e => items.push(['output', e]));
        article.querySelectorAll('table').forEach(e => items.push(['table', e]));
        for (const [kind, el] of items) {
            if (!el.getClientRects().length || el.closest('nav, header, footer, .bd-sidebar-primary, .bd-sidebar-secondary')) continue;
            let box = el;
            if (kind === 'table') {
                box = el.parentElement;
                while (box && box !== article && !scrolls(box)) box = box.parentElement;
                box = box || article;
            }
            const content = kind === 'table' ? el.getBoundingClientRect().width : el.scrollWidth;
            const excess = Math.round(content - box.clientWidth);
            const sticksOut = Math.round(box.getBoundingClientRect().right - columnRight);
            if (excess > 1) found.push(`${kind} ${excess} px wider than its ${box.clientWidth} px box: ${describe(el)}`);
            else if (sticksOut > 1) found.push(`${kind} sticks out of the text column by ${sticksOut} px: ${describe(el)}`);
        }
        return found;
    }""")


# TeX source that a reader should never see as text: a $...$ pair, a TeX command, a braced
# subscript or superscript. Commands are listed so that "\\n" in a printed repr is not taken for TeX.
TEX_SOURCE = (r"\$[^$\s](?:[^$\n]*[^$\s])?\$"
              r"|\\(?:d?frac|sum|prod|int|partial|cdots?|ldots|dots|times|hat|bar|tilde|vec|sqrt"
              r"|math(?:rm|bf|it|cal|bb)|operatorname|text(?:rm|bf)?|left|right|begin|end|odot|otimes"
              r"|sigma|tanh|alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|lambda|mu|nabla"
              r"|approx|leq?|geq?|neq|infty|quad|qquad)(?![A-Za-z])"
              r"|[_^]\{")


def tex_in_outputs(page) -> list[str]:
    """TeX source shown as text in a cell's output (printed text, Markdown/HTML output, widget captions).

    Typeset math (``mjx-container``) and the widgets' embedded state (<script>) are not text a reader sees.
    A cell tagged ``shows-source`` prints source text on purpose (chapter 6 prints the book's own
    Markdown, which holds TeX, and samples of a model trained on it); its output (class
    ``tag_shows-source``) is left out, and only that cell's.
    """
    return page.evaluate("""pattern => {
        const tex = new RegExp(pattern);
        const found = [];
        document.querySelectorAll('.cell_output').forEach(output => {
            const walker = document.createTreeWalker(output, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const node = walker.currentNode;
                if (node.parentElement.closest('mjx-container, script, style, textarea, .tag_shows-source')) continue;
                for (const line of node.textContent.split('\\n')) {
                    const match = line.match(tex);
                    if (match) found.push(`${match[0]} in: ${line.trim().slice(0, 90)}`);
                }
            }
        });
        return found;
    }""", TEX_SOURCE)


def slider_value_texts(page) -> list[dict]:
    """For every slider with a visible readout: its label, the readout's text, and what the
    handle tells a screen reader (``aria-valuetext``)."""
    return page.evaluate("""() => [...document.querySelectorAll('.widget-slider')].map(slider => {
        const handle = slider.querySelector('.noUi-handle, [role=slider]');
        const readout = slider.querySelector('.widget-readout');
        const label = slider.querySelector('.widget-label');
        return {label: label ? label.textContent.trim() : '',
                readout: readout && readout.offsetParent !== null ? readout.textContent.trim() : null,
                valuetext: handle ? handle.getAttribute('aria-valuetext') : null};
    })""")


def unspoken_values(page) -> list[str]:
    """Sliders whose ``aria-valuetext`` does not contain the value their readout shows (as a whole
    number: a readout of "1" is not found in "10" or "1.5")."""
    found = []
    for item in slider_value_texts(page):
        if not item["readout"]:
            continue
        spoken = re.search(r"(?<![\w.])" + re.escape(item["readout"]) + r"(?!\.?\d|\w)", item["valuetext"] or "")
        if not spoken:
            found.append(f"slider {item['label']!r} shows {item['readout']!r} but tells screen readers {item['valuetext']!r}")
    return found


def short_slider_tracks(page, min_track: int = 300) -> list[str]:
    """Slider tracks shorter than ``min_track`` px."""
    return page.evaluate("""minTrack => [...document.querySelectorAll('.widget-slider .noUi-target')]
        .filter(track => track.getClientRects().length)
        .map(track => [track.closest('.widget-slider').querySelector('.widget-label'), track.getBoundingClientRect().width])
        .filter(([label, width]) => width < minTrack)
        .map(([label, width]) => `slider ${label ? JSON.stringify(label.textContent.trim()) : ''} has a ${Math.round(width)} px track (at least ${minTrack} px wanted)`)""",
        min_track)


def sideways_overflow(page) -> list[str]:
    """A page that scrolls sideways, or content cut off at the window's right edge.

    Content inside a box that scrolls sideways on its own (code, outputs, display math, tables in
    their wrapper) is the reader's to scroll and is not counted; nor is MathJax's invisible copy
    of each formula for screen readers.
    """
    found = []
    width, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width > window + 1:
        found.append(f"the page is {width} px wide in a {window} px window: it scrolls sideways")
    found += page.evaluate(r"""() => {
        const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
        const out = [];
        const article = document.querySelector('main article') || document.querySelector('main') || document.body;
        for (const el of article.querySelectorAll('*')) {
            if (out.length >= 8) break;
            if (el.closest('nav, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-toc')) continue;  // the theme's
            const box = el.getBoundingClientRect();
            if (box.right <= innerWidth + 1 || !el.getClientRects().length || el.closest('mjx-assistive-mml')) continue;
            let parent = el.parentElement, inScroller = false, parentOut = false;
            for (; parent && parent !== document.body; parent = parent.parentElement) {
                if (scrolls(parent)) { inScroller = true; break; }
            }
            if (inScroller) continue;
            if (el.parentElement && el.parentElement.getBoundingClientRect().right > innerWidth + 1) continue;  // report the outermost
            out.push(`${el.tagName.toLowerCase()} ends at ${Math.round(box.right)} px, beyond the ${innerWidth} px window: ` +
                     el.textContent.replace(/\s+/g, ' ').trim().slice(0, 60));
        }
        return out;
    }""")
    return found
