"""Every page renders cleanly for a reader on a laptop and on a phone (issue 14): no MathJax error
(in solutions and dropdowns too), nothing wider than its box at 1366 px, no TeX source printed as
text, sliders that tell screen readers the value they show, and a usable slider on a phone."""

from __future__ import annotations

import pytest

from page_checks import (frame_sliders, html_pages, math_errors, open_collapsed, short_slider_tracks, sideways_overflow,
                         open_page, tex_in_outputs, too_wide, unspoken_values)

PAGES = html_pages()
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Slider tracks are checked at phone size on every chapter.
PHONE_PAGES = [p for p in PAGES if p.startswith("notebooks/")]
# Pages held to "no sideways scrolling at 390 px" (issue 14 asks it of chapter 4, the W2 slider's page).
NO_SIDEWAYS_ON_PHONE = [p for p in PHONE_PAGES if p.startswith("notebooks/04_")]


def lines(findings):
    return "\n  ".join(findings)


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_cleanly_at_laptop_width(browser, site_url, path):
    visit = open_page(browser, f"{site_url}/{path}", viewport=LAPTOP)
    try:
        open_collapsed(visit.page)
        problems = {
            "MathJax errors": math_errors(visit.page),
            "wider than their box at 1366 px": too_wide(visit.page),
            "TeX source in outputs": tex_in_outputs(visit.page),
        }
        problems = {what: found for what, found in problems.items() if found}
        assert not problems, f"{path}:\n" + "\n".join(f"{what}:\n  {lines(found)}" for what, found in problems.items())
    finally:
        visit.page.close()


@pytest.mark.parametrize("path", [p for p in PAGES if p.startswith("notebooks/")])
def test_every_slider_tells_screen_readers_the_value_it_shows(browser, site_url, path):
    """aria-valuetext contains the readout: at the opening position, at the end, and one step in."""
    visit = open_page(browser, f"{site_url}/{path}")
    page = visit.page
    try:
        found = unspoken_values(page)
        boxes = frame_sliders(page)
        for k in range(boxes.count()):
            handle = boxes.nth(k).locator(".noUi-handle").first
            handle.focus()
            for key in ("End", "Home", "ArrowRight"):
                page.keyboard.press(key)
                found += [f"after {key}: {finding}" for finding in unspoken_values(page)]
        assert not found, f"{path}:\n  {lines(sorted(set(found)))}"
    finally:
        page.close()


@pytest.mark.parametrize("path", PHONE_PAGES)
def test_slider_tracks_are_long_enough_on_a_phone(browser, site_url, path):
    """At 390 x 844 each slider's track is at least 300 px long (its label goes above it)."""
    visit = open_page(browser, f"{site_url}/{path}", viewport=PHONE)
    try:
        found = short_slider_tracks(visit.page)
        assert not found, f"{path} at 390 x 844:\n  {lines(found)}"
    finally:
        visit.page.close()


@pytest.mark.parametrize("path", NO_SIDEWAYS_ON_PHONE)
def test_page_does_not_scroll_sideways_on_a_phone(browser, site_url, path):
    """At 390 x 844 the page neither scrolls sideways nor cuts content off at the right edge."""
    visit = open_page(browser, f"{site_url}/{path}", viewport=PHONE)
    try:
        open_collapsed(visit.page)
        found = sideways_overflow(visit.page)
        assert not found, f"{path} at 390 x 844:\n  {lines(found)}"
    finally:
        visit.page.close()
