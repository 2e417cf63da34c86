"""The live W2 explorer's HTML and its Python drawing (the script's drawing is compared with it in
test_w2_explorer_script.py; the page in browser/test_explorer_page.py)."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from reference import exactly

from rnn_helpers.connectivity import connectivity, first_input_pulse
from rnn_helpers.formatting import number_text
from rnn_helpers.w2_explorer import (
    STILL_PICTURE,
    TEXT_FORM,
    connectivity_svg,
    explorer_picture,
    size_of,
)
from rnn_helpers.w2_slider import CEILING, FLOOR, live_w2_explorer, readout


@pytest.mark.parametrize("w2, steps, size", [(0.1, 5, 1.0), (2.0, 12, 1.0), (2.5, 60, 10.0), (0.5, 30, 0.001),
                                             (1.0, 2, 0.01)])
def test_picture_draws_the_values_of_connectivity(w2, steps, size):
    svg, values = connectivity_svg(w2, first_input_pulse(steps, size))
    inputs = first_input_pulse(steps, size)
    for activation in ("linear", "tanh"):
        np.testing.assert_array_equal(values[activation], connectivity(w2, inputs, activation))
    # one bar per value at or above the floor, one hatched copy per value above the ceiling
    shown = sum(int(np.sum(values[a] >= FLOOR)) for a in values)
    cut = sum(int(np.sum(values[a] > CEILING)) for a in values)
    bars = re.findall(r'<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"( fill="url)?', svg)
    assert len([b for b in bars if not b[2]]) == shown + 4  # + the two grey bands of each panel
    assert len([b for b in bars if b[2]]) == cut
    # bar heights on the log scale: proportional to the decades above the floor, clipped at the ceiling
    for activation, group in zip(("linear", "tanh"), re.findall(r'<g fill="[^"]+">(.*?)</g>', svg)):
        heights = [float(h) for h in re.findall(r'<rect [^>]*height="([^"]+)"/>', group)]
        expected = [math.log10(min(v, CEILING) / FLOOR) for v in values[activation] if v >= FLOOR]
        assert len(heights) == len(expected)
        if expected and max(expected) > 0.5:
            scale = max(heights) / max(expected)
            assert np.allclose(heights, np.array(expected) * scale, atol=0.15)
    assert f"x₁: {number_text(values['linear'][0])}" in svg
    assert f"W₂ = {w2:.2f},  T = {steps}" in svg
    assert ("grey: below 10⁻⁶" in svg) == any(np.any(values[a] < FLOOR) for a in values)
    assert ("hatched: cut at 10⁴" in svg) == (cut > 0)


def test_explorer_opens_as_a_still_picture_with_disabled_labelled_sliders():
    """What a notebook shows before its script runs: the sentence, the picture, sliders that do not move."""
    explorer = live_w2_explorer(w2=2.0, steps=12, size=1.0)
    page = explorer._repr_html_()
    assert repr(explorer) == TEXT_FORM and f"<em>{STILL_PICTURE}</em>" in page
    sliders = re.findall(r'<label for="([^"]+)">([^<]+)</label> <input type="range" id="([^"]+)" min="(-?\d+)" '
                         r'max="(-?\d+)" step="1" value="(-?\d+)" disabled data-lm-suppress-shortcuts="true" [^>]*> '
                         r'<output for="([^"]+)" style="[^"]+">([^<]+)</output>',
                         page)
    assert [(label, int(low), int(high), int(value), shown) for _, label, _, low, high, value, _, shown in sliders] == [
        ("W₂", 0, 50, 40, "2.00"), ("T", 2, 60, 12, "12"), ("x₁", -12, 4, 0, "1")]
    assert all(a == b == c for a, _, b, _, _, _, c, _ in sliders)  # each label and readout names its slider
    assert f'<div class="w2-explorer-picture">{explorer_picture(2.0, 12, 1.0)}</div>' in page
    assert "live-caption" in page and readout(2.0, 12, 1.0).split(".")[0] in page
    # the geometry the script reads is JSON the browser can parse inside a <script> element
    geometry = re.search(r'<script type="application/json" class="w2-explorer-geometry">(.*?)</script>', page).group(1)
    assert "</" not in geometry and json.loads(geometry)["close"].endswith("</svg>")
    assert page.count("<script>") == 1 and "rnnBookW2Explorer" in page
    # a second explorer on the same page gets its own ids
    second = live_w2_explorer(w2=0.5, steps=3, size=size_of(-7))._repr_html_()
    ids = set(re.findall(r' id="(w2-explorer-[^"]+)"', page))  # (the hatch pattern is the same in both)
    assert len(ids) == 4 and not ids & set(re.findall(r' id="(w2-explorer-[^"]+)"', second))
    assert 'value="10" disabled' in second and 'value="-7" disabled' in second and "0.018</output>" in second


def test_x1_positions_are_quarter_decades_with_whole_powers_exact():
    assert [size_of(k) for k in (-12, -8, -4, 0, 4)] == [0.001, 0.01, 0.1, 1.0, 10.0]
    assert [number_text(size_of(k)) for k in (-11, -7, -1)] == ["0.0018", "0.018", "0.56"]
    sizes = [size_of(k) for k in range(-12, 5)]
    np.testing.assert_allclose(np.log10(sizes), np.arange(-12, 5) / 4, rtol=0, atol=1e-15)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"w2": 0.33}, ValueError, "w2 must be a multiple of 0.05 (the slider's step); got 0.33"),
    ({"w2": 3.0}, ValueError, "w2 must lie in [0.0, 2.5] (the range this chapter explores), got 3.0"),
    ({"w2": float("nan")}, ValueError, "w2 must be a finite number in [0.0, 2.5], got nan"),
    ({"steps": 1}, ValueError, "steps must be from 2 to 60 (the T slider); got 1"),
    ({"steps": 61}, ValueError, "steps must be from 2 to 60 (the T slider); got 61"),
    ({"steps": 5.0}, TypeError, "steps must be a whole number (the sequence length T), got float 5.0"),
    ({"size": 0.002}, ValueError, "size must be 10^(k/4) for a whole k from -12 to 4 (0.001, 0.0018, ..., 10: "
                                  "the x₁ slider); got 0.002"),
    ({"size": 100.0}, ValueError, "size must be 10^(k/4) for a whole k from -12 to 4 (0.001, 0.0018, ..., 10: "
                                  "the x₁ slider); got 100.0"),
    ({"size": 0.0}, ValueError, "size must be 10^(k/4) for a whole k from -12 to 4 (0.001, 0.0018, ..., 10: "
                                "the x₁ slider); got 0.0"),
    ({"size": [1.0, 10.0]}, ValueError, "size must be one number; got an array of shape (2,)"),
    ({"size": float("inf")}, ValueError,
     "size must be finite, but it holds 1 NaN or infinite value(s); the first is inf at index ()"),
    ({"size": -1.0}, ValueError, "size must be 10^(k/4) for a whole k from -12 to 4 (0.001, 0.0018, ..., 10: "
                                 "the x₁ slider); got -1.0"),
])
def test_refuses_values_off_the_sliders(kwargs, error, message):
    with pytest.raises(error, match=exactly(message)):
        live_w2_explorer(**kwargs)


def test_chapter_4_holds_the_explorer_as_a_still_picture():
    """The committed output: what JupyterLab shows before the cell runs (HTML, or text if untrusted)."""
    path = Path(__file__).resolve().parent.parent / "notebooks" / "04_vanishing_gradients.ipynb"
    chapter = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in chapter["cells"] if "live_w2_explorer(" in "".join(c["source"]))
    assert "remove-output" not in cell["metadata"].get("tags", [])  # the website shows it too
    (output,) = cell["outputs"]
    assert "".join(output["data"]["text/plain"]) == TEXT_FORM
    page = "".join(output["data"]["text/html"])
    assert STILL_PICTURE in page and page.count(" disabled ") == 3
    assert explorer_picture(2.0, 12, 1.0) in page


def test_the_fixed_labels_of_the_picture():
    """What no slider changes, and the script takes from Python as it is: ticks and notes."""
    from rnn_helpers.w2_explorer import _power_text, _svg_geometry

    assert [_power_text(e) for e in (-12, -1, 0, 1, 3)] == ["10⁻¹²", "10⁻¹", "1", "10¹", "10³"]
    geometry = _svg_geometry()
    assert geometry["ticks"] == [[-6, "10⁻⁶"], [-4, "10⁻⁴"], [-2, "10⁻²"], [0, "1"], [2, "10²"], [4, "10⁴"]]
    assert (geometry["floorNote"], geometry["cutNote"]) == ("grey: below 10⁻⁶", "hatched: cut at 10⁴")
    assert [n["label"] for n in geometry["neurons"]] == ["linear neuron", "tanh neuron"]


def test_picture_at_its_edges():
    """A value exactly at the floor is drawn and not noted, one exactly at the ceiling is not cut."""
    at_floor, values = connectivity_svg(0.5, first_input_pulse(3), floor=0.25, ceiling=4.0)  # 0.25, 0.5, 1
    assert values["linear"].tolist() == [0.25, 0.5, 1.0]
    linear = at_floor.split(">tanh neuron<")[0]  # the left panel's drawing
    assert "x₁: 0.25</text>" in linear and "grey" not in linear
    assert len(re.findall(r'<rect [^>]*/>', re.findall(r'<g fill="[^"]+">(.*?)</g>', at_floor)[0])) == 3
    at_ceiling, values = connectivity_svg(2.0, first_input_pulse(3), floor=0.25, ceiling=4.0)  # 4, 2, 1
    assert values["linear"].tolist() == [4.0, 2.0, 1.0]
    linear = at_ceiling.split(">tanh neuron<")[0]
    assert "x₁: 4</text>" in linear and "hatched" not in linear and "url(#w2-hatch)" not in linear
    # both notes in one panel, and the ceiling asked for (not the default) in the cut note
    both, values = connectivity_svg(2.5, first_input_pulse(8, 0.001), floor=0.8, ceiling=10.0)
    assert values["tanh"][0] > 10 and values["tanh"][-1] < 0.8
    assert ">grey: below 1;  hatched: cut at 10¹</text>" in both
    # the title names x₁ only for a pulse (x₁, 0, 0, ...) other than 1
    assert ">W₂ = 1.00,  T = 4</text>" in connectivity_svg(1.0, [0.5, 0.3, 0.0, 0.0])[0]
    assert ">W₂ = 1.00,  T = 4,  x₁ = 0.5</text>" in connectivity_svg(1.0, [0.5, 0.0, 0.0, 0.0])[0]
    with pytest.raises(ValueError, match=exactly("inputs must be finite, but it holds 1 NaN or infinite value(s); "
                                                 "the first is nan at index (1,)")):
        connectivity_svg(1.0, [1.0, float("nan")])


def test_explorer_defaults_ends_and_names():
    from rnn_helpers.w2_explorer import W2Explorer

    for explorer in (W2Explorer(), live_w2_explorer()):
        assert (explorer.w2, explorer.steps, explorer.size) == (1.0, 5, 1.0)
    assert live_w2_explorer(steps=2).steps == 2 and live_w2_explorer(steps=60).steps == 60
    # float noise on the slider's grid is forgiven, at 0 too
    assert live_w2_explorer(w2=0.15000000000000002).w2 == 0.15 and live_w2_explorer(w2=1e-12).w2 == 0.0
    page = live_w2_explorer(w2=0.5)._repr_html_()
    name = re.search(r'<div class="w2-explorer" id="([^"]+)">', page).group(1)
    assert set(re.findall(r' id="(w2-explorer-[^"]+)"', page)) == {name, f"{name}-w2", f"{name}-steps", f"{name}-size"}
    assert page.count("</output></span><span style=") == 2  # three slider groups side by side
    # each readout as wide as the longest ("0.0018"), so that a new value never moves a slider
    assert page.count('<output for="') == page.count('style="display: inline-block; min-width: 6ch">') == 3
