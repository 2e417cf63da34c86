"""Exact behaviour of the slider helpers in rnn_helpers.widgets: figure_to_png, image_frame,
_frame_container and frame_slider (issue 20).

Each test here was written against mutants that got past every other test: a PNG's size or
metadata, a frame's HTML, the slider's options, start, label, layout and link, an error message.
The widgets are built in Python and their traits read; no browser runs. jslink moves the frames
only in the browser, so the link itself is checked: the slider's index drives the container's
selected_index, and the container's child at that index is the frame the reader sees.
"""

import struct
from types import SimpleNamespace

import ipywidgets
import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import rnn_helpers.widgets  # noqa: E402
from rnn_helpers.widgets import _frame_container, figure_to_png, frame_slider, image_frame  # noqa: E402
from reference import exactly  # noqa: E402

FRAMES = ["<p>frame 0</p>", "<p>frame 1</p>", "<p>frame 2</p>"]
LABELS = ["0.10", "0.20", "0.30"]


def png_size(png: bytes):
    """(width, height) in pixels, read from the PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


@pytest.fixture
def links(monkeypatch):
    """Every (source, target) pair that ipywidgets.jslink is asked to link (the real link is still made)."""
    made = []
    real = ipywidgets.jslink

    def recording_jslink(source, target):
        made.append((source, target))
        return real(source, target)

    monkeypatch.setattr(ipywidgets, "jslink", recording_jslink)
    return made


# ---------------------------------------------------------------- figure_to_png

def test_figure_to_png_renders_at_80_dpi_without_metadata_and_closes_that_figure():
    fig = plt.figure(figsize=(2, 1), dpi=100)
    fig.add_subplot().plot([0, 1], [0, 1])
    other = plt.figure()  # now pyplot's current figure: it must stay open
    png = figure_to_png(fig)
    assert png_size(png) == (160, 80)
    assert b"tEXt" not in png and b"Software" not in png and b"Matplotlib" not in png
    assert not plt.fignum_exists(fig.number)
    assert plt.fignum_exists(other.number)
    plt.close(other)


def test_figure_to_png_keeps_the_figure_when_asked_and_gives_the_same_bytes_each_time():
    fig = plt.figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    first = figure_to_png(fig, dpi=30, close=False)
    assert plt.fignum_exists(fig.number)
    assert png_size(first) == (30, 30)
    assert figure_to_png(fig, dpi=30, close=False) == first
    plt.close(fig)


def test_figure_to_png_gives_png_whatever_the_readers_savefig_format():
    fig = plt.figure(figsize=(1, 1))
    with plt.rc_context({"savefig.format": "svg"}):
        png = figure_to_png(fig, dpi=20)
    assert png_size(png) == (20, 20)


# ---------------------------------------------------------------- image_frame

def test_image_frame_is_exactly_this_html_with_alt_and_caption_escaped():
    frame = image_frame(b"\x89PNG", 'h "rises" <fast>', "W2 < 1 & T = 5")
    assert frame == ('<img src="data:image/png;base64,iVBORw==" alt="h &quot;rises&quot; &lt;fast&gt;" '
                     'style="max-width:100%"><p class="frame-caption" role="status">W2 &lt; 1 &amp; T = 5</p>')


def test_image_frame_without_caption_is_the_picture_alone():
    assert image_frame(b"ab", "two bytes") == '<img src="data:image/png;base64,YWI=" alt="two bytes" style="max-width:100%">'


@pytest.mark.parametrize("alt", ["", "  \n"])
def test_image_frame_refuses_an_empty_alt_with_the_whole_message(alt):
    with pytest.raises(ValueError, match=exactly(
            "alt must describe the picture for readers who cannot see it; got an empty string")):
        image_frame(b"ab", alt)


# ---------------------------------------------------------------- _frame_container

def test_frame_container_is_a_stack_showing_its_first_child():
    children = [ipywidgets.HTML(value=frame) for frame in FRAMES]
    pages = _frame_container(children)
    assert isinstance(pages, ipywidgets.Stack)
    assert list(pages.children) == children
    assert pages.selected_index == 0


def test_frame_container_without_stack_is_a_tab_showing_its_first_child(monkeypatch):
    # ipywidgets 7 (Colab) has no Stack: the container falls back to a Tab.
    monkeypatch.setattr(rnn_helpers.widgets, "widgets", SimpleNamespace(Tab=ipywidgets.Tab))
    children = [ipywidgets.HTML(value=frame) for frame in FRAMES]
    pages = _frame_container(children)
    assert type(pages) is ipywidgets.Tab
    assert list(pages.children) == children
    assert pages.selected_index == 0
    assert _frame_container(children[:1]).selected_index == 0


# ---------------------------------------------------------------- frame_slider

def test_frame_slider_builds_the_slider_above_the_frames_and_links_them(links):
    box = frame_slider(FRAMES, LABELS, "W2", start=1)
    assert isinstance(box, ipywidgets.VBox)
    slider, pages = box.children
    assert isinstance(slider, ipywidgets.SelectionSlider)
    assert slider.options == tuple(LABELS)
    assert (slider.value, slider.index) == ("0.20", 1)
    assert slider.description == "W2"
    assert slider.continuous_update is True
    assert slider.layout.width == "min(100%, 36em)"
    assert slider.style.description_width == "initial"
    assert isinstance(pages, ipywidgets.Stack)
    assert [page.value for page in pages.children] == FRAMES
    assert pages.selected_index == 1
    assert links == [((slider, "index"), (pages, "selected_index"))]
    # Moving the slider moves its index; the browser copies it to the container, which then
    # shows that frame.
    slider.value = "0.30"
    assert slider.index == 2
    assert pages.children[slider.index].value == "<p>frame 2</p>"


def test_frame_slider_starts_at_the_first_frame_by_default_and_takes_a_single_frame():
    slider, pages = frame_slider(FRAMES, LABELS, "Words read").children
    assert (slider.value, slider.index, pages.selected_index) == ("0.10", 0, 0)
    slider, pages = frame_slider(["<p>only</p>"], ["1"], "step").children
    assert (slider.options, slider.value, pages.selected_index) == (("1",), "1", 0)
    slider, pages = frame_slider(FRAMES, LABELS, "W2", start=2).children
    assert (slider.value, pages.selected_index) == ("0.30", 2)


@pytest.mark.parametrize("frames, labels, start, message", [
    (FRAMES, LABELS[:2], 0, "frames and labels must have the same length; got 3 frames and 2 labels"),
    ([], [], 0, "frame_slider needs at least one frame; got none"),
    (FRAMES, ["a", "b", "a"], 0, "labels must be distinct so that each names one position; got ['a', 'b', 'a']"),
    (FRAMES, LABELS, -1, "start must be a position from 0 to 2; got -1"),
    (FRAMES, LABELS, 3, "start must be a position from 0 to 2; got 3"),
])
def test_frame_slider_errors_get_the_whole_message(frames, labels, start, message):
    with pytest.raises(ValueError, match=exactly(message)):
        frame_slider(frames, labels, "W2", start=start)
