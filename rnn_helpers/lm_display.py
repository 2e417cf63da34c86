"""Pictures and HTML for chapter 6: truncated BPTT drawn, samples behind a temperature slider,
text coloured by one unit's activation.

Introduced in chapter 6. Colours come from ``plots.PALETTE``; the slider is
``widgets.frame_slider`` over precomputed text, so it works on the static website.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from ._validate import check_count, check_ndim, real_array
from .plots import PALETTE


def draw_truncated_bptt(chunks: int = 3, length: int = 4, ax=None):
    """Truncated BPTT drawn: one stream of ``chunks`` x ``length`` steps, cut into chunks.

    Hidden states are boxes; solid blue arrows carry the state forward (across chunk borders
    too); dashed orange arrows carry the gradient back, and stop at each chunk's first step,
    where a grey bar marks the detach; a legend under the picture names the two arrows.
    Returns the Axes. Introduced in chapter 6.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 * chunks * length + 1, 2.9))
    steps = chunks * length
    for t in range(steps):
        ax.add_patch(Rectangle((t - 0.3, 0.7), 0.6, 0.6, facecolor="white", edgecolor="black", linewidth=1))
        ax.text(t, 1.0, f"$h_{{{t + 1}}}$", ha="center", va="center", fontsize=14)
        ax.text(t, 0.15, f"$x_{{{t + 1}}}$", ha="center", va="center", fontsize=14)
        ax.add_patch(FancyArrowPatch((t, 0.3), (t, 0.68), arrowstyle="-|>", mutation_scale=12, color="0.4"))
        if t + 1 < steps:
            ax.add_patch(FancyArrowPatch((t + 0.32, 1.08), (t + 0.68, 1.08), arrowstyle="-|>", mutation_scale=13,
                                         color=PALETTE["blue"], linewidth=1.5))
            if (t + 1) % length:
                ax.add_patch(FancyArrowPatch((t + 0.68, 0.9), (t + 0.32, 0.9), arrowstyle="-|>", mutation_scale=13,
                                             color=PALETTE["vermillion"], linewidth=1.5, linestyle="--"))
    for k in range(chunks):
        left = k * length - 0.45
        ax.add_patch(Rectangle((left, 0.55), length - 0.1, 1.15, facecolor="none", edgecolor="0.6",
                               linewidth=1, linestyle=":"))
        ax.text(left + (length - 0.1) / 2, 1.85, f"chunk {k + 1}: loss, backward, update", ha="center", fontsize=13)
        if k:
            ax.plot([k * length - 0.5] * 2, [0.6, 1.45], color="0.3", linewidth=3)
            ax.text(k * length - 0.5, 1.5, "detach", ha="center", va="bottom", fontsize=12, color="0.3",
                    bbox=dict(facecolor="white", edgecolor="none", pad=1))
    ax.set_xlim(-0.7, steps - 0.3)
    ax.set_ylim(0, 2.1)
    ax.axis("off")
    from matplotlib.lines import Line2D
    keys = [Line2D([], [], color=PALETTE["blue"], linewidth=1.5, label="state value, forward"),
            Line2D([], [], color=PALETTE["vermillion"], linewidth=1.5, linestyle="--",
                   label="gradient, backward (within a chunk only)")]
    ax.legend(handles=keys, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=2, frameon=False, fontsize=13)
    return ax


def sample_frames(samples: Sequence[str], temperatures: Sequence[float], prompt: str):
    """HTML frames and labels for ``widgets.frame_slider``: one sample per temperature.

    Each frame shows the prompt in bold and the sample after it, in a monospace block, and a
    caption (read out by screen readers) naming the temperature. Introduced in chapter 6.
    """
    if len(samples) != len(temperatures) or not samples:
        raise ValueError(f"samples and temperatures must be non-empty and of equal length; "
                         f"got {len(samples)} and {len(temperatures)}")
    frames, labels = [], []
    for sample, temperature in zip(samples, temperatures):
        label = f"{temperature:.2f}"
        body = f"<b>{html.escape(prompt)}</b>{html.escape(sample)}"
        frames.append(
            '<pre style="white-space:pre-wrap;max-width:44em;font-size:0.85em;line-height:1.35;'
            f'border-left:3px solid {PALETTE["blue"]};padding-left:0.6em">{body}</pre>'
            f'<p class="frame-caption" role="status">Sample at temperature {label} '
            '(the prompt in bold).</p>')
        labels.append(label)
    return frames, labels


def _colour(value: float) -> str:
    """Blue for -1, white for 0, orange for +1 (``PALETTE``, mixed with white so that black text
    on it keeps a contrast above 4.5), as a CSS rgb(), in steps of 0.25
    (coarse on purpose: a rounding difference in the last bit almost never changes a step)."""
    value = round(float(np.clip(value, -1, 1)) * 4) / 4
    end = PALETTE["orange"] if value > 0 else PALETTE["blue"]
    rgb = [int(end[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 + (c - 255) * 0.7 * abs(value)) for c in rgb]  # at most 70 %: black text stays readable
    return f"rgb({mixed[0]},{mixed[1]},{mixed[2]})"


def coloured_text(text: str, activation, title: str = "") -> str:
    """HTML of ``text`` with each character's background coloured by ``activation`` (len(text),)
    in [-1, 1]: blue negative, white zero, orange positive (as Karpathy's pictures).

    Introduced in chapter 6.
    """
    activation = real_array(activation, "activation")
    check_ndim(activation, "activation", {1: "(len(text),)"})
    if activation.shape[0] != len(text):
        raise ValueError(f"activation must have one value per character: {len(text)}; got {activation.shape[0]}")
    spans = []
    for char, value in zip(text, activation):
        shown = "↵\n" if char == "\n" else html.escape(char)
        spans.append(f'<span style="background:{_colour(value)}">{shown}</span>')
    heading = f"<p><b>{html.escape(title)}</b></p>" if title else ""
    return (heading + '<pre style="white-space:pre-wrap;max-width:44em;font-size:0.85em;line-height:1.5;'
            'color:black">' + "".join(spans) + "</pre>")


def text_features(text: str) -> dict[str, np.ndarray]:
    """Things a reader can see in ``text``, one value per character (len(text),):

    "inside parentheses" 1 between an opening bracket and its closing one, "inside quotes" 1
    between a pair of double or single quotes on one line, "inside backticks" 1 between a pair
    of backticks, "indented line" 1 once four spaces have been read at the start of a line (Python bodies),
    "position in line" the column divided by 80. A blank line (a paragraph's end) closes every
    open bracket and backtick, so that one unmatched ``(`` or a Markdown code fence cannot mark
    everything after it as "inside".
    The value at character t describes the text up to and including t, what the model has
    read when it holds its state h_t. Introduced in chapter 6.
    """
    depth, quote, tick, column = 0, None, False, 0
    features = {name: np.zeros(len(text)) for name in
                ("inside parentheses", "inside quotes", "inside backticks", "indented line",
                 "position in line")}
    leading, in_lead = 0, True  # spaces read so far at the start of the line
    for t, char in enumerate(text):
        if char == "\n" and column == 0 and t > 0:  # a blank line: a paragraph ends
            depth, tick = 0, False
        if char == "\n":
            column, quote, leading, in_lead = 0, None, 0, True
        else:
            column += 1
            if in_lead and char == " ":
                leading += 1
            else:
                in_lead = False
        if quote is None and char in "([":
            depth += 1
        elif quote is None and char in ")]":
            depth = max(depth - 1, 0)
        if char in "\"'" and not tick:
            quote = char if quote is None else (None if char == quote else quote)
        if char == "`":
            tick = not tick
        features["inside parentheses"][t] = depth > 0
        features["inside quotes"][t] = quote is not None
        features["inside backticks"][t] = tick
        features["indented line"][t] = leading >= 4
        features["position in line"][t] = column / 80
    return features


def unit_feature_correlations(states, features: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Correlation of every unit of ``states`` (T, H) with every feature (T,): name -> (H,)."""
    states = real_array(states, "states")
    check_ndim(states, "states", {2: "(T, H)"})
    result = {}
    centred = states - states.mean(axis=0)
    scale = np.sqrt((centred ** 2).sum(axis=0))
    for name, values in features.items():
        v = np.asarray(values, dtype=float) - np.mean(values)
        result[name] = centred.T @ v / np.maximum(scale * np.sqrt((v ** 2).sum()), 1e-12)
    return result


__all__ = ["draw_truncated_bptt", "sample_frames", "coloured_text", "text_features", "unit_feature_correlations"]


def plot_loss_curves(curves: dict, levels: dict, ax=None):
    """Training loss in bits per character against the update, one line per run in ``curves``
    (label -> (updates, bits)), and a dashed horizontal line for every baseline in ``levels``
    (label -> bits). Returns the Axes. Introduced in chapter 6."""
    import matplotlib.pyplot as plt

    from .plots import SERIES_COLOURS, finish_chart

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    for (label, (updates, bits)), colour in zip(curves.items(), SERIES_COLOURS):
        ax.plot(updates, bits, color=colour, label=label, linewidth=1.5)
    for k, (label, bits) in enumerate(levels.items()):
        ax.axhline(bits, color="0.45", linestyle=(0, (4, 2 + 2 * k)), linewidth=1)
        ax.text(ax.get_xlim()[1], bits + 0.08, label, ha="right", va="bottom", fontsize=9, color="0.25")
    ax.set(xlabel="update", ylabel="bits per character")
    finish_chart(ax, loc="upper right")
    return ax


def plot_temperature_bars(probs_by_temperature: dict, tokens: Sequence[str], top: int = 8,
                          stacked: bool = False):
    """One panel per temperature: the ``top`` most likely next characters (chosen at the first
    temperature, the same characters in every panel) and their probabilities.
    ``probs_by_temperature`` label -> (V,) probabilities. ``stacked`` draws the panels one above
    the other (readable on a phone) instead of side by side. Returns the Figure. Introduced in
    chapter 6."""
    import matplotlib.pyplot as plt

    from .plots import PALETTE

    labels = list(probs_by_temperature)
    first = np.asarray(probs_by_temperature[labels[0]])
    order = np.argsort(-first)[:top]
    names = [repr(tokens[i])[1:-1].replace(" ", "␣") or "?" for i in order]
    if stacked:
        fig, axes = plt.subplots(len(labels), 1, figsize=(5.2, 2.1 * len(labels)), sharey=True)
    else:
        fig, axes = plt.subplots(1, len(labels), figsize=(3.3 * len(labels), 2.8), sharey=True)
    for ax, label in zip(np.atleast_1d(axes), labels):
        p = np.asarray(probs_by_temperature[label])
        ax.bar(range(top), p[order], color=PALETTE["blue"], edgecolor="black", linewidth=0.5)
        ax.bar([top + 0.6], [1 - p[order].sum()], color="0.8", edgecolor="black", linewidth=0.5)
        ax.set_xticks(list(range(top)) + [top + 0.6], names + ["rest"], fontsize=13)
        ax.set_title(label, fontsize=12)
        ax.set_ylim(0, 1)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in np.atleast_1d(axes)[:len(labels) if stacked else 1]:
        ax.set_ylabel("p(next character)")
    fig.tight_layout()
    return fig


def guess_lines(text: str, probs, vocab, width: int = 72) -> str:
    """``text`` and, under each character, the model's most likely *next* character shifted one
    place right, so each guess stands under the character it tried to predict; wrapped at
    ``width``. Line ends and spaces are shown as ↵ and ␣ so the columns line up."""
    probs = real_array(probs, "probs")
    guesses = "·" + "".join(vocab.tokens[i] for i in probs.argmax(axis=1)[:-1])
    show = str.maketrans({"\n": "↵", " ": "␣"})
    true, guess = text.translate(show), guesses.translate(show)
    lines = []
    for start in range(0, len(true), width):
        lines += ["text  " + true[start:start + width], "guess " + guess[start:start + width], ""]
    return "\n".join(lines).rstrip("\n")


def wrap_text(text: str, width: int = 84) -> str:
    """``text`` with every line longer than ``width`` broken at its last space within ``width``
    characters (the space dropped), or after ``width`` characters where a piece has no space;
    line ends kept, so that printed samples fit the book's 84-character output box."""
    width = check_count(width, "width")  # a width of 0 would never shorten a line
    lines = []
    for line in text.split("\n"):
        while len(line) > width:
            cut = line.rfind(" ", 1, width + 1)  # a space at index 1..width
            if cut > 0 and line[:cut].strip():
                lines.append(line[:cut])
                line = line[cut + 1:]
            else:
                lines.append(line[:width])
                line = line[width:]
        lines.append(line)
    return "\n".join(lines)


__all__ += ["plot_loss_curves", "plot_temperature_bars", "guess_lines", "wrap_text"]
