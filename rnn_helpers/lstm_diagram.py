"""The LSTM cell drawn once, and the same drawing with one step of the cell highlighted.

Introduced in chapter 5, which walks through the cell one part at a time: the forget gate,
the input gate with the candidate, the cell update, the output gate. ``draw_lstm_cell()``
draws the whole cell; ``draw_lstm_cell(highlight="forget")`` draws the same picture with
everything but that step faded, so the reader sees what the step reads and what it writes.
``STEPS`` says which parts of the drawing belong to each step (the unit tests check it).
"""

from __future__ import annotations

from .plots import PALETTE

#: The steps of the walkthrough, in the order the chapter takes them, each with its equation
#: as matplotlib mathtext, the figure's second title line. Each bias stands for the sum of
#: PyTorch's two biases of that gate.
#:
#: :meta hide-value:
EQUATIONS = {
    "forget": r"$f_t = \sigma(W_{if}\, x_t + W_{hf}\, h_{t-1} + b_f)$",
    "input": r"$i_t = \sigma(W_{ii}\, x_t + W_{hi}\, h_{t-1} + b_i)$,   "
             r"$g_t = \tanh(W_{ig}\, x_t + W_{hg}\, h_{t-1} + b_g)$",
    "cell": r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$",
    "output": r"$o_t = \sigma(W_{io}\, x_t + W_{ho}\, h_{t-1} + b_o)$,   $h_t = o_t \odot \tanh(c_t)$",
}

TITLES = {
    None: "One LSTM step",
    "forget": "1. The forget gate",
    "input": "2. The input gate and the candidate",
    "cell": "3. The cell update",
    "output": "4. The output gate",
}

_READS = {"h_in", "x_in", "bus"}  # every gate reads h_{t-1} and x_t

#: The parts of the drawing each step shows in colour (a set of part names per step, such as
#: "f_gate" or "c_in"); all others are faded.
#:
#: :meta hide-value:
STEPS = {
    "forget": _READS | {"f_gate", "f_arrow", "f_times", "c_in"},
    "input": _READS | {"i_gate", "g_gate", "i_arrow", "g_arrow", "ig_times"},
    "cell": {"c_in", "f_times", "f_arrow", "c_mid", "plus", "ig_times", "ig_arrow", "c_out"},
    "output": _READS | {"c_out", "tanh_c", "o_gate", "o_arrow", "o_times", "h_out"},
}

PARTS = sorted(set().union(*STEPS.values()))

_FADED = "0.82"  # the colour of a part that does not belong to the highlighted step


def _check_highlight(highlight):
    if highlight is not None and not (isinstance(highlight, str) and highlight in STEPS):
        raise ValueError(f"highlight must be None or one of {list(STEPS)}, got {highlight!r}")
    return highlight


def draw_lstm_cell(ax=None, highlight: str | None = None, equation: bool = True):
    """Draw one LSTM cell; with ``highlight``, fade everything but one step of it.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new figure of 7.6 x 4.4 inches if omitted.
    highlight : None or one of "forget", "input", "cell", "output"
        The step of the walkthrough to show in colour (``STEPS[highlight]``); None draws the
        whole cell in colour.
    equation : bool
        Put the step's equation (``EQUATIONS``) under the title.

    Returns the Axes; ``ax.lstm_parts`` maps each part name to whether it is highlighted.
    The cell state (blue) runs along the top and meets one multiplication by f_t and one
    addition of i_t * g_t; every gate reads h_{t-1} and x_t from the line below.
    Introduced in chapter 5.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    highlight = _check_highlight(highlight)
    if not isinstance(equation, bool):
        raise TypeError(f"equation must be True or False, got {type(equation).__name__} {equation!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.6, 4.4))
    shown = {part: highlight is None or part in STEPS[highlight] for part in PARTS}

    def colour(part, normal):
        return normal if shown[part] else _FADED

    def arrow(part, points, normal="0.2", width=1.5, head=True):
        c = colour(part, normal)
        width = width + (0.6 if highlight is not None and shown[part] else 0.0)
        for (x0, y0), (x1, y1) in zip(points[:-2], points[1:-1]):
            ax.plot([x0, x1], [y0, y1], color=c, linewidth=width, solid_capstyle="round")
        ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>" if head else "-",
                                     mutation_scale=13, color=c, linewidth=width, shrinkA=0, shrinkB=0))

    def node(part, x, y, symbol, normal="0.2"):
        c = colour(part, normal)
        ax.add_patch(Circle((x, y), 0.27, facecolor="white", edgecolor=c, linewidth=1.6, zorder=3))
        ax.text(x, y, symbol, ha="center", va="center", fontsize=15, zorder=4, color=c)

    def box(part, x, y, text, name, fill):
        on = shown[part]
        ax.add_patch(FancyBboxPatch((x - 0.42, y - 0.28), 0.84, 0.56, boxstyle="round,pad=0.03",
                                    facecolor=fill if on else "#F2F2F2", edgecolor="black" if on else _FADED,
                                    linewidth=1.2, zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=4, color="black" if on else "0.65")
        ax.text(x + 0.1, y + 0.32, name, ha="left", va="bottom", fontsize=13, color="black" if on else "0.65")

    def label(part, x, y, text, ha, normal="black"):
        ax.text(x, y, text, ha=ha, va="bottom", fontsize=15, color=colour(part, normal))

    blue = PALETTE["blue"]
    ax.add_patch(FancyBboxPatch((0.9, 0.45), 8.0, 4.75, boxstyle="round,pad=0.05", facecolor="#F7F7F7",
                                edgecolor="0.7", linewidth=1.0))
    top, bus, gates_y, h_line, ig_y = 4.6, 1.45, 2.55, 0.95, 3.6
    fx, ix, gx, ox, tx = 2.7, 4.0, 5.3, 6.6, 7.9
    # The cell state: in from the left, x f_t, + i_t g_t, out to the right.
    arrow("c_in", [(0.0, top), (fx - 0.27, top)], blue, 3.2)
    arrow("c_mid", [(fx + 0.27, top), (gx - 0.27, top)], blue, 3.2)
    arrow("c_out", [(gx + 0.27, top), (9.8, top)], blue, 3.2)
    node("f_times", fx, top, "×", blue)
    node("plus", gx, top, "+", blue)
    label("c_in", 0.0, top + 0.15, "$c_{t-1}$", "left", blue)
    label("c_out", 9.8, top + 0.15, "$c_t$", "right", blue)
    # What every gate reads: h_{t-1} from the left and x_t from below, on one line.
    arrow("h_in", [(0.0, h_line), (1.4, h_line), (1.4, bus)], head=False)
    arrow("x_in", [(1.9, -0.1), (1.9, bus)], head=False)
    ax.plot([1.4, ox], [bus, bus], color=colour("bus", "0.2"), linewidth=1.5)
    label("h_in", 0.0, h_line + 0.1, "$h_{t-1}$", "left")
    label("x_in", 2.0, -0.1, "$x_t$", "left")
    for part, x in (("f_gate", fx), ("i_gate", ix), ("g_gate", gx), ("o_gate", ox)):
        arrow(part, [(x, bus), (x, gates_y - 0.3)])
    box("f_gate", fx, gates_y, "σ", "$f_t$", PALETTE["orange"])
    box("i_gate", ix, gates_y, "σ", "$i_t$", PALETTE["orange"])
    box("g_gate", gx, gates_y, "tanh", "$g_t$", PALETTE["green"])
    box("o_gate", ox, gates_y, "σ", "$o_t$", PALETTE["orange"])
    # f_t scales the old cell state; i_t * g_t is what gets added.
    arrow("f_arrow", [(fx, gates_y + 0.3), (fx, top - 0.27)])
    node("ig_times", gx, ig_y, "×")
    arrow("i_arrow", [(ix, gates_y + 0.3), (ix, ig_y), (gx - 0.27, ig_y)])
    arrow("g_arrow", [(gx, gates_y + 0.3), (gx, ig_y - 0.27)])
    arrow("ig_arrow", [(gx, ig_y + 0.27), (gx, top - 0.27)])
    # The output: h_t = o_t * tanh(c_t).
    arrow("tanh_c", [(tx, top), (tx, 3.95)], blue, 1.5)
    on = shown["tanh_c"]
    ax.add_patch(FancyBboxPatch((tx - 0.38, 3.45), 0.76, 0.46, boxstyle="round,pad=0.03", facecolor="white",
                                edgecolor="black" if on else _FADED, linewidth=1.1, zorder=3))
    ax.text(tx, 3.68, "tanh", ha="center", va="center", fontsize=11, zorder=4, color="black" if on else "0.65")
    node("o_times", tx, gates_y, "×")
    arrow("tanh_c", [(tx, 3.45), (tx, gates_y + 0.27)])
    arrow("o_arrow", [(ox + 0.42, gates_y), (tx - 0.27, gates_y)])
    arrow("h_out", [(tx, gates_y - 0.27), (tx, h_line), (9.8, h_line)])
    label("h_out", 9.8, h_line + 0.1, "$h_t$", "right")
    ax.set_xlim(-0.1, 10.0)
    ax.set_ylim(-0.2, 5.35)
    ax.set_aspect("equal")
    ax.axis("off")
    title = TITLES[highlight]
    if equation and highlight is not None:
        title = f"{title}\n{EQUATIONS[highlight]}"
    ax.set_title(title, fontsize=13, loc="left")
    ax.lstm_parts = shown
    ax.figure.tight_layout()
    return ax


__all__ = ["EQUATIONS", "PARTS", "STEPS", "TITLES", "draw_lstm_cell"]
