"""Drawings of recurrent networks, made by code (no image files).

Introduced in chapter 1 (``draw_unrolled``, ``draw_sequence_shapes``); chapter 2 adds the
rolled cell with its feedback arrow (``draw_rolled_cell``), weight labels and an initial
state on the unrolled chain, the chain over T steps (``draw_rnn_chain``), the five stages
from a feedforward network to a recurrent layer (``draw_mlp_to_rnn``) and alt text for all of
them (``describe_unrolled``, ``plain_label``). The unrolled chain takes its input and output
labels as arguments, so the same function draws a single step, a many-to-one reader or a
full sequence-to-sequence chain.

Every box, arrow and label carries a matplotlib ``gid`` naming its part ("input-box",
"hidden-label", "recurrent-arrow", "weight-label", ...), so tests and ``count_parts`` can
check a drawing without looking at pixels.
"""

from __future__ import annotations

import numbers
import re
from collections import Counter
from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

from .plots import PALETTE

BOX = 0.7  # height of a box, in data units
ROWS = {"input": 0.0, "hidden": 1.4, "output": 2.8}
COLOURS = {"input": PALETTE["orange"], "hidden": PALETTE["green"], "output": PALETTE["sky"]}
WEIGHT_COLOUR = PALETTE["vermillion"]
DECODER_COLOUR = PALETTE["purple"]  # the second network of an encoder–decoder (chapter 1)
MAX_CHAIN_STEPS = 16  # beyond this the boxes get too small to read on a 750 px page


def _box(ax, x, row, text, width, dashed=False, gid=None):
    y = ROWS[row]
    gid = gid or row
    ax.add_patch(FancyBboxPatch((x - width / 2, y - BOX / 2), width, BOX, boxstyle="round,pad=0.02",
                                facecolor="white" if dashed else COLOURS[row], edgecolor="black", linewidth=1.2,
                                linestyle="--" if dashed else "-", gid=f"{gid}-box"))
    ax.text(x, y, text, ha="center", va="center", fontsize=11, gid=f"{gid}-label")


def _plain_length(label: str | None) -> int:
    """Characters a label shows once its TeX markup ($, _, braces) is rendered."""
    return len("".join(ch for ch in label or "" if ch not in "$_{}\\"))


def _arrow(ax, start, end, gid=None, **style):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1.2, color="black",
                                 gid=gid, **style))


def _frame_diagram(ax, xlim: tuple[float, float], title: str | None):
    """Fit a cell diagram's axes around its boxes: equal aspect, no axis lines, optional title."""
    ax.set_xlim(*xlim)
    ax.set_ylim(-0.55, ROWS["output"] + 0.55)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def _weight_label(ax, x, y, text, **alignment):
    """A weight's name beside the arrow it multiplies."""
    ax.text(x, y, text, fontsize=10, color=WEIGHT_COLOUR, gid="weight-label", **alignment)


def _per_arrow(labels, count: int, name: str) -> list:
    """``labels`` as one entry per arrow: None (no labels), one str for all, or a list of ``count``."""
    if labels is None:
        return [None] * count
    if isinstance(labels, str):
        return [labels] * count
    labels = list(labels)
    if len(labels) != count:
        raise ValueError(f"{name} must be one str for every arrow or a list of {count} labels (one per arrow); got {len(labels)}")
    return labels


def draw_unrolled(inputs: Sequence[str | None], outputs: Sequence[str | None], ax=None,
                  hidden_labels: Sequence[str] | None = None, title: str = "", *,
                  input_weights=None, recurrent_weights=None, output_weights=None,
                  initial_state: str | None = None, column_gap: float | None = None):
    """Draw a recurrent network unrolled over ``len(inputs)`` steps.

    Returns the Axes. Introduced in chapter 1; weight labels and ``initial_state`` in chapter 2.

    Parameters
    ----------
    inputs, outputs : lists of length T
        The label of each step's input (bottom row) and output (top row); ``None`` leaves
        that box out (a step that reads nothing, or emits nothing).
    ax : matplotlib Axes, optional
        Drawn into a new figure if omitted.
    hidden_labels : list of T str, optional
        Labels of the hidden states; ``h1 ... hT`` by default.
    title : str
    input_weights, recurrent_weights, output_weights : str or list, optional
        Names written beside the arrows (chapter 2): one str for every arrow of that kind
        (a shared weight), or a list with one label per arrow (None for no label). There are
        T input and T output arrows (only steps with a box get one) and T - 1 recurrent arrows,
        T if ``initial_state`` is given. Omitted: no labels, the chapter 1 drawing.
    initial_state : str, optional
        Label of a dashed state box h_0 before the first step, with an arrow into step 1.
    column_gap : float, optional
        Space between neighbouring boxes, in data units (a box is 0.7 high); chosen from the
        labels if omitted. Drawings meant to be compared (the frames of a slider) can
        share one gap so that their boxes line up.
    """
    steps = len(inputs)
    if steps == 0 or len(outputs) != steps:
        raise ValueError(f"inputs and outputs must be non-empty lists of the same length; got {len(inputs)} and {len(outputs)}")
    hidden_labels = list(hidden_labels) if hidden_labels is not None else [f"$h_{{{t + 1}}}$" for t in range(steps)]
    if len(hidden_labels) != steps:
        raise ValueError(f"hidden_labels must have {steps} entries, one per step; got {len(hidden_labels)}")
    links = steps - 1 + (initial_state is not None)
    input_weights = _per_arrow(input_weights, steps, "input_weights")
    recurrent_weights = _per_arrow(recurrent_weights, links, "recurrent_weights")
    output_weights = _per_arrow(output_weights, steps, "output_weights")
    labelled = any(label is not None for label in [*input_weights, *recurrent_weights, *output_weights])
    # Columns widen so that the longest label fits inside its box.
    longest = max(_plain_length(label) for label in [*inputs, *outputs, *hidden_labels, initial_state])
    width = max(BOX, 0.14 * longest + 0.2)
    # Room above each recurrent arrow for its weight's name when there is one.
    longest_weight = max((_plain_length(label) for label in recurrent_weights if label), default=0)
    gap = max(0.45, 0.13 * longest_weight + 0.3) if labelled else 0.45
    if column_gap is not None:
        if isinstance(column_gap, bool) or not isinstance(column_gap, numbers.Real) or not 0 < column_gap <= 5:
            raise ValueError(f"column_gap must be a number of data units above 0 and at most 5 (a box is 0.7 high); got {column_gap!r}")
        gap = float(column_gap)
    spacing = width + gap
    first = -1 if initial_state is not None else 0
    no_outputs = all(label is None for label in outputs)
    if ax is None:  # without outputs the top row is left out, and the figure is lower
        _, ax = plt.subplots(figsize=(spacing * (steps - first) + 0.4, 2.3 if no_outputs else 3.2))
    half = BOX / 2
    if initial_state is not None:
        _box(ax, -spacing, "hidden", initial_state, width, dashed=True, gid="initial")
    for t in range(steps):
        x = t * spacing
        _box(ax, x, "hidden", hidden_labels[t], width)
        if inputs[t] is not None:
            _box(ax, x, "input", inputs[t], width)
            _arrow(ax, (x, ROWS["input"] + half), (x, ROWS["hidden"] - half), gid="input-arrow")
            if input_weights[t]:
                _weight_label(ax, x + 0.07, (ROWS["input"] + ROWS["hidden"]) / 2, input_weights[t], ha="left", va="center")
        if outputs[t] is not None:
            _box(ax, x, "output", outputs[t], width)
            _arrow(ax, (x, ROWS["hidden"] + half), (x, ROWS["output"] - half), gid="output-arrow")
            if output_weights[t]:
                _weight_label(ax, x + 0.07, (ROWS["hidden"] + ROWS["output"]) / 2, output_weights[t], ha="left", va="center")
        if t > first:
            _arrow(ax, (x - spacing + width / 2, ROWS["hidden"]), (x - width / 2, ROWS["hidden"]), gid="recurrent-arrow")
            label = recurrent_weights[t - first - 1]
            if label:
                _weight_label(ax, x - spacing / 2, ROWS["hidden"] + 0.08, label, ha="center", va="bottom")
    ax = _frame_diagram(ax, (spacing * (first - 0.5), spacing * (steps - 0.5)), title)
    if no_outputs:
        ax.set_ylim(-0.55, ROWS["hidden"] + 0.55)
    return ax


def plain_label(label: str | None) -> str:
    r"""A label as a screen reader should hear it: TeX markup removed (``"$W_{hh}$"`` ->
    ``"W_hh"``, ``"$\hat{y}_5$"`` -> ``"y-hat_5"``).

    Introduced in chapter 2, for alt text.
    """
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a string (or None); got {type(label).__name__} {label!r}")
    text = re.sub(r"\\hat\s*\{?(\w)\}?", r"\1-hat", (label or "").replace("$", "")).replace("\\", "")
    text = text.replace("^{(", "(").replace(")}", ")").replace("^{", "^").replace("_{", "_")
    return text.replace("{", "").replace("}", "")


def describe_unrolled(inputs: Sequence[str | None], outputs: Sequence[str | None],
                      hidden_labels: Sequence[str] | None = None, *, input_weights=None,
                      recurrent_weights=None, output_weights=None, initial_state: str | None = None) -> str:
    """Alt text for ``draw_unrolled`` called with the same arguments: what a sighted reader sees.

    Shared weights (one str) are named once; per-arrow labels are listed. Introduced in chapter 2.
    """
    steps = len(inputs)
    hidden_labels = list(hidden_labels) if hidden_labels is not None else [f"h_{t + 1}" for t in range(steps)]

    def named(labels):
        return [plain_label(label) for label in labels if label]

    def weight_text(labels, arrow, arrows):
        if labels is None:
            return ""
        if isinstance(labels, str):
            return f"; every {arrow} is labelled with the same weight {plain_label(labels)}"
        names = named(labels)
        if not names:
            return ""
        return f"; the {arrows} are labelled {', '.join(names)}" if len(names) > 1 else f"; the {arrow} is labelled {names[0]}"

    parts = [f"A recurrent network unrolled over {steps} step{'s' if steps > 1 else ''}, drawn left to right."]
    if initial_state is not None:
        parts.append(f"A dashed initial state {plain_label(initial_state)} stands before the first step.")
    hidden_names = named(hidden_labels)
    if hidden_names:
        many = len(hidden_names) > 1
        parts.append(f"Hidden state{'s' if many else ''} {', '.join(hidden_names)} form{'' if many else 's'} the middle row")
    else:
        parts.append("Unlabelled hidden states form the middle row" if steps > 1
                     else "An unlabelled hidden state forms the middle row")
    if steps > 1:
        parts[-1] += ", each passing an arrow to the next"
    elif initial_state is not None:
        parts[-1] += ", reached by an arrow from the initial state"
    if steps > 1 or initial_state is not None:
        parts[-1] += weight_text(recurrent_weights, "arrow between states", "arrows between states")
    parts[-1] += "."
    reading = [f"step {t + 1} reads {plain_label(label)}" for t, label in enumerate(inputs) if label is not None]
    parts.append(("Inputs below: " + ", ".join(reading) + weight_text(input_weights, "input arrow", "input arrows") + ".") if reading else "No step reads an input.")
    emitting = [f"step {t + 1} emits {plain_label(label)}" for t, label in enumerate(outputs) if label is not None]
    parts.append(("Outputs above: " + ", ".join(emitting) + weight_text(output_weights, "output arrow", "output arrows") + ".") if emitting else "No step emits an output.")
    return " ".join(parts)


def count_parts(ax) -> dict[str, int]:
    """How many of each labelled part a drawing holds, by ``gid`` ("input-box": 5, ...).

    Introduced in chapter 2: the number printed beside a diagram, and what the tests check.
    """
    gids = [artist.get_gid() for artist in [*ax.patches, *ax.texts]]
    return dict(sorted(Counter(gid for gid in gids if gid).items()))


def draw_rnn_chain(steps: int, inputs: Sequence[str] | None = None, outputs="every", ax=None, *,
                   input_weight: str | None = "$W_{ih}$", recurrent_weight: str | None = "$W_{hh}$",
                   output_weight: str | None = "$W_{hy}$", initial_state: str | None = "$h_0$", title: str = ""):
    """A recurrent layer unrolled over ``steps`` steps, with x_t, h_t, y_t and its shared weights.

    Returns the Axes. Raises ``TypeError``/``ValueError`` for a ``steps`` that is not a whole
    number from 1 to ``MAX_CHAIN_STEPS``. Introduced in chapter 2; reused in chapter 4 (``draw_w2_chain``)
    and chapter 5 (the long-lag task). Chapter 3 labels its chains by character with ``draw_unrolled``,
    the drawing this wraps.

    Parameters
    ----------
    steps : int, 1 to ``MAX_CHAIN_STEPS``
    inputs : list of ``steps`` labels, optional
        The inputs (words, characters); ``$x_1$ ... $x_T$`` by default.
    outputs : "every", "last", "none" or a list of ``steps`` labels (None for no output)
        "every": ``$y_t$`` at every step (next-character prediction); "last": ``$y_T$`` only
        (reading a sentence, then classifying it).
    input_weight, recurrent_weight, output_weight : str or None
        The name written on every arrow of that kind (the same name: one shared weight);
        None leaves those arrows unlabelled.
    initial_state : str or None
        Label of the dashed state before the first step; None leaves it out.
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps must be a whole number of time steps (an int), got {type(steps).__name__} {steps!r}")
    if not 1 <= steps <= MAX_CHAIN_STEPS:
        raise ValueError(f"steps must be from 1 to {MAX_CHAIN_STEPS} (more steps do not fit on a page); got {steps}")
    steps = int(steps)
    inputs = [f"$x_{{{t + 1}}}$" for t in range(steps)] if inputs is None else list(inputs)
    if len(inputs) != steps:
        raise ValueError(f"inputs must have one label per step ({steps}); got {len(inputs)}")
    if isinstance(outputs, str):
        shapes = {"every": [f"$y_{{{t + 1}}}$" for t in range(steps)],
                  "last": [None] * (steps - 1) + [f"$y_{{{steps}}}$"], "none": [None] * steps}
        if outputs not in shapes:
            raise ValueError(f"outputs must be 'every', 'last', 'none' or a list of {steps} labels; got {outputs!r}")
        outputs = shapes[outputs]
    outputs = list(outputs)
    if len(outputs) != steps:
        raise ValueError(f"outputs must have one label (or None) per step ({steps}); got {len(outputs)}")
    return draw_unrolled(inputs, outputs, ax=ax, hidden_labels=[f"$h_{{{t + 1}}}$" for t in range(steps)], title=title,
                         input_weights=input_weight, recurrent_weights=recurrent_weight,
                         output_weights=[output_weight if label is not None else None for label in outputs],
                         initial_state=initial_state)


def draw_rolled_cell(ax=None, input_label: str = "$x_t$", hidden_label: str = "$h_t$", output_label: str | None = "$y_t$",
                     weights: bool = True, title: str = ""):
    """One recurrent cell drawn *rolled up*: input, state, output, and the feedback arrow.

    The arrow leaves the state box and comes back into it, meaning "the state you computed
    now is an input of the next step" (labelled with its weight ``W_hh`` when ``weights``).
    Returns the Axes. Introduced in chapter 2.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.2))
    half, width = BOX / 2, max(BOX, 0.14 * _plain_length(hidden_label) + 0.2)
    _box(ax, 0.0, "hidden", hidden_label, width)
    _box(ax, 0.0, "input", input_label, width)
    _arrow(ax, (0.0, ROWS["input"] + half), (0.0, ROWS["hidden"] - half), gid="input-arrow")
    if output_label is not None:
        _box(ax, 0.0, "output", output_label, width)
        _arrow(ax, (0.0, ROWS["hidden"] + half), (0.0, ROWS["output"] - half), gid="output-arrow")
    # The loop: out of the right side, round, and back in lower down on the same side.
    y = ROWS["hidden"]
    right = width / 2
    loop = Path([(right, y + 0.2), (right + 0.75, y + 0.55), (right + 0.75, y - 0.55), (right, y - 0.2)],
                [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    ax.add_patch(FancyArrowPatch(path=loop, arrowstyle="-|>", mutation_scale=12, linewidth=1.2, color="black",
                                 gid="recurrent-arrow"))
    if weights:
        _weight_label(ax, 0.07, (ROWS["input"] + ROWS["hidden"]) / 2, "$W_{ih}$", ha="left", va="center")
        if output_label is not None:
            _weight_label(ax, 0.07, (ROWS["hidden"] + ROWS["output"]) / 2, "$W_{hy}$", ha="left", va="center")
        _weight_label(ax, width / 2 + 0.65, y + 0.08, "$W_{hh}$", ha="left", va="bottom")
        ax.text(width / 2 + 0.65, y - 0.05, "next step", fontsize=8, color="0.3", ha="left", va="top", gid="loop-note")
    return _frame_diagram(ax, (-1.3, 1.9), title)


ROLLED_CELL_ALT = ("One recurrent cell drawn rolled up: input x_t below, hidden state h_t in the middle, output y_t "
                   "above, and an arrow labelled W_hh, next step, that leaves the state box on its right and loops "
                   "back into it.")

MLP_TO_RNN_STAGES = {
    # stage: (title, what the picture shows, for its alt text and the slider's caption)
    1: ("1. One hidden layer",
        "A feedforward network: input x, one hidden layer h through weights Wᵢₕ, "
        "output y through the output weights."),
    2: ("2. A deeper stack",
        "Three hidden layers h₁, h₂, h₃ in a row, each with weights of its own (Wᵢₕ⁽¹⁾, Wₕₕ⁽²⁾, "
        "Wₕₕ⁽³⁾); "
        "only the first reads the input x and only the last gives the output y."),
    3: ("3. An input into every layer",
        "The same three layers, now each reading an input of its own, x₁, x₂, x₃, through weights "
        "Wᵢₕ⁽¹⁾, Wᵢₕ⁽²⁾, Wᵢₕ⁽³⁾: still different weights in every layer. Layer 1 has no layer before "
        "it (its state input is h₀ = 0), so no arrow comes into it from the left."),
    4: ("4. One set of shared weights",
        "The same picture with every layer using the same weights: every input arrow is Wᵢₕ, every arrow "
        "between layers is Wₕₕ. The three layers are now three copies of one layer."),
    5: ("5. Rolled into one recurrent layer",
        "The copies rolled into a single cell: input xₜ, state hₜ, output yₜ, and a feedback arrow Wₕₕ "
        "from the state back into the cell for the next step. The cell can give an output yₜ at every "
        "step; a task uses the ones it needs (stages 2 to 4 drew only the last)."),
}


def draw_mlp_to_rnn(stage: int, ax=None):
    """One of the five stages from a feedforward network to a recurrent layer (chapter 2's slider).

    ``stage`` 1: one hidden layer; 2: a deep stack with its own weights per layer; 3: an input
    into every layer; 4: all layers share the same weights; 5: rolled into one recurrent cell.
    Titles and descriptions are in ``MLP_TO_RNN_STAGES``. Returns the Axes. Introduced in chapter 2.
    """
    if isinstance(stage, bool) or not isinstance(stage, numbers.Integral) or stage not in MLP_TO_RNN_STAGES:
        raise ValueError(f"stage must be one of {list(MLP_TO_RNN_STAGES)}; got {stage!r}")
    title = MLP_TO_RNN_STAGES[stage][0]
    hidden = ["$h_1$", "$h_2$", "$h_3$"]
    if stage == 1:
        return draw_unrolled(["$x$"], ["$y$"], ax=ax, hidden_labels=["$h$"], title=title,
                             input_weights="$W_{ih}$", output_weights="$W_{hy}$")
    if stage == 5:
        return draw_rolled_cell(ax=ax, title=title)
    # Stages 2 to 4 share one layout, so that only the labels change as the slider moves.
    common = {"ax": ax, "hidden_labels": hidden, "title": title, "column_gap": 1.2,
              "output_weights": [None, None, "$W_{hy}$"]}
    outputs = [None, None, "$y$"]
    if stage == 2:
        return draw_unrolled(["$x$", None, None], outputs, input_weights=["$W_{ih}^{(1)}$", None, None],
                             recurrent_weights=["$W_{hh}^{(2)}$", "$W_{hh}^{(3)}$"], **common)
    if stage == 3:
        return draw_unrolled(["$x_1$", "$x_2$", "$x_3$"], outputs,
                             input_weights=["$W_{ih}^{(1)}$", "$W_{ih}^{(2)}$", "$W_{ih}^{(3)}$"],
                             recurrent_weights=["$W_{hh}^{(2)}$", "$W_{hh}^{(3)}$"], **common)
    return draw_unrolled(["$x_1$", "$x_2$", "$x_3$"], outputs, input_weights="$W_{ih}$", recurrent_weights="$W_{hh}$",
                         **common)


SEQUENCE_SHAPES = {
    # name: (inputs, outputs, example from the sources); "0": a step that reads zeros
    "one to one": (["x"], ["y"], "image classification"),
    "one to many": (["x", "0", "0", "0"], ["$y_1$", "$y_2$", "$y_3$", "$y_4$"], "image captioning"),
    "many to one": (["$x_1$", "$x_2$", "$x_3$", "$x_4$"], [None, None, None, "y"], "sentiment analysis"),
    "many to many, in step": (["$x_1$", "$x_2$", "$x_3$", "$x_4$"], ["$y_1$", "$y_2$", "$y_3$", "$y_4$"],
                              "tagging each word"),
    "many to many, encoder–decoder": (["$x_1$", "$x_2$", "$x_3$", "0", "0"], [None, None, None, "$y_1$", "$y_2$"],
                                      "translation"),
}


def draw_sequence_shapes():
    """The shapes of sequence problems, each with its example, in three rows. Returns the figure.

    Five panels: one to one, one to many, many to one, and many to many in its two forms (an
    output at every step, and an encoder–decoder). A box "0" is a step that reads zeros. In the
    encoder–decoder panel the decoder's states are drawn in another colour (gid "decoder-box"):
    the decoder is a second network with weights of its own, and the two halves are labelled
    "encoder" and "decoder" (gid "stage-label"). Three rows of at most two panels keep the
    labels readable on a phone. Introduced in chapter 1.
    """
    fig = plt.figure(figsize=(6.4, 7.4))
    grid = fig.add_gridspec(3, 10)  # the first panel gets room for its two-line title
    slots = [grid[0, 0:3], grid[0, 3:10], grid[1, 0:5], grid[1, 5:10], grid[2, 1:9]]
    for slot, (name, (inputs, outputs, example)) in zip(slots, SEQUENCE_SHAPES.items()):
        ax = fig.add_subplot(slot)
        draw_unrolled(inputs, outputs, ax=ax, hidden_labels=[""] * len(inputs), title=f"{name}\n({example})")
        for text in [ax.title, *ax.texts]:  # larger than in other diagrams: five panels share one figure
            text.set_fontsize(14)
    _mark_encoder_decoder(ax, SEQUENCE_SHAPES["many to many, encoder–decoder"][0])
    fig.tight_layout()
    return fig


def _mark_encoder_decoder(ax, inputs):
    """Colour the decoder's states apart from the encoder's, and label the two halves below."""
    encoder_steps = sum(label != "0" for label in inputs)
    states = [patch for patch in ax.patches if patch.get_gid() == "hidden-box"]
    for patch in states[encoder_steps:]:
        patch.set_facecolor(DECODER_COLOUR)
        patch.set_gid("decoder-box")
    centres = [patch.get_x() + patch.get_width() / 2 for patch in states]
    y = ROWS["input"] - BOX / 2 - 0.2
    for name, part in (("encoder", centres[:encoder_steps]), ("decoder", centres[encoder_steps:])):
        ax.text(sum(part) / len(part), y, name, ha="center", va="top", fontsize=14, gid="stage-label")
    ax.set_ylim(y - 0.6, ROWS["output"] + 0.55)
