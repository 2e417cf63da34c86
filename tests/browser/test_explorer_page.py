"""The live W2 explorer in the browser: it starts, its sliders answer the keyboard and the mouse,
and what it shows is what rnn_helpers draws (on a page of its own, and on chapter 4's page). Its
script against rnn_helpers over many settings, outside a page: test_w2_explorer_script.py."""

from __future__ import annotations

import pytest

from rnn_helpers.w2_explorer import explorer_picture, size_of
from rnn_helpers.w2_slider import live_w2_explorer


@pytest.fixture(scope="module")
def explorer_page(browser):
    """A page holding one explorer (started at W₂ = 2, T = 12, x₁ = 1), its script errors recorded."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    html = live_w2_explorer(w2=2.0, steps=12, size=1.0)._repr_html_()
    page.set_content(f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>explorer</title></head>'
                     f"<body>{html}</body></html>")
    page.wait_for_function("() => document.querySelector('.w2-explorer').dataset.started === 'yes'")
    yield page, errors
    page.close()


def shown(page) -> dict:
    """The explorer's state (the numbers its script used), readouts, picture HTML and notice."""
    return page.evaluate("""() => { const root = document.querySelector('.w2-explorer');
        return {state: JSON.parse(root.dataset.state), picture: root.querySelector('.w2-explorer-picture').innerHTML,
                readouts: [...root.querySelectorAll('output')].map(o => o.textContent),
                disabled: [...root.querySelectorAll('input')].map(i => i.disabled),
                notice: root.querySelector('.w2-explorer-notice').hidden}; }""")


def as_parsed(page, html: str) -> str:
    """``html`` as the page writes it back once parsed (``<rect/>`` becomes ``<rect></rect>``, ...)."""
    return page.evaluate("html => { const box = document.createElement('div'); box.innerHTML = html; "
                         "return box.innerHTML; }", html)


def test_sliders_answer_keyboard_and_mouse(explorer_page):
    page, errors = explorer_page
    opening = shown(page)
    assert opening["state"] == [2.0, 12, 1.0] and opening["readouts"] == ["2.00", "12", "1"]
    assert opening["disabled"] == [False] * 3 and opening["notice"] is True  # the script has started
    assert opening["picture"] == as_parsed(page, explorer_picture(2.0, 12, 1.0))
    sliders = page.locator(".w2-explorer input[type=range]")
    sliders.nth(0).focus()
    page.keyboard.press("ArrowRight")
    assert shown(page)["state"] == [2.05, 12, 1.0]
    sliders.nth(1).focus()
    page.keyboard.press("ArrowLeft")
    sliders.nth(2).focus()
    page.keyboard.press("ArrowLeft")
    moved = shown(page)
    w2, steps, size = moved["state"]
    assert (w2, steps, size) == (2.05, 11, size_of(-1)) and moved["readouts"] == ["2.05", "11", "0.56"]
    assert moved["picture"] == as_parsed(page, explorer_picture(w2, steps, size))
    track = sliders.nth(0).bounding_box()
    page.mouse.click(track["x"] + 2, track["y"] + track["height"] / 2)  # the left end: W₂ = 0
    at_zero = shown(page)
    assert at_zero["state"] == [0.0, 11, size]
    assert at_zero["picture"] == as_parsed(page, explorer_picture(0.0, 11, size))
    assert "linear neuron: ∂y₁₁\u2060/\u2060∂x₁ = 0, nothing of x₁ arrives" in at_zero["picture"]
    assert not errors


@pytest.mark.parametrize("path", ["notebooks/04_vanishing_gradients.html"])
def test_chapter_4_page_has_a_working_explorer(loaded, path):
    """On the website the explorer starts by itself and redraws on a key press, with no kernel.
    (One of the page's checks: the root conftest.py runs it right after those of test_site.py.)"""
    visit = loaded(path)
    page = visit.page
    page.wait_for_function("() => document.querySelector('.w2-explorer')?.dataset.started === 'yes'")
    opening = shown(page)
    assert opening["state"] == [2.0, 12, 1.0] and opening["notice"] is True
    assert opening["picture"] == as_parsed(page, explorer_picture(2.0, 12, 1.0))
    page.locator(".w2-explorer input[type=range]").nth(1).focus()
    page.keyboard.press("End")
    assert shown(page)["picture"] == as_parsed(page, explorer_picture(2.0, 60, 1.0))
    assert not visit.console_errors and not visit.foreign_requests
