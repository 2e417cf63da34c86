"""Drawings of recurrent networks, made by code (no image files).

Introduced in chapter 1 (``draw_unrolled``, ``draw_sequence_shapes``); chapter 2 adds the
rolled cell. The unrolled chain takes its input and output labels as arguments, so the same
function draws a single step, a many-to-one reader or a full sequence-to-sequence chain.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .plots import PALETTE

BOX = 0.7  # height of a box, in data units
ROWS = {"input": 0.0, "hidden": 1.4, "output": 2.8}
COLOURS = {"input": PALETTE["orange"], "hidden": PALETTE["green"], "output": PALETTE["sky"]}


def _box(ax, x, row, text, width):
    y = ROWS[row]
    ax.add_patch(FancyBboxPatch((x - width / 2, y - BOX / 2), width, BOX, boxstyle="round,pad=0.02",
                                facecolor=COLOURS[row], edgecolor="black", linewidth=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=11)


def _plain_length(label: str | None) -> int:
    """Characters a label shows once its TeX markup ($, _, braces) is rendered."""
    return len("".join(ch for ch in label or "" if ch not in "$_{}\\"))


def _arrow(ax, start, end):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1.2, color="black"))


def draw_unrolled(inputs: Sequence[str | None], outputs: Sequence[str | None], ax=None,
                  hidden_labels: Sequence[str] | None = None, title: str = ""):
    """Draw a recurrent network unrolled over ``len(inputs)`` steps.

    Parameters
    ----------
    inputs, outputs : lists of length T
        The label of each step's input (bottom row) and output (top row); ``None`` leaves
        that box out (a step that reads nothing, or emits nothing).
    ax : matplotlib Axes, optional
        Drawn into a new figure if omitted.
    hidden_labels : list of T str, optional
        Labels of the hidden states; ``h1 ... hT`` by default.

    Returns the Axes. Introduced in chapter 1.
    """
    steps = len(inputs)
    if steps == 0 or len(outputs) != steps:
        raise ValueError(f"inputs and outputs must be non-empty lists of the same length; got {len(inputs)} and {len(outputs)}")
    hidden_labels = list(hidden_labels) if hidden_labels is not None else [f"$h_{{{t + 1}}}$" for t in range(steps)]
    if len(hidden_labels) != steps:
        raise ValueError(f"hidden_labels must have {steps} entries, one per step; got {len(hidden_labels)}")
    # Columns widen so that the longest label fits inside its box.
    longest = max(_plain_length(label) for label in [*inputs, *outputs, *hidden_labels])
    width = max(BOX, 0.14 * longest + 0.2)
    spacing = width + 0.45
    if ax is None:
        _, ax = plt.subplots(figsize=(spacing * steps + 0.4, 3.2))
    half = BOX / 2
    for t in range(steps):
        x = t * spacing
        _box(ax, x, "hidden", hidden_labels[t], width)
        if inputs[t] is not None:
            _box(ax, x, "input", inputs[t], width)
            _arrow(ax, (x, ROWS["input"] + half), (x, ROWS["hidden"] - half))
        if outputs[t] is not None:
            _box(ax, x, "output", outputs[t], width)
            _arrow(ax, (x, ROWS["hidden"] + half), (x, ROWS["output"] - half))
        if t > 0:
            _arrow(ax, (x - spacing + width / 2, ROWS["hidden"]), (x - width / 2, ROWS["hidden"]))
    ax.set_xlim(-spacing / 2, spacing * (steps - 0.5))
    ax.set_ylim(-0.55, ROWS["output"] + 0.55)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return ax


SEQUENCE_SHAPES = {
    # name: (inputs, outputs, example from the sources)
    "one to one": (["x"], ["y"], "image classification"),
    "one to many": (["x", None, None, None], ["$y_1$", "$y_2$", "$y_3$", "$y_4$"], "image captioning"),
    "many to one": (["$x_1$", "$x_2$", "$x_3$", "$x_4$"], [None, None, None, "y"], "sentiment analysis"),
    "many to many": (["$x_1$", "$x_2$", "$x_3$", None, None], [None, None, None, "$y_1$", "$y_2$"], "translation"),
}


def draw_sequence_shapes():
    """The four shapes of sequence problems side by side, each with its example. Returns the figure.

    Introduced in chapter 1.
    """
    widths = [max(len(inputs), 2) for inputs, _, _ in SEQUENCE_SHAPES.values()]
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.3), gridspec_kw={"width_ratios": widths})
    for ax, (name, (inputs, outputs, example)) in zip(axes, SEQUENCE_SHAPES.items()):
        draw_unrolled(inputs, outputs, ax=ax, hidden_labels=[""] * len(inputs), title=f"{name}\n({example})")
    fig.tight_layout()
    return fig
