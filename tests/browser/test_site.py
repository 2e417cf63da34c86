"""Every page of the built book, in headless Chromium with no network: it loads cleanly, its math is
typeset, its widgets render, it asks nothing of any host but the local server, and its sliders move."""

from __future__ import annotations

import pytest

from page_checks import click_track, first_frame_slider, frame_sliders, html_pages, raw_math, visible_frame, widget_view_count

PAGES = html_pages()


def test_the_site_has_the_chapters():
    assert "notebooks/01_memory.html" in PAGES, f"chapter 1 is missing from the built site: {PAGES}"


def test_the_root_sends_readers_to_the_landing_page(browser, site_url):
    page = browser.new_page()
    page.goto(f"{site_url}/index.html")
    page.wait_for_url("**/book/intro.html")
    assert page.locator("h1").first.inner_text().strip() != ""
    page.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_with_math_and_widgets(loaded, path):
    visit = loaded(path)
    assert visit.foreign_requests == [], f"{path} asked other hosts for {visit.foreign_requests}"
    assert visit.console_errors == [], f"{path} logged console errors: {visit.console_errors}"
    assert raw_math(visit.page) == [], f"{path} shows untypeset TeX"
    views = widget_view_count(visit.page)
    rendered = visit.page.locator(".cell_output .jupyter-widgets.widget-vbox").count()
    assert rendered >= views, f"{path} embeds {views} widget(s) but renders {rendered}"


@pytest.mark.parametrize("path", ["notebooks/01_memory.html"])
def test_chapter1_math_is_typeset(loaded, path):
    assert loaded(path).page.locator("mjx-container").count() >= 5


# The sliders of chapters 4 to 6, each checked on its own terms, before the check of every slider
# at the end of this file: they start from the slider's opening position (a page's checks run in
# the order of this file).
@pytest.mark.parametrize("path", ["notebooks/04_vanishing_gradients.html"])
def test_w2_slider_shows_the_values_for_the_chosen_w2(loaded, path):
    """Chapter 4's signature slider, on the static page: keyboard and mouse reach W2 = 0.1 and 2, and
    the T buttons (mouse and keyboard) switch to the long lags at the same W2."""
    page, box = first_frame_slider(loaded(path).page)
    opening = visible_frame(page, box)
    assert opening["caption"].startswith("W₂ = 1.00, T = 5,"), opening["caption"]
    box.locator(".noUi-handle").first.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    at_tenth = visible_frame(page, box)
    assert at_tenth["caption"].startswith("W₂ = 0.10"), at_tenth["caption"]
    assert "linear neuron: ∂y₅/∂x₁ = 0.0001," in at_tenth["caption"].replace("\u2060", "")
    assert at_tenth["src"] != opening["src"]
    assert "for W₂ = 0.10:" in at_tenth["alt"], at_tenth["alt"]  # the picture is W2 = 0.1's too
    click_track(page, box, 2.0 / 2.5)
    at_two = visible_frame(page, box)
    assert at_two["caption"].startswith("W₂ = 2.00"), at_two["caption"]
    assert "linear neuron: ∂y₅/∂x₁ = 16," in at_two["caption"].replace("\u2060", "")
    assert at_two["src"] != at_tenth["src"]
    assert "for W₂ = 2.00:" in at_two["alt"], at_two["alt"]
    # The T buttons: the mouse picks T = 50, the keyboard (Tab to a button, Space) picks T = 20.
    box.get_by_role("button", name="T = 50", exact=True).click()
    at_fifty = visible_frame(page, box)
    assert at_fifty["count"] == 1
    assert at_fifty["caption"].startswith("W₂ = 2.00, T = 50,"), at_fifty["caption"]
    assert "linear neuron: ∂y₅₀/∂x₁ = 5.6 × 10¹⁴" in at_fifty["caption"].replace("\u2060", "")
    box.get_by_role("button", name="T = 20", exact=True).focus()
    page.keyboard.press("Space")
    at_twenty = visible_frame(page, box)
    assert at_twenty["caption"].startswith("W₂ = 2.00, T = 20,"), at_twenty["caption"]


@pytest.mark.parametrize("path", ["notebooks/05_lstm.html"])
def test_forget_gate_slider_shows_the_values_for_the_chosen_bias(loaded, path):
    """Chapter 5's slider, on the static page: arrow keys and the mouse reach a chosen bias,
    and caption and picture both belong to it (sigmoid(1) = 0.731, sigmoid(3) = 0.953)."""
    page, box = first_frame_slider(loaded(path).page)
    box.locator(".noUi-handle").first.focus()
    page.keyboard.press("Home")
    at_zero = visible_frame(page, box)
    assert at_zero["caption"].startswith("Forget-gate bias 0.0, so f = σ(0.0) = 0.500")
    page.keyboard.press("ArrowRight")
    at_one = visible_frame(page, box)
    assert at_one["caption"].startswith("Forget-gate bias 1.0, so f = σ(1.0) = 0.731")
    assert "forget-gate bias 1.0 (f = 0.731)" in at_one["alt"], at_one["alt"]
    assert at_one["src"] != at_zero["src"]
    click_track(page, box, 3 / 6)  # biases 0 ... 6 along the track
    at_three = visible_frame(page, box)
    assert at_three["caption"].startswith("Forget-gate bias 3.0, so f = σ(3.0) = 0.953")
    assert "forget-gate bias 3.0 (f = 0.953)" in at_three["alt"], at_three["alt"]
    assert at_three["count"] == 1


@pytest.mark.parametrize("path", ["notebooks/06_char_language_model.html"])
def test_temperature_slider_shows_the_sample_of_the_chosen_temperature(loaded, path):
    """Chapter 6's slider, on the static page: keys and the mouse change the sample, and the
    caption (read out, role=status) names the temperature shown."""
    page, box = first_frame_slider(loaded(path).page)
    opening = visible_frame(page, box)
    assert opening["caption"].startswith("Sample at temperature 0.85"), opening["caption"]
    box.locator(".noUi-handle").first.focus()
    page.keyboard.press("Home")
    cold = visible_frame(page, box)
    assert cold["caption"].startswith("Sample at temperature 0.10"), cold["caption"]
    assert cold["text"].startswith("## The hidden state") and cold["text"] != opening["text"]
    page.keyboard.press("ArrowRight")
    assert visible_frame(page, box)["caption"].startswith("Sample at temperature 0.30")
    click_track(page, box, 1.0)
    hot = visible_frame(page, box)
    assert hot["caption"].startswith("Sample at temperature 2.00"), hot["caption"]
    assert hot["count"] == 1 and hot["text"] not in (cold["text"], opening["text"])
    assert box.locator('[role="status"]').count() >= 1


def slider_pages():
    return [p for p in PAGES if p.startswith("notebooks/")]


@pytest.mark.parametrize("path", slider_pages())
def test_every_frame_slider_moves_by_keyboard_and_mouse(loaded, path):
    visit = loaded(path)
    page = visit.page
    boxes = frame_sliders(page)
    for k in range(boxes.count()):
        box = boxes.nth(k)
        box.scroll_into_view_if_needed()
        start = visible_frame(page, box)
        assert start["count"] == 1, f"slider {k} on {path} shows {start['count']} frames at once"
        handle = box.locator(".noUi-handle").first
        handle.focus()
        # The keyboard moves the slider between its extremes: End, then Home.
        page.keyboard.press("End")
        at_end = visible_frame(page, box)
        page.keyboard.press("Home")
        at_start = visible_frame(page, box)
        assert at_end["src"] != at_start["src"], f"the keyboard did not change slider {k} on {path}"
        assert at_end["caption"] != at_start["caption"] or at_end["caption"] is None
        # Clicking the far right of the track moves it back to the last position.
        click_track(page, box, 1.0)
        by_mouse = visible_frame(page, box)
        assert by_mouse["src"] == at_end["src"], f"the mouse did not move slider {k} on {path} to its end"
        assert by_mouse["count"] == 1
