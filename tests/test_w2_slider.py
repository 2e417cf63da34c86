"""The W2 slider: its values, captions and frames (the live explorer: test_w2_explorer.py)."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from rnn_helpers.connectivity import first_input_pulse
from rnn_helpers.w2_slider import (
    CEILING,
    FLOOR,
    ConnectivityFigure,
    number_text,  # re-exported from rnn_helpers.formatting
    readout,
    step_ticks,
    w2_frames,
    w2_grid,
    w2_lag_slider,
    w2_slider,
)


@pytest.fixture(scope="module")
def frames():
    return w2_frames()


def test_grid_holds_the_sources_values_exactly():
    grid = w2_grid()
    assert grid[0] == 0.0 and grid[-1] == 2.5
    for value in (0.1, 0.5, 1.0, 2.0):
        assert value in grid.tolist()


@pytest.mark.parametrize("value, text", [(0.1**4, "0.0001"), (16.0, "16"), (0.0, "0"), (4.2e-5, "0.000042"),
                                         (3.6e7, "3.6 × 10⁷"), (8.2e-34, "8.2 × 10⁻³⁴"), (9.96e7, "1.0 × 10⁸"),
                                         (0.0625, "0.062"), (1600.0, "1600")])
def test_number_text(value, text):
    assert number_text(value) == text


def plain(text: str) -> str:
    """The caption without its word joiners (they only keep ∂y₅/∂x₁ on one line)."""
    return text.replace("\u2060", "")


def test_readout_states_the_sources_numbers():
    text = plain(readout(0.1, 5))
    assert "linear neuron: ∂y₅/∂x₁ = 0.0001," in text and text.startswith("W₂ = 0.10, T = 5")
    assert "linear neuron: ∂y₅/∂x₁ = 16, x₁ is amplified" in plain(readout(2.0, 5))  # a factor, not a percentage
    assert "linear neuron: ∂y₅/∂x₁ = 1, x₁ arrives" in plain(readout(1.0, 5))
    assert "tanh neuron: ∂y₂₀/∂x₁ = 1.7 × 10⁻¹⁵" in plain(readout(2.0, 20))
    assert "%" not in readout(2.0, 5)
    assert "∂y₅\u2060/\u2060∂x₁" in readout(2.0, 5)  # never broken across two lines


def test_step_ticks_are_evenly_spaced():
    assert step_ticks(5) == [1, 2, 3, 4, 5]
    assert step_ticks(20) == [1, 5, 10, 15, 20]
    assert step_ticks(50) == [1, 10, 20, 30, 40, 50]
    for steps in range(9, 61):
        gaps = set(np.diff(step_ticks(steps)[1:]))
        assert len(gaps) <= 1, (steps, step_ticks(steps))


def test_tanh_caption_speaks_of_sensitivity_not_forgetting():
    """A latch keeps x_1's sign while its derivative vanishes: the tanh words must not say x_1 is gone."""
    text = plain(readout(2.0, 5))
    tanh_part = text.split("tanh neuron:")[1]
    assert "a small change of x₁ hardly moves y₅" in tanh_part
    for word in ("fades", "vanished", "forget"):
        assert word not in tanh_part
    # "about its own size" only near 1: 0.66 (W2 = 0.9, T = 5) has arrived shrunk
    assert "x₁ arrives shrunk" in plain(readout(0.9, 5))


def test_frames_labels_and_captions(frames):
    html, labels, shares = frames
    assert len(html) == len(labels) == 26
    assert labels[1] == "0.10" and labels[5] == "0.50" and labels[10] == "1.00" and labels[20] == "2.00"
    caption = re.search(r'<p class="frame-caption"[^>]*>(.*?)</p>', html[1]).group(1)
    assert "0.0001" in caption
    np.testing.assert_allclose(shares["linear"], w2_grid() ** 4, rtol=1e-12)
    assert np.all(shares["tanh"] <= shares["linear"] + 1e-15)  # tanh' <= 1 can only take away
    assert len(set(html)) == len(html)  # every position shows a different picture
    assert all('alt="Two bar charts' in frame for frame in html)


def test_frames_are_reproducible(frames):
    again, _, _ = w2_frames(w2_grid()[:3])
    assert again == frames[0][:3]


def test_frame_shares_are_torchs_gradients_of_y5_by_x1(frames):
    """Values: |∂y₅/∂x₁| of the tanh neuron h_t = tanh(W2 h_{t-1} + x_t) by torch autograd."""
    import torch

    _, labels, shares = frames
    for k in (1, 5, 10, 15, 25):
        w2 = float(labels[k])
        x = torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0], dtype=torch.float64, requires_grad=True)
        h = torch.zeros((), dtype=torch.float64)
        for t in range(5):
            h = torch.tanh(w2 * h + x[t])
        h.backward()
        assert shares["tanh"][k] == pytest.approx(abs(float(x.grad[0])), rel=1e-12)
        assert shares["linear"][k] == pytest.approx(w2**4, rel=1e-12)
    # the readout under each frame states the tanh share of its own W2
    assert number_text(shares["tanh"][10]) in frames[0][10]


def test_picture_clips_and_labels_what_it_cannot_show():
    picture = ConnectivityFigure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = picture.draw(2.5, first_input_pulse(30))
        picture.png()
    heights = [bar.get_height() + FLOOR for bar in picture.bars[0]]
    assert max(heights) == pytest.approx(CEILING) and values["linear"][0] > CEILING
    assert picture.bars[0][0].get_hatch() == "//"
    assert "(cut)" in picture.share_texts[0].get_text()
    assert "cut at" in picture.notes[0].get_text() and "below" in picture.notes[1].get_text()
    assert "(below)" in picture.share_texts[1].get_text()
    assert not picture.bars[1][0].get_visible()  # below the floor: no bar, the text says so
    picture.draw(0.0, first_input_pulse(5))
    assert picture.share_texts[0].get_text() == "x₁: 0"
    picture.draw(0.5, first_input_pulse(5))  # nothing cut, nothing below the floor: no note
    assert [note.get_text() for note in picture.notes] == ["", ""]


def test_a_reused_picture_equals_one_drawn_from_scratch():
    """The background bitmap and the bars kept per T must never leave a trace of an earlier state:
    after moves of W2, T (to new values and back) and x_1, the picture is pixel for pixel the one
    a new figure draws for the same values."""
    picture = ConnectivityFigure()
    moves = [(1.0, 5, 1.0), (2.5, 30, 1.0), (0.1, 5, 1.0), (1.6, 12, 0.01), (2.0, 30, 10.0), (0.5, 5, 0.001)]
    for w2, steps, size in moves:
        picture.draw(w2, first_input_pulse(steps, size))
        reused = picture.png()
        fresh = ConnectivityFigure()
        fresh.draw(w2, first_input_pulse(steps, size))
        assert reused == fresh.png(), f"the reused picture differs at W2 = {w2}, T = {steps}, x1 = {size}"


def test_slider_starts_where_asked_and_refuses_other_values():
    widget, labels, _ = w2_slider(start_w2=1.0, w2_values=[0.0, 0.1, 1.0])
    slider = widget.children[0]
    assert slider.value == "1.00" and slider.options == ("0.00", "0.10", "1.00")
    with pytest.raises(ValueError, match=r"start_w2 must be one of the slider's values"):
        w2_slider(start_w2=0.5, w2_values=[0.0, 1.0])


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: readout(3.0), ValueError, r"w2 must lie in \[0.0, 2.5\]"),
    (lambda: readout(float("nan")), ValueError, r"w2 must be a finite number"),
    (lambda: readout("1"), TypeError, r"w2 must be a real number"),
    (lambda: w2_grid(0.3), ValueError, r"step must divide 2.5 into whole steps"),
    (lambda: ConnectivityFigure(floor=2.0), ValueError, r"0 < floor < 1 < ceiling"),
])
def test_refuses_bad_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_lag_slider_drives_every_lag_with_one_w2_slider():
    widget, labels, shares = w2_lag_slider(lags=(5, 20), start_w2=2.0, start_lag=20, w2_values=[0.1, 1.0, 2.0])
    slider, buttons, pages = widget.children
    assert slider.value == "2.00" and labels == ["0.10", "1.00", "2.00"]
    assert buttons.options == ("T = 5", "T = 20") and buttons.index == 1 and pages.selected_index == 1
    assert [page.selected_index for page in pages.children] == [2, 2]
    assert "∂y₂₀/∂x₁ = 520000" in plain(pages.children[1].children[2].value)  # T = 20, W2 = 2: 2^19
    assert "∂y₅/∂x₁ = 16," in plain(pages.children[0].children[2].value)
    np.testing.assert_allclose(shares[20]["linear"], np.array([0.1, 1.0, 2.0]) ** 19, rtol=1e-12)
    with pytest.raises(ValueError, match="start_lag must be one of lags"):
        w2_lag_slider(lags=(5,), start_lag=20, w2_values=[1.0])


def test_latch_figure_draws_every_trial_on_its_own_side():
    import matplotlib.pyplot as plt

    from rnn_helpers.w2_slider import plot_latch

    fig = plot_latch(w2=2.0, steps=30, noise=0.3, shown=5)
    left, right = fig.axes[:2]
    trials = [line for line in left.get_lines() if len(line.get_xdata()) == 30]
    assert len(trials) == 10
    for line in trials:  # each trial ends on the side of its x_1 (the first five are x_1 = +1)
        assert np.sign(line.get_ydata()[-1]) == np.sign(line.get_ydata()[0])
    assert right.get_yscale() == "log"
    assert all(line.get_ydata()[-1] < 1e-15 for line in right.get_lines() if len(line.get_xdata()) == 30)
    plt.close(fig)
    with pytest.raises(ValueError, match="shown must be a whole number"):
        plot_latch(shown=0)


CHAPTERS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name[:2])
def test_chapters_hold_the_kernelspec_jupyterlab_writes(path):
    """JupyterLab saves the kernel's own display name; with it committed, run and save churns nothing."""
    import json

    assert json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"] == {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
