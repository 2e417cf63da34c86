"""The W2 slider and the other pictures of the one-neuron chain.

Introduced in chapter 4. ``draw_w2_chain`` draws the chain with its W2 links and the
gradient's way back; ``plot_tanh_neuron`` shows why tanh changes the story. The slider
shows how much of x_1 reaches the last output, for every recurrent weight W2, in two
versions of the same picture:

* ``w2_frames`` / ``w2_slider``: one PNG frame per W2 value, computed in advance and shown
  by ``rnn_helpers.widgets.frame_slider``, so the slider works on the static website (no
  kernel) as well as in Jupyter and Colab, by mouse and by arrow keys;
* ``live_w2_explorer``: sliders for W2, the sequence length T and the size of x_1 whose
  picture the browser redraws on every move (``rnn_helpers.w2_explorer``).

The frames are drawn with ``ConnectivityFigure``, which builds one matplotlib figure and afterwards
only updates its artists (bar heights, labels), so a new frame costs one PNG encoding, not a new
figure; the explorer draws the same layout as SVG. Values outside the plotted range are clipped to
it and labelled, never dropped.
"""

from __future__ import annotations

import math

import numpy as np

from .connectivity import W2_RANGE, check_steps, check_w2, connectivity, first_input_pulse
from .plots import PALETTE
from ._validate import real_array
from .formatting import _SUBSCRIPTS, number_text, subscript

FLOOR = 1e-6  # smallest |d y_T / d x_t| the plot shows; smaller values sit on the floor, labelled
CEILING = 1e4  # largest value shown; larger values are cut at the top, labelled
# inches; at 80 dpi a frame is 752 x 376 px, the book's text column, with the two panels side by
# side. Every text is at least 17 pt (19 px), so that shrunk to a 390 px phone's 358 px column
# (48 %) it still stands at 9 px.
FIGSIZE = (9.4, 4.7)
TEXT_SIZE = 17  # points; the smallest text in the picture
FRAME_DPI = 80
NEURONS = (
    ("linear", r"linear neuron: $h_t = W_2\,h_{t-1} + x_t$", PALETTE["blue"]),
    ("tanh", r"tanh neuron: $h_t = \tanh(W_2\,h_{t-1} + x_t)$", PALETTE["vermillion"]),
)


def step_ticks(steps: int) -> list[int]:
    """The steps t labelled under the bars, evenly spaced: all up to 8, then x₁ and every 5th or 10th."""
    if steps <= 8:
        return list(range(1, steps + 1))
    spacing = 5 if steps <= 25 else 10 if steps <= 60 else 20
    return [1, *range(spacing, steps + 1, spacing)]


def share_words(share: float, activation: str = "linear", steps: int = 5) -> str:
    """A few words for ``share = |d y_T / d x_1|`` (a factor).

    For the linear neuron the factor is also how much of x_1 itself reaches y_T, so the words
    say that x_1 fades or is amplified. For tanh the two part ways (a latch keeps the sign of
    x_1 while the factor vanishes), so the words speak only of sensitivity: how much a small
    change of x_1 moves y_T.
    """
    if activation == "linear":
        if share == 0:
            return "nothing of x₁ arrives"
        if share < 0.01:
            return "x₁ has all but vanished"
        if share < 0.9:
            return "x₁ arrives shrunk"
        if share <= 1.1:
            return "x₁ arrives at about its own size"
        return "x₁ is amplified and outweighs the recent inputs"
    last = f"y{subscript(steps)}"
    if share == 0:
        return f"a small change of x₁ does not move {last}"
    if share < 0.01:
        return f"a small change of x₁ hardly moves {last}"
    if share < 0.9:
        return f"a small change of x₁ moves {last} less"
    if share <= 1.1:
        return f"a small change of x₁ moves {last} about as much"
    return f"a small change of x₁ is amplified in {last}"


def readout(w2, steps: int = 5, size: float = 1.0) -> str:
    """The slider's caption: in words, the factor ``|d y_T / d x_1|`` by which x_1 reaches y_T.

    For W2 = 0.1 and T = 5 it states 0.0001 for the linear neuron ("∂y₅/∂x₁ = 0.0001").
    Introduced in chapter 4.
    """
    w2, steps = check_w2(w2), check_steps(steps)
    inputs = first_input_pulse(steps, size)
    parts = []
    for activation, _, _ in NEURONS:
        share = float(connectivity(w2, inputs, activation)[0])
        # Word joiners around the slash keep ∂y₅/∂x₁ on one line when the caption wraps.
        parts.append(f"{activation} neuron: ∂y{subscript(steps)}\u2060/\u2060∂x₁ = {number_text(share)}, "
                     f"{share_words(share, activation, steps)}")
    return f"W₂ = {w2:.2f}, T = {steps}, x₁ = {number_text(size)}. " + "; ".join(parts) + "."


class ConnectivityFigure:
    """One figure with ``|d y_T / d x_t|`` for t = 1..T, the linear and tanh neurons side by side.

    Build it once, then call ``draw(w2, inputs)`` for each picture and ``png()`` to encode it.
    ``draw`` updates the existing bars and labels; it makes the T bars of a new T once and keeps
    them for the next time that T comes back. Everything that depends on W2, T or x_1 (bars,
    their labels, the x axis labels, the title) is drawn over a background bitmap that depends on
    none of them, so no control forces the whole figure to be drawn again.

    Parameters
    ----------
    floor, ceiling : float
        The log-scale range shown; values outside it are clipped to it and labelled.
    figsize : (width, height) in inches
    dpi : int
        Pixels per inch of the PNG frames (80: a 752 px wide picture).

    Introduced in chapter 4.
    """

    def __init__(self, floor: float = FLOOR, ceiling: float = CEILING, figsize=FIGSIZE, dpi: int = FRAME_DPI):
        # Not pyplot: the figure is never shown on its own. One Agg canvas for the figure's whole
        # life keeps one renderer, whose cache of typeset labels makes every later frame cheap.
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        if not 0 < floor < 1 < ceiling:
            raise ValueError(f"floor and ceiling must satisfy 0 < floor < 1 < ceiling; got {floor} and {ceiling}")
        self.floor, self.ceiling = float(floor), float(ceiling)
        self.figure = Figure(figsize=figsize, dpi=dpi)
        FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(1, 2, sharey=True)
        self.figure.subplots_adjust(left=0.125, right=0.965, bottom=0.12, top=0.82, wspace=0.17)
        self.title = self.figure.text(0.545, 0.975, "", fontsize=TEXT_SIZE + 1, fontweight="bold", ha="center",
                                      va="top", color=PALETTE["black"], animated=True)
        self._background = None
        self._steps = None
        self._made = {}  # T -> x labels, one entry per T drawn so far
        self.bars = []  # per panel: the T bars
        self.x_labels = []  # per panel: the labels under the bars, drawn like the bars
        self.share_texts = [  # per panel: how much of x_1 arrives, in the empty band above the cut
            ax.text(0.03, self.ceiling * 2.8, "", transform=ax.get_yaxis_transform(), ha="left", va="center",
                    fontsize=TEXT_SIZE, fontweight="bold", animated=True)
            for ax in self.axes
        ]
        self.values = {}
        for ax, (_, label, _) in zip(self.axes, NEURONS):
            ax.set_yscale("log")
            ax.set_ylim(self.floor / 30, self.ceiling * 8)
            ax.set_title(label.split(":")[0], fontsize=TEXT_SIZE)  # the equations are in the text
            ax.axhline(1.0, color=PALETTE["black"], linestyle=":", linewidth=1.2)
            ax.axhspan(self.floor / 30, self.floor, facecolor="#e4e4e4", edgecolor="none", zorder=0)
            ax.axhspan(self.ceiling, self.ceiling * 8, facecolor="#e4e4e4", edgecolor="none", zorder=0)
            ax.spines[["top", "right"]].set_visible(False)
            ax.tick_params(labelsize=TEXT_SIZE)
            ax.set_xticks([])  # the bars' own labels (x_labels) name the steps
        self.axes[0].set_ylabel(r"$|\,\partial y_T / \partial x_t\,|$", fontsize=TEXT_SIZE)
        decades = range(int(round(math.log10(floor))), int(round(math.log10(ceiling))) + 1, 2)
        for ax in self.axes:
            ax.set_yticks([10.0**k for k in decades], ["1" if k == 0 else f"$10^{{{k}}}$" for k in decades])
            ax.minorticks_off()
        # Said only in a frame that has such a value (``draw`` fills them in).
        self._floor_note = rf"grey: below $10^{{{round(math.log10(self.floor))}}}$"
        self._cut_note = rf"hatched: cut at $10^{{{round(math.log10(self.ceiling))}}}$"
        self.notes = [
            ax.text(0.97, self.floor / 5.5, "", transform=ax.get_yaxis_transform(), ha="right", va="center",
                    fontsize=TEXT_SIZE, color="0.2", animated=True)
            for ax in self.axes
        ]

    def _build(self, steps: int) -> None:
        """Show the bars and x labels for T = ``steps``, making them the first time this T is drawn."""
        if steps not in self._made:
            self._made[steps] = self._make(steps)
        self.bars, self.x_labels = self._made[steps]
        for ax in self.axes:
            ax.set_xlim(0.3, steps + 0.7)
        self._steps = steps

    def _make(self, steps: int):
        """The bars and x labels of both panels for T = ``steps``.

        All of them are animated: ``png`` draws them over the background, so the figure's own
        drawing (``canvas.draw``) never shows the sets made for other values of T.
        """
        from matplotlib.patches import Rectangle

        positions = np.arange(1, steps + 1)
        bar_sets, tick_sets = [], []
        for ax, (_, _, colour) in zip(self.axes, NEURONS):
            # Rectangles added as plain artists: ax.bar would also update the data limits bar by
            # bar, which costs more than drawing them, and the limits are fixed here anyway.
            # The white edge colours only the hatching of cut bars.
            bars = [ax.add_artist(Rectangle((position - 0.35, self.floor), 0.7, 1.0, facecolor=colour,
                                            edgecolor="white", linewidth=0)) for position in positions]
            under = ax.get_xaxis_transform()  # x in data, y in axes units: just below the axis
            # Subscript digits, not $x_{t}$: typesetting a new math label takes milliseconds.
            x_labels = [ax.text(t, -0.03, "x" + str(t).translate(_SUBSCRIPTS), transform=under, ha="center",
                                va="top", fontsize=TEXT_SIZE) for t in step_ticks(steps)]
            for artist in [*bars, *x_labels]:
                artist.set_animated(True)
            bar_sets.append(bars)
            tick_sets.append(x_labels)
        return bar_sets, tick_sets

    def draw(self, w2, inputs) -> dict[str, np.ndarray]:
        """Draw the connectivity for W2 and the input sequence ``inputs`` (shape (T,)).

        Returns {"linear": array (T,), "tanh": array (T,)}, the unclipped values drawn.
        """
        w2 = check_w2(w2)
        inputs = real_array(inputs, "inputs")
        steps = inputs.shape[0] if inputs.ndim == 1 else 0
        values = {activation: connectivity(w2, inputs, activation) for activation, _, _ in NEURONS}
        if steps != self._steps:
            self._build(steps)
        for k, (activation, _, _) in enumerate(NEURONS):
            for bar, value in zip(self.bars[k], values[activation]):
                shown = min(max(value, self.floor), self.ceiling)
                bar.set_height(shown - self.floor)
                bar.set_visible(value >= self.floor)
                bar.set_hatch("//" if value > self.ceiling else "")
            # One line states x_1's value (labels on every bar would collide at this text size).
            share = values[activation][0]
            clipped = " (cut)" if share > self.ceiling else " (below)" if 0 < share < self.floor else ""
            self.share_texts[k].set_text(f"x₁: {number_text(share)}{clipped}")
            notes = [self._floor_note] if np.any(values[activation] < self.floor) else []
            notes += [self._cut_note] if np.any(values[activation] > self.ceiling) else []
            self.notes[k].set_text(";  ".join(notes))
        pulse = f",  x₁ = {number_text(inputs[0])}" if np.all(inputs[1:] == 0) and inputs[0] != 1 else ""
        self.title.set_text(f"W₂ = {w2:.2f},  T = {steps}{pulse}")
        self.values = values
        return values

    def png(self) -> bytes:
        """The current picture as PNG bytes (no timestamp, so the same picture gives the same bytes).

        Everything that does not change between frames (axes, y ticks, panel titles, shading) is
        drawn once and kept as a bitmap; each frame restores it and draws only what W2, T and x_1
        change on top ("blitting"): the bars, their labels, the x labels and the titles. Then it
        encodes the pixels.
        """
        import io

        from PIL import Image

        canvas = self.figure.canvas
        if self._background is None:
            canvas.draw()  # skips the animated artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        changing = [artist for group in (*self.bars, *self.x_labels) for artist in group]
        for artist in [*changing, *self.share_texts, *self.notes, self.title]:
            self.figure.draw_artist(artist)
        width, height = canvas.get_width_height(physical=True)
        buffer = io.BytesIO()
        # 64 colours are plenty for flat bars and grey text and halve the bytes; zlib level 6 takes
        # a third off again for 3 ms a frame more (level 9 saves little more at ten times the cost).
        picture = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        picture.quantize(64, method=Image.Quantize.FASTOCTREE).save(buffer, format="png", compress_level=6)
        return buffer.getvalue()


def w2_grid(step: float = 0.1, top: float = W2_RANGE[1]) -> np.ndarray:
    """W2 values 0, step, 2 step, ..., top, rounded so that 0.1, 0.5, 1 and 2 are exact. Shape (n,)."""
    if not 0 < step <= top:
        raise ValueError(f"step must be in (0, {top}], got {step}")
    count = int(round(top / step))
    if not math.isclose(count * step, top):
        raise ValueError(f"step must divide {top} into whole steps, got {step}")
    return np.round(np.arange(count + 1) * step, 10)


def frame_alt(w2: float, steps: int, values: dict[str, np.ndarray]) -> str:
    """Alt text of one frame: what the bars show, with the x_1 and x_T values."""
    described = [
        f"{activation} neuron from {number_text(values[activation][0])} at x1 to "
        f"{number_text(values[activation][-1])} at x{steps}"
        for activation, _, _ in NEURONS
    ]
    return (f"Two bar charts on a log scale, side by side, of how much each input x_t reaches the last "
            f"output y{steps} for W₂ = {w2:.2f}: " + "; ".join(described) + ".")


def w2_frames(w2_values=None, steps: int = 5, size: float = 1.0, dpi: int = FRAME_DPI):
    """Precompute one slider frame per W2 value.

    Parameters
    ----------
    w2_values : array (n,), optional
        Default ``w2_grid()``: 0.00, 0.10, ..., 2.50 (26 values).
    steps : int
        Sequence length T.
    size : float
        The first input x_1; later inputs are 0.
    dpi : int
        Resolution of the PNG frames.

    Returns
    -------
    frames : list of n HTML strings (``image_frame``: picture, alt text, caption = ``readout``)
    labels : list of n str, the W2 values written with two decimals ("0.10")
    first_shares : dict {"linear": array (n,), "tanh": array (n,)}, ``|d y_T / d x_1|`` per W2

    Introduced in chapter 4.
    """
    from .widgets import image_frame

    w2_values = w2_grid() if w2_values is None else real_array(w2_values, "w2_values")
    if w2_values.ndim != 1 or w2_values.size == 0:
        raise ValueError(f"w2_values must be a 1-D array of one or more W2 values; got shape {w2_values.shape}")
    steps = check_steps(steps)
    inputs = first_input_pulse(steps, size)
    picture = ConnectivityFigure(dpi=dpi)
    frames, labels = [], []
    first_shares = {activation: [] for activation, _, _ in NEURONS}
    for w2 in w2_values:
        values = picture.draw(w2, inputs)
        for activation in first_shares:
            first_shares[activation].append(values[activation][0])
        frames.append(image_frame(picture.png(), frame_alt(w2, steps, values), readout(w2, steps, size)))
        labels.append(f"{w2:.2f}")
    return frames, labels, {key: np.array(value) for key, value in first_shares.items()}


def w2_slider(steps: int = 5, size: float = 1.0, start_w2: float = 1.0, w2_values=None):
    """The precomputed W2 slider (works with no kernel). Returns (widget, labels, first_shares).

    ``start_w2`` must be one of the W2 values; the slider opens there. Introduced in chapter 4.
    """
    from .widgets import frame_slider

    frames, labels, first_shares = w2_frames(w2_values, steps, size)
    start_label = f"{check_w2(start_w2):.2f}"
    if start_label not in labels:
        raise ValueError(f"start_w2 must be one of the slider's values {labels}; got {start_w2}")
    widget = frame_slider(frames, labels, description="W₂", start=labels.index(start_label))
    return widget, labels, first_shares


def w2_lag_slider(lags=(5, 20, 50), size: float = 1.0, start_w2: float = 1.0, start_lag: int = 5,
                  w2_values=None):
    """The precomputed W2 slider with a second control for the sequence length T (works with no kernel).

    One set of frames per T in ``lags``; the W2 slider and the T buttons are linked in the browser
    (``jslink``) to the frames, so every move shows a precomputed picture at once.

    Returns
    -------
    widget : ipywidgets.VBox
        The W2 slider, the T buttons, the frames.
    labels : list of str, the W2 values ("0.10")
    first_shares : dict {T: {"linear": array (n,), "tanh": array (n,)}}, ``|d y_T / d x_1|`` per W2

    Introduced in chapter 4.
    """
    import ipywidgets as widgets

    from .widgets import _frame_container, frame_slider

    lags = [check_steps(lag) for lag in lags]
    if not lags or len(set(lags)) != len(lags):
        raise ValueError(f"lags must hold distinct sequence lengths; got {lags}")
    if start_lag not in lags:
        raise ValueError(f"start_lag must be one of lags {lags}; got {start_lag}")
    frame_sets, first_shares, labels = [], {}, None
    for lag in lags:
        frames, labels, first_shares[lag] = w2_frames(w2_values, lag, size)
        frame_sets.append(frames)
    start_label = f"{check_w2(start_w2):.2f}"
    if start_label not in labels:
        raise ValueError(f"start_w2 must be one of the slider's values {labels}; got {start_w2}")
    # The slider of frame_slider drives the first T's frames; the same slider drives the others.
    first = frame_slider(frame_sets[0], labels, description="W₂", start=labels.index(start_label))
    slider, pages = first.children[0], [first.children[1]]
    # The readout shows W2 right next to the handle while dragging (a reader missed it when only
    # the frame's title gave it); the value is short ("1.00"), so a 390 px phone keeps a long track.
    slider.readout = True
    for frames in frame_sets[1:]:
        stack = _frame_container([widgets.HTML(value=frame) for frame in frames])
        stack.selected_index = labels.index(start_label)
        widgets.jslink((slider, "index"), (stack, "selected_index"))
        pages.append(stack)
    lag_pages = _frame_container(pages)
    lag_buttons = widgets.ToggleButtons(options=[f"T = {lag}" for lag in lags], description="",
                                        tooltips=[f"sequence length {lag}" for lag in lags],
                                        style={"description_width": "initial", "button_width": "5em"})
    lag_buttons.index = lags.index(start_lag)
    lag_pages.selected_index = lags.index(start_lag)
    widgets.jslink((lag_buttons, "index"), (lag_pages, "selected_index"))
    return widgets.VBox([slider, lag_buttons, lag_pages]), labels, first_shares


def live_w2_explorer(w2: float = 1.0, steps: int = 5, size: float = 1.0):
    """The live W2 explorer (``rnn_helpers.w2_explorer.W2Explorer``): sliders for W2, T and x_1
    whose picture the browser redraws on every move; shown when it is the last expression of a
    cell. ``w2`` must be on the slider's grid (a multiple of 0.05), ``steps`` from 2 to 60, ``size``
    10^(k/4) from 0.001 to 10. Introduced in chapter 4."""
    from .w2_explorer import W2Explorer

    return W2Explorer(w2, steps, size)


def draw_w2_chain(steps: int = 5):
    """The neuron unrolled over ``steps`` steps with W2 on every link, and the way the gradient
    d y_T / d x_1 travels back (one factor W2 per link), drawn as a dashed arrow from y_T to the
    x_1 box. Returns the figure. Introduced in chapter 4."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    from .diagrams import ROWS, draw_rnn_chain

    steps = check_steps(steps)
    fig, ax = plt.subplots(figsize=(7.0, 3.3))
    draw_rnn_chain(steps, outputs="last", input_weight=None, recurrent_weight="$W_2$", output_weight=None,
                   initial_state=None, ax=ax)
    boxes = [patch for patch in ax.patches if patch.get_gid() == "hidden-box"]
    centres = [box.get_x() + box.get_width() / 2 for box in boxes]
    width = boxes[0].get_width()
    top = ROWS["output"]
    # from y_T along the top, down the left of h_1, into the x_1 box from the left
    left_edge = centres[0] - width / 2
    route = Path([(centres[-1] - width / 2 - 0.05, top), (left_edge - 0.22, top),
                  (left_edge - 0.22, ROWS["input"]), (left_edge - 0.04, ROWS["input"])],
                 [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO])
    ax.add_patch(FancyArrowPatch(path=route, arrowstyle="-|>", mutation_scale=12, linestyle="--",
                                 linewidth=1.4, color=PALETTE["vermillion"], gid="gradient-arrow"))
    links = steps - 1
    ax.text((centres[0] + centres[-1]) / 2 - 0.3, top + 0.12,
            rf"$\partial y_{{{steps}}}/\partial x_1$: back across {links} links, $\times W_2$ on each $= W_2^{{{links}}}$",
            ha="center", va="bottom", fontsize=10.5, color=PALETTE["vermillion"])
    ax.set_xlim(centres[0] - width, centres[-1] + width)
    fig.tight_layout()
    return fig


def plot_tanh_neuron(cases=((0.5, 1.0), (1.0, 1.0), (2.0, 1.0), (2.0, 0.01)), steps: int = 20):
    """The tanh neuron's state h_t (left) and the factor ``|d h_t / d h_{t-1}| = W2 (1 - h_t^2)`` that
    every step back multiplies the gradient by (right), for each (W2, x_1) in ``cases``; later
    inputs are 0. Returns the figure. Introduced in chapter 4."""
    import matplotlib.pyplot as plt

    from .connectivity import neuron_states, tanh_slope

    steps = check_steps(steps)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.4, 3.8))
    colours = [PALETTE["sky"], PALETTE["green"], PALETTE["vermillion"], PALETTE["vermillion"]]
    t = np.arange(1, steps + 1)
    for k, (w2, size) in enumerate(cases):
        h, a = neuron_states(w2, first_input_pulse(steps, size), "tanh")
        style = dict(color=colours[k % len(colours)], linestyle="--" if size < 0.1 else "-", marker="o", markersize=3)
        label = f"W2 = {w2:g}, x1 = {size:g}"
        left.plot(t, h, label=label, **style)
        right.plot(t[1:], w2 * tanh_slope(a[1:]), label=label, **style)
    right.axhline(1.0, color=PALETTE["black"], linestyle=":", linewidth=1)
    right.text(steps, 1.04, "above 1: the gradient grows", ha="right", va="bottom", fontsize=8.5)
    right.text(steps, 0.7, "below 1: it shrinks", ha="right", va="center", fontsize=8.5)
    left.set(xlabel="step t", ylabel="state $h_t$", title="the state settles")
    right.set(xlabel="step t", ylabel=r"$W_2\,(1 - h_t^2)$", title="factor per step back", ylim=(0, 2.2))
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(0.5, steps + 0.5)
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(cases), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def plot_latch(w2: float = 2.0, steps: int = 30, noise: float = 0.3, shown: int = 12, seed: int = 0):
    """The saturated tanh neuron as a latch: ``shown`` noisy trials for x_1 = +1 and x_1 = -1
    (``connectivity.noisy_latch``). Left, the state h_t: each trial stays on the side of its
    x_1, near the fixed point +h* or -h*. Right, ``|d h_t / d x_1|`` on a log scale: it falls by
    about W2 (1 - h*^2) a step all the same. Returns the figure. Introduced in chapter 4."""
    import matplotlib.pyplot as plt

    from .connectivity import fixed_point, noisy_latch

    if isinstance(shown, bool) or not isinstance(shown, int) or shown < 1:
        raise ValueError(f"shown must be a whole number >= 1; got {shown!r}")
    runs = noisy_latch(w2, (1.0, -1.0), steps, noise, trials=shown, seed=seed)
    h_star = fixed_point(w2)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.4, 3.6))
    t = np.arange(1, steps + 1)
    for first, colour in ((1.0, PALETTE["vermillion"]), (-1.0, PALETTE["blue"])):
        states, sensitivity = runs[first]
        for k in range(shown):
            label = f"$x_1$ = {first:+g}" if k == 0 else None
            left.plot(t, states[k], color=colour, linewidth=1, alpha=0.7, label=label)
            right.plot(t, sensitivity[k], color=colour, linewidth=1, alpha=0.7, label=label)
    for level in (h_star, -h_star):
        left.axhline(level, color=PALETTE["black"], linestyle="--", linewidth=1)
    left.axhline(0.0, color=PALETTE["black"], linestyle=":", linewidth=1)
    left.text(steps, h_star + 0.09, f"fixed point +{h_star:.2f}", ha="right", va="bottom", fontsize=8.5)
    left.text(steps, -h_star - 0.09, f"fixed point \u2212{h_star:.2f}", ha="right", va="top", fontsize=8.5)
    left.text(steps, 0.05, "fixed point 0 (pushes away)", ha="right", va="bottom", fontsize=8.5)
    left.set(xlabel="step t", ylabel="state $h_t$", ylim=(-1.35, 1.35), title="the sign of $x_1$ is kept")
    right.set(xlabel="step t", ylabel=r"$|\,\partial h_t / \partial x_1\,|$", yscale="log",
              title="the gradient vanishes")
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(0.5, steps + 0.5)
    right.legend(loc="upper right", fontsize=8.5, frameon=False)
    trials = "1 trial" if shown == 1 else f"{shown} trials"
    fig.suptitle(f"tanh neuron, $W_2$ = {w2:g}: {trials} each with distractions "
                 f"$\\mathcal{{N}}(0, {noise:g}^2)$", fontsize=10.5)
    fig.tight_layout()
    return fig


__all__ = [
    "draw_w2_chain",
    "plot_tanh_neuron",
    "plot_latch",
    "FLOOR",
    "CEILING",
    "share_words",
    "step_ticks",
    "readout",
    "ConnectivityFigure",
    "w2_grid",
    "frame_alt",
    "w2_frames",
    "w2_slider",
    "w2_lag_slider",
    "live_w2_explorer",
]
