"""Chapter 4's live W2 explorer: sliders for W2, the sequence length T and the size of x_1, and
the picture of ``|d y_T / d x_t|`` for the linear and the tanh neuron, redrawn on every move.

The picture is an inline SVG. ``connectivity_svg`` draws it in Python; the explorer's page draws
it in the browser with ``js/w2_explorer.js``, which mirrors ``connectivity_svg``, ``readout`` and
``connectivity`` operation for operation, so every move is shown at the next frame, with no
kernel, on the website, in Jupyter and in Colab alike. tests/test_w2_explorer_script.py compares
the two drawings string for string. The geometry both use (``_svg_geometry``) is computed here once
and handed to the page as JSON. Chapter 4 calls it as ``rnn_helpers.w2_slider.live_w2_explorer``.
"""

from __future__ import annotations

import functools
import html
import itertools
import json
import math
from importlib import resources

import numpy as np

from ._validate import real_array
from .connectivity import W2_RANGE, check_steps, check_w2, connectivity, first_input_pulse
from .formatting import number_text, subscript, superscript
from .plots import PALETTE
from .w2_slider import CEILING, FIGSIZE, FLOOR, FRAME_DPI, NEURONS, TEXT_SIZE, frame_alt, readout, step_ticks

_SVG_FONT = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
W2_DIVISIONS = 20  # the W2 slider's positions: W2 = k / 20 (a step of 0.05), as the script divides
STEPS_RANGE = (2, 60)  # the T slider
SIZE_QUARTERS = (-12, 4)  # the x_1 slider: x_1 = 10^(k/4), 0.001 to 10 in quarter decades
STILL_PICTURE = ("Run this cell to move the sliders: until then this is a still picture (the sliders are "
                 "drawn by JavaScript, which Jupyter runs only in a cell's output it trusts).")
TEXT_FORM = ("The live W₂ explorer is an HTML output: open this chapter in Jupyter, Colab or on the book's "
             "website to move its sliders for W₂, T and x₁.")


def _power_text(exponent: int) -> str:
    """10 to a whole power as the book writes it: "1", "10²", "10⁻⁶"."""
    return "1" if exponent == 0 else f"10{superscript(exponent)}"


@functools.lru_cache(maxsize=None)
def _svg_geometry(floor: float = FLOOR, ceiling: float = CEILING) -> dict:
    """What the picture's layout needs that no slider changes (pixels of the drawing, and the
    fixed pieces of SVG text): the axes of ``ConnectivityFigure``, 752 x 376 at FRAME_DPI."""
    if not 0 < floor < 1 < ceiling:
        raise ValueError(f"floor and ceiling must satisfy 0 < floor < 1 < ceiling; got {floor} and {ceiling}")
    width, height = FIGSIZE[0] * FRAME_DPI, FIGSIZE[1] * FRAME_DPI
    size = TEXT_SIZE * FRAME_DPI / 72  # 17 pt in pixels of the drawing
    # ConnectivityFigure's subplots_adjust(left=0.125, right=0.965, bottom=0.12, top=0.82, wspace=0.17)
    panel = (0.965 - 0.125) * width / (2 + 0.17)
    middle = ((1 - 0.82) * height + (1 - 0.12) * height) / 2
    sub = f'font-size="{0.75 * size:.1f}"'
    return {
        "width": width, "height": height, "size": size, "panel": panel,
        "lefts": [0.125 * width, 0.125 * width + 1.17 * panel],
        "top": (1 - 0.82) * height, "bottom": (1 - 0.12) * height,
        "low": math.log10(floor / 30), "high": math.log10(ceiling * 8),
        "floor": floor, "ceiling": ceiling,
        "ticks": [[e, _power_text(e)] for e in range(round(math.log10(floor)), round(math.log10(ceiling)) + 1, 2)],
        "neurons": [{"activation": a, "label": label.split(":")[0], "colour": c} for a, label, c in NEURONS],
        "floorNote": f"grey: below {_power_text(round(math.log10(floor)))}",
        "cutNote": f"hatched: cut at {_power_text(round(math.log10(ceiling)))}",
        "open": (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
                 f'aria-label="{{alt}}" font-family="{_SVG_FONT}" font-size="{size:.1f}" fill="{PALETTE["black"]}" '
                 f'style="width: 100%; max-width: {width:.0f}px; height: auto; display: block">'),
        "defs": ('<defs><pattern id="w2-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
                 'patternTransform="rotate(45)"><rect width="3" height="8" fill="white"/></pattern></defs>'),
        "close": (f'<text transform="translate({0.03 * width:.1f},{middle:.1f}) rotate(-90)" text-anchor="middle">'
                  f'|∂y<tspan dy="5" {sub}>T</tspan><tspan dy="-5"> / ∂x</tspan><tspan dy="5" {sub}>t</tspan>'
                  '<tspan dy="-5">|</tspan></text></svg>'),
    }


def connectivity_svg(w2, inputs, floor: float = FLOOR, ceiling: float = CEILING) -> tuple[str, dict[str, np.ndarray]]:
    """The picture of ``ConnectivityFigure`` as an inline SVG (text): ``|d y_T / d x_t|`` for
    t = 1..T on a log scale, linear and tanh neurons side by side, values outside [floor, ceiling]
    clipped and labelled, the title with W₂, T and x₁.

    Returns (svg, values) with values = {"linear": array (T,), "tanh": array (T,)}, unclipped, as
    ``connectivity`` computes them. ``js/w2_explorer.js`` draws the same string in the browser.
    """
    g = _svg_geometry(floor, ceiling)
    w2 = check_w2(w2)
    inputs = real_array(inputs, "inputs")
    values = {activation: connectivity(w2, inputs, activation) for activation, _, _ in NEURONS}
    steps = inputs.shape[0]
    width, height, size, panel, top, bottom = g["width"], g["height"], g["size"], g["panel"], g["top"], g["bottom"]
    low, high = g["low"], g["high"]

    def y_of(value: float) -> float:
        return bottom - (math.log10(value) - low) / (high - low) * (bottom - top)

    def text(x, y, content, anchor="middle", extra=""):
        return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{content}</text>'

    parts = [g["open"].replace("{alt}", html.escape(frame_alt(w2, steps, values))), g["defs"]]
    pulse = f",  x₁ = {number_text(inputs[0])}" if np.all(inputs[1:] == 0) and inputs[0] != 1 else ""
    parts.append(text(0.545 * width, 0.025 * height + 1.05 * size, f"W₂ = {w2:.2f},  T = {steps}{pulse}",
                      extra=f' font-weight="bold" font-size="{size * 18 / 17:.1f}" xml:space="preserve"'))
    slot = panel / (steps + 0.4)  # the x range 0.3 .. T + 0.7
    for k, (neuron, left) in enumerate(zip(g["neurons"], g["lefts"])):
        activation, right = neuron["activation"], left + panel
        parts.append(f'<rect x="{left:.1f}" y="{y_of(floor):.1f}" width="{panel:.1f}" '
                     f'height="{bottom - y_of(floor):.1f}" fill="#e4e4e4"/>')
        parts.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{panel:.1f}" '
                     f'height="{y_of(ceiling) - top:.1f}" fill="#e4e4e4"/>')
        parts.append(text(left + panel / 2, top - 0.35 * size, neuron["label"]))
        for exponent, tick in g["ticks"]:
            y = y_of(10.0**exponent)
            parts.append(f'<line x1="{left - 5:.1f}" x2="{left:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="black"/>')
            if k == 0:
                parts.append(text(left - 9, y + 0.35 * size, tick, "end"))
        for t in step_ticks(steps):
            parts.append(text(left + (t - 0.3) * slot, bottom + 0.03 * (bottom - top) + 0.95 * size, "x" + subscript(t)))
        bars = []
        for t, value in enumerate(values[activation], start=1):
            if not value >= floor:
                continue
            y = y_of(min(value, ceiling))
            x = left + (t - 0.35 - 0.3) * slot
            bars.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{0.7 * slot:.1f}" height="{y_of(floor) - y:.1f}"/>')
            if value > ceiling:
                bars.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{0.7 * slot:.1f}" '
                            f'height="{y_of(floor) - y:.1f}" fill="url(#w2-hatch)"/>')
        parts.append(f'<g fill="{neuron["colour"]}">{"".join(bars)}</g>')
        parts.append(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y_of(1.0):.1f}" y2="{y_of(1.0):.1f}" '
                     'stroke="black" stroke-width="1.5" stroke-dasharray="1.5 2.5"/>')
        parts.append(f'<path d="M{left:.1f},{top:.1f}V{bottom:.1f}H{right:.1f}" fill="none" stroke="black"/>')
        share = values[activation][0]
        clipped = " (cut)" if share > ceiling else " (below)" if 0 < share < floor else ""
        parts.append(text(left + 0.03 * panel, y_of(ceiling * 2.8) + 0.35 * size, f"x₁: {number_text(share)}{clipped}",
                          "start", ' font-weight="bold"'))
        notes = [g["floorNote"]] if np.any(values[activation] < floor) else []
        notes += [g["cutNote"]] if np.any(values[activation] > ceiling) else []
        if notes:
            parts.append(text(right - 0.03 * panel, y_of(floor / 5.5) + 0.35 * size, ";  ".join(notes), "end",
                              ' fill="#333333" xml:space="preserve"'))
    parts.append(g["close"])
    return "".join(parts), values


def explorer_picture(w2: float, steps: int, size: float) -> str:
    """The explorer's picture and caption (``readout``) as HTML, as the page shows them."""
    svg, _ = connectivity_svg(w2, first_input_pulse(steps, size))
    return f'{svg}<p class="live-caption">{html.escape(readout(w2, steps, size))}</p>'


def size_of(quarter: int) -> float:
    """The x_1 slider's value at position ``quarter``: 10^(quarter / 4). (A whole power comes out
    as the nearest double, 0.001 for -12, where pow is correctly rounded, as glibc's is; the script
    reads whole powers as decimal numbers to be sure of it.)"""
    return 10.0 ** (quarter / 4)


def _positions(w2, steps, size) -> tuple[int, int, int]:
    """The three sliders' positions for these values, or a ValueError naming the values allowed."""
    w2 = check_w2(w2)
    index = round(w2 * W2_DIVISIONS)
    if not math.isclose(index / W2_DIVISIONS, w2, abs_tol=1e-9):
        raise ValueError(f"w2 must be a multiple of {1 / W2_DIVISIONS} (the slider's step); got {w2}")
    steps = check_steps(steps)
    if not STEPS_RANGE[0] <= steps <= STEPS_RANGE[1]:
        raise ValueError(f"steps must be from {STEPS_RANGE[0]} to {STEPS_RANGE[1]} (the T slider); got {steps}")
    size = real_array(size, "size")
    if size.ndim != 0:
        raise ValueError(f"size must be one number; got an array of shape {size.shape}")
    size = float(size)
    quarters = range(SIZE_QUARTERS[0], SIZE_QUARTERS[1] + 1)
    quarter = round(4 * math.log10(size)) if size > 0 else None
    if quarter not in quarters or not math.isclose(size_of(quarter), size):  # (rel_tol 1e-9)
        raise ValueError(f"size must be 10^(k/4) for a whole k from {quarters[0]} to {quarters[-1]} "
                         f"(0.001, 0.0018, ..., 10: the x₁ slider); got {size}")
    return index, steps, quarter


@functools.lru_cache(maxsize=None)
def _script() -> str:
    return resources.files("rnn_helpers").joinpath("js/w2_explorer.js").read_text(encoding="utf-8")


_numbers = itertools.count(1)


class W2Explorer:
    """The live explorer as an HTML output: labelled range inputs for W2, T and x_1, the picture
    drawn for the starting values, and the script that redraws it on every move.

    Until the script runs (a notebook opened but not run, or not trusted) the sliders are
    disabled and a sentence says that the cell must run; the picture is there all the same.
    """

    def __init__(self, w2: float = 1.0, steps: int = 5, size: float = 1.0):
        index, steps, quarter = _positions(w2, steps, size)
        self.w2, self.steps, self.size = index / W2_DIVISIONS, steps, size_of(quarter)
        number = next(_numbers)
        name = f"w2-explorer-{number}"
        controls = [("w2", "W₂", 0, round(W2_RANGE[1] * W2_DIVISIONS), index, f"{self.w2:.2f}"),
                    ("steps", "T", *STEPS_RANGE, steps, str(steps)),
                    ("size", "x₁", *SIZE_QUARTERS, quarter, number_text(self.size))]
        inputs = "".join(
            f'<span style="white-space: nowrap; margin-right: 1.5em"><label for="{name}-{key}">{label}</label> '
            f'<input type="range" id="{name}-{key}" min="{low}" max="{high}" step="1" value="{value}" disabled '
            f'data-lm-suppress-shortcuts="true" '  # JupyterLab leaves the keys to the slider
            f'style="width: 11em; vertical-align: middle"> <output for="{name}-{key}" '
            # as wide as the longest readout ("0.0018"): a new value never moves the sliders
            f'style="display: inline-block; min-width: 6ch">{shown}</output></span>'
            for key, label, low, high, value, shown in controls)
        geometry = json.dumps(_svg_geometry()).replace("</", "<\\/")
        self.html = (
            f'<div class="w2-explorer" id="{name}">'
            f'<p class="w2-explorer-notice"><em>{STILL_PICTURE}</em></p>'
            f'<div class="w2-explorer-controls" style="margin: 0.5em 0">{inputs}</div>'
            f'<div class="w2-explorer-picture">{explorer_picture(self.w2, steps, self.size)}</div>'
            f'<script type="application/json" class="w2-explorer-geometry">{geometry}</script>'
            f"<script>{_script()}</script></div>")

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return TEXT_FORM


__all__ = ["connectivity_svg", "explorer_picture", "size_of", "W2Explorer"]
