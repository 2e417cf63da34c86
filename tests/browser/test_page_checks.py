"""The rendering checks of page_checks.py, tried both ways on tiny synthetic pages: each finds the
fault it is made for, and stays quiet on a clean page and on look-alikes (no false positives)."""

from __future__ import annotations

import pytest

from page_checks import (math_errors, open_collapsed, short_slider_tracks, sideways_overflow, tex_in_outputs,
                         too_wide, unspoken_values)

WIDGET_JS = (__import__("pathlib").Path(__file__).resolve().parents[2] / "book" / "_static" / "widget-a11y.js")


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    yield page
    page.close()


def show(page, body, width=None):
    if width:
        page.set_viewport_size({"width": width, "height": 844})
    page.set_content(f"""<html><head><style>
        body {{ margin: 0; }} article {{ width: 700px; }}
        mjx-container[display="true"], pre {{ display: block; overflow-x: auto; }}
        .wrap {{ overflow-x: auto; }} .widget-readout {{ display: inline-block; }}
        </style></head><body><main><article>{body}</article></main></body></html>""")


def test_math_errors_finds_merror_also_in_a_collapsed_solution(page):
    show(page, '<div class="solution toggle-hidden"><mjx-container><mjx-merror data-mjx-error="Misplaced &">'
               'Misplaced &amp;</mjx-merror></mjx-container></div>')
    assert math_errors(page) and "Misplaced &" in math_errors(page)[0]
    show(page, '<mjx-container><mjx-math>x</mjx-math></mjx-container><p>merror is a word here</p>')
    assert math_errors(page) == []


def test_too_wide_finds_wide_equations_outputs_and_tables(page):
    wide = '<span style="display:inline-block;width:900px">h_5 = x_5 + ...</span>'
    show(page, f'<mjx-container display="true">{wide}</mjx-container>'
               f'<div class="cell_output"><pre>{"x" * 200}</pre></div>'
               f'<div class="wrap"><table><tr><td>{wide}</td></tr></table></div>')
    kinds = sorted(finding.split()[0] for finding in too_wide(page))
    assert kinds == ["equation", "output", "table"], too_wide(page)
    narrow = '<span style="display:inline-block;width:690px">fits</span>'
    show(page, f'<mjx-container display="true">{narrow}</mjx-container><div class="cell_output"><pre>{"x" * 60}</pre></div>'
               f'<div class="wrap"><table><tr><td>{narrow}</td></tr></table></div>'
               f'<mjx-container display="true" style="display:none">{wide}</mjx-container>')
    assert too_wide(page) == []


def test_tex_in_outputs_finds_tex_source_but_not_look_alikes(page):
    for tex in ["['$W_{hh}$', '$W_{hy}$']", "h_{5} = x_{5} + W_2 x_{4}", r"\frac{a}{b}", r"a \cdot b", "W_2^{3}"]:
        show(page, f'<div class="cell_output"><pre>{tex}</pre></div>')
        assert tex_in_outputs(page), tex
    show(page, r'<div class="cell_output"><pre>W2 = 0.5, h_5 = 0.03, "abc\nxyz", cost $5, 2^-3, {a: 1}</pre>'
               r'<mjx-container>W_{hh}</mjx-container><script>{"x": "$W_{hh}$"}</script></div>'
               r'<p>$W_{hh}$ in prose is MathJax&#39;s job, not an output</p>')
    assert tex_in_outputs(page) == []


def test_tex_in_outputs_leaves_out_only_cells_tagged_shows_source(page):
    text = "the book's source: $W_{hh}$ and \\tanh"
    show(page, f'<div class="cell tag_shows-source"><div class="cell_output"><pre>{text}</pre></div></div>')
    assert tex_in_outputs(page) == []
    show(page, f'<div class="cell tag_hide-input"><div class="cell_output"><pre>{text}</pre></div></div>')
    assert tex_in_outputs(page)


def slider(label, readout, valuetext, track_width=337):
    return (f'<div class="widget-slider widget-hslider"><label class="widget-label">{label}</label>'
            f'<div class="slider noUi-target" style="display:inline-block;width:{track_width}px">'
            f'<div class="noUi-handle" role="slider" aria-valuetext="{valuetext}"></div></div>'
            f'<div class="widget-readout">{readout}</div></div>')


def test_unspoken_values_compares_the_readout_with_aria_valuetext(page):
    for readout, valuetext in [("1.00", "10"), ("1", "10"), ("30", "9"), ("1", "1.5")]:
        show(page, slider("W2", readout, valuetext))
        assert unspoken_values(page), (readout, valuetext)
    for readout, valuetext in [("1.00", "W2 = 1.00"), ("30", "30 updates"), ("1", "Stage: 1")]:
        show(page, slider("W2", readout, valuetext))
        assert unspoken_values(page) == [], (readout, valuetext)


def test_widget_a11y_js_writes_the_readout_into_aria_valuetext_as_the_slider_moves(page):
    show(page, slider("W₂ (recurrent weight)", "1.00", "10") + slider("updates", "30", "9")
               + slider("Words read", "4", "3"))
    page.add_script_tag(path=str(WIDGET_JS))
    texts = page.evaluate("() => [...document.querySelectorAll('.noUi-handle')].map(h => h.getAttribute('aria-valuetext'))")
    assert texts == ["W₂ = 1.00", "30 updates", "Words read: 4"]
    # noUiSlider writes the index again when the slider moves; the readout changes too.
    page.evaluate("""() => { const s = document.querySelector('.widget-slider');
        s.querySelector('.widget-readout').textContent = '2.00';
        s.querySelector('.noUi-handle').setAttribute('aria-valuetext', '20'); }""")
    page.wait_for_function("() => document.querySelector('.noUi-handle').getAttribute('aria-valuetext') === 'W₂ = 2.00'")
    assert unspoken_values(page) == []


def test_phone_checks_find_short_tracks_and_sideways_scrolling(page):
    show(page, slider("W2", "1.00", "W2 = 1.00", track_width=119) + '<p style="width:600px">wide</p>', width=390)
    page.add_style_tag(content="article { width: auto; }")
    assert short_slider_tracks(page) and "119 px" in short_slider_tracks(page)[0]
    assert any("scrolls sideways" in f for f in sideways_overflow(page)), sideways_overflow(page)
    show(page, slider("W2", "1.00", "W2 = 1.00", track_width=334) + '<pre style="width:360px">' + "x" * 200 + "</pre>"
               + '<nav style="position:absolute;left:400px;width:300px">the theme\'s table of contents</nav>', width=390)
    page.add_style_tag(content="article { width: auto; }")
    assert short_slider_tracks(page) == []
    assert sideways_overflow(page) == []
