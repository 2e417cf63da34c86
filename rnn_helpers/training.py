"""A small, deterministic training loop, and displays of what a sequence model has learned.

Introduced in chapter 3. The loop prints its progress as fixed-decimal numbers only (no
times, no random draws), so the same code prints the same lines on every run, which is
what lets nbval compare a notebook's output with a fresh run. ``prediction_table``,
``plot_predictions`` and ``plot_hidden_states`` show, step by step, what the model predicts
and what its hidden state holds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_ndim, real_array


@dataclass
class History:
    """What ``train`` recorded. Index k means "after k updates" (k = 0 is before training).

    ``losses`` has one entry per record; ``tracked[name]`` has one entry per record for
    every quantity given to ``train`` in ``track``; ``updates`` is how many updates ran;
    ``snapshots[k]`` is a copy of the parameters after k updates, for every k asked for.
    """

    losses: list[float] = field(default_factory=list)
    tracked: dict[str, list[float]] = field(default_factory=dict)
    updates: int = 0
    snapshots: dict[int, dict] = field(default_factory=dict)


def _line(update: int, loss: float, values: Mapping[str, float], decimals: int) -> str:
    parts = [f"update {update:3d}", f"loss {loss:.{decimals}f}"]
    parts += [f"{name} {value:.{decimals}f}" for name, value in values.items()]
    return " | ".join(parts)


def train(loss_and_grads: Callable, params: dict, optimizer, updates: int, log_every: int = 0,
          track: Mapping[str, Callable] | None = None, stop_when: Callable[[History], bool] | None = None,
          decimals: int = 4, snapshots: Sequence[int] = (), out: Callable[[str], None] = print) -> History:
    """Run up to ``updates`` optimizer steps on ``params`` (changed in place).

    Returns a ``History``. The loss recorded after k updates is computed with the
    parameters after k updates. Introduced in chapter 3.

    Parameters
    ----------
    loss_and_grads : callable, params -> (loss: float, grads: dict like params)
    params : dict of numpy arrays
    optimizer : object with ``step(params, grads)``, e.g. ``char_rnn.Adagrad``
    updates : int >= 0
    log_every : int
        Print a progress line before training, every ``log_every`` updates and after the
        last one; 0 prints nothing.
    track : dict name -> callable(params) -> float, optional
        Extra quantities recorded (and printed) alongside the loss.
    stop_when : callable(History) -> bool, optional
        Checked after every record; training stops early when it returns True.
    decimals : int
        Decimals of the printed numbers.
    snapshots : list of int
        Update counts k at which a copy of ``params`` is kept in ``History.snapshots[k]``.
    """
    for name, value in (("updates", updates), ("log_every", log_every), ("decimals", decimals)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer (log_every 0 = silent); got {value!r}")
    if not callable(loss_and_grads):
        raise TypeError(f"loss_and_grads must be a function params -> (loss, grads); got {type(loss_and_grads).__name__}")
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict of numpy arrays; got {type(params).__name__}")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method, e.g. Adagrad(params); got {optimizer!r}")
    if isinstance(snapshots, (str, bytes)) or not all(
        isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_)) for k in snapshots
    ):
        raise TypeError(f"snapshots must be a list of update counts (integers); got {snapshots!r}")
    track = dict(track or {})
    keep = set(int(k) for k in snapshots)
    history = History(tracked={name: [] for name in track})

    def record(loss: float) -> bool:
        k = len(history.losses)
        history.losses.append(float(loss))
        if k in keep:
            history.snapshots[k] = {key: np.array(value, copy=True) for key, value in params.items()}
        values = {name: float(fn(params)) for name, fn in track.items()}
        for name, value in values.items():
            history.tracked[name].append(value)
        finished = stop_when is not None and stop_when(history)
        if log_every and (k % log_every == 0 or k == updates or finished):
            out(_line(k, loss, values, decimals))
        return finished

    loss, grads = loss_and_grads(params)
    if record(loss):
        return history
    for _ in range(updates):
        optimizer.step(params, grads)
        history.updates += 1
        loss, grads = loss_and_grads(params)
        if record(loss):
            break
    return history


def prediction_table(probs, tokens: Sequence[str], inputs: Sequence[str], targets: Sequence[str] | None = None,
                     decimals: int = 2) -> str:
    """A text table of p(next token) at every step, one row per step.

    ``probs`` (T, V), each row a distribution over the tokens (values in [0, 1], summing to 1
    within 0.001); ``tokens`` the V column names; ``inputs`` the T tokens read; ``targets``
    (optional, T tokens) adds a column with the probability given to the correct next token.
    Introduced in chapter 3.
    """
    probs = real_array(probs, "probs")
    check_ndim(probs, "probs", {2: "(T, V)"})
    steps, width = probs.shape
    if len(tokens) != width or len(inputs) != steps or (targets is not None and len(targets) != steps):
        raise ValueError(
            f"probs has shape {probs.shape}: tokens needs {width} entries and inputs (and targets) {steps}; "
            f"got {len(tokens)}, {len(inputs)}" + ("" if targets is None else f", {len(targets)}")
        )
    unknown = [token for token in (targets or []) if token not in tokens]
    if unknown:
        raise ValueError(f"targets must be tokens of {list(tokens)}; got {unknown[0]!r}")
    outside = np.argwhere((probs < 0) | (probs > 1))
    if len(outside):
        t, v = outside[0]
        raise ValueError(f"probs must hold probabilities between 0 and 1; got {probs[t, v]:g} at index ({t}, {v})")
    # 1e-3: a softmax row in float16 (0.7 and 0.3 stored as 0.7002 and 0.2998) still passes
    sums = probs.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1) > 1e-3)
    if len(off):
        raise ValueError(f"each row of probs must sum to 1 (a distribution over the {width} tokens); "
                         f"row {off[0]} sums to {sums[off[0]]:g}")
    cell = decimals + 3
    header = f"{'step':>4}  {'read':>4}  " + " ".join(f"{token:>{cell}}" for token in tokens)
    if targets is not None:
        header += f"  {'next':>4}  {'p(next)':>7}"
    lines = [header]
    for t in range(steps):
        row = f"{t + 1:>4}  {inputs[t]:>4}  " + " ".join(f"{p:>{cell}.{decimals}f}" for p in probs[t])
        if targets is not None:
            row += f"  {targets[t]:>4}  {probs[t, list(tokens).index(targets[t])]:>7.{decimals}f}"
        lines.append(row)
    return "\n".join(lines)




def plot_predictions(probs, tokens: Sequence[str], inputs: Sequence[str], targets: Sequence[str], title: str = ""):
    """One small bar chart per step: p(next token) after reading ``inputs[t]``.

    ``probs`` (T, V); the bar of the correct next token (``targets[t]``) is drawn in
    blue, the others in grey, with its probability written above it. Returns the figure.
    Introduced in chapter 3.
    """
    import matplotlib.pyplot as plt

    figure = _PredictionFigure(tokens, inputs, targets)
    try:
        return figure.draw(probs, title)
    except Exception:  # bad probabilities or targets: no half-drawn figure stays open
        plt.close(figure.fig)
        raise


def prediction_frames(probs_series, tokens: Sequence[str], inputs: Sequence[str], targets: Sequence[str],
                      titles: Sequence[str], dpi: int = 80, ruler: Sequence[str] | None = None,
                      ruler_name: str = "", columns: int | None = None) -> list[bytes]:
    """PNG pictures of ``plot_predictions`` for a series of predictions, e.g. during training.

    ``probs_series`` is a list of K arrays of shape (T, V) and ``titles`` K strings. The
    axes, ticks and labels are rendered once; each frame redraws only the bars, the numbers
    above them and the title on top of that background (matplotlib "blitting"), which is
    many times faster than drawing K figures. ``ruler`` (K strings, optional) adds a row under
    the charts, ``ruler_name`` followed by every frame's label, with frame k's label marked:
    a slider whose positions are evenly spaced but whose values are not (0, 1, 2, 4, 8, ...)
    then shows every value and which one is on screen. ``columns`` (optional) puts the T
    charts in rows of that many, for a picture that stays readable on a narrow screen. All
    text scales with ``rcParams["font.size"]`` (e.g. inside ``plt.rc_context``; 10 is the default).
    Introduced in chapter 3.
    """
    from PIL import Image

    import matplotlib.pyplot as plt

    if len(probs_series) != len(titles) or not len(titles):
        raise ValueError(f"probs_series and titles must be non-empty and of the same length; got {len(probs_series)} and {len(titles)}")
    if ruler is not None and len(ruler) != len(titles):
        raise ValueError(f"ruler must have one label per frame ({len(titles)}); got {len(ruler)}")
    if columns is not None and (int(columns) != columns or columns < 1):
        raise ValueError(f"columns must be a positive whole number or None; got {columns!r}")
    figure = _PredictionFigure(tokens, inputs, targets, ruler=ruler, ruler_name=ruler_name, columns=columns)
    fig, canvas = figure.fig, figure.fig.canvas
    fig.set_dpi(dpi)
    moving = [bar for bars in figure.bars for bar in bars] + figure.labels + [figure.title] + figure.ruler
    for artist in moving:
        artist.set_animated(True)  # left out of the background
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    pngs = []
    try:
        for k, (probs, title) in enumerate(zip(probs_series, titles)):
            figure.draw(probs, title, position=k)
            canvas.restore_region(background)
            for artist in moving:
                fig.draw_artist(artist)
            image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            pngs.append(buffer.getvalue())
    finally:  # a bad frame raises, and leaves no figure open either
        plt.close(fig)
    return pngs


# Width in inches of the prediction charts' legend at font size 10 (its text is 9 pt), on one
# line and on two, with a margin: 5.97 and 3.93 inches measured in DejaVu Sans, matplotlib's font.
_LEGEND_INCHES = {1: 6.2, 2: 4.15}


class _PredictionFigure:
    """The bar charts of ``plot_predictions``, built once, redrawn for new probabilities."""

    def __init__(self, tokens, inputs, targets, ruler=None, ruler_name="", columns=None):
        import matplotlib.pyplot as plt

        from .plots import PALETTE

        self.tokens, self.inputs, self.targets = list(tokens), list(inputs), list(targets)
        steps = len(self.inputs)
        scale = plt.rcParams["font.size"] / 10  # all text grows with rcParams["font.size"]
        extra = 0.0 if ruler is None else 0.35 * scale
        per_row = steps if columns is None else min(int(columns), steps)
        rows = -(-steps // per_row)
        width = 1.55 * per_row + 0.4
        # The legend under the charts takes one line where the figure is wide enough for it,
        # else two; a figure of one or two charts is widened to hold the two lines.
        legend_lines = 1 if width >= _LEGEND_INCHES[1] * scale else 2
        width = max(width, _LEGEND_INCHES[2] * scale)
        extra += 0.15 * scale * (legend_lines - 1)
        self.fig, axes = plt.subplots(rows, per_row, sharey=True, squeeze=False,
                                      figsize=(width, 2.45 * rows + 0.35 + extra))
        for ax in axes.ravel()[steps:]:
            ax.set_visible(False)
        self.axes = axes.ravel()[:steps]
        self.correct = [self.tokens.index(target) if target in self.tokens else 0 for target in self.targets]
        self.bars, self.labels, self.ruler = [], [], []
        for t, ax in enumerate(self.axes):
            colours = [PALETTE["blue"] if i == self.correct[t] else "0.75" for i in range(len(self.tokens))]
            self.bars.append(ax.bar(range(len(self.tokens)), np.zeros(len(self.tokens)), color=colours,
                                    edgecolor="black", linewidth=0.5))
            self.labels.append(ax.text(self.correct[t], 0.03, "", ha="center", fontsize=9 * scale))
            ax.set_xticks(range(len(self.tokens)), self.tokens)
            ax.set_ylim(0, 1.12)
            ax.set_title(f"read {self.inputs[t]!r}", fontsize=10 * scale)
            ax.spines[["top", "right"]].set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel("p(next character)")
        self.title = self.fig.suptitle(" ", fontsize=11 * scale)
        bottom = 0.02 if ruler is None else 0.02 + extra / self.fig.get_figheight()
        self.fig.text(0.5, bottom, "blue bar: the correct next character (its probability above it);"
                      + ("\n" if legend_lines > 1 else " ") + "grey bars: the other characters", ha="center", va="bottom", fontsize=9 * scale, color="0.25")
        if ruler is not None:
            self.fig.text(0.02, 0.03, ruler_name, ha="left", va="bottom", fontsize=10 * scale, color="0.25")
            for k, label in enumerate(ruler):
                x = 0.2 + 0.76 * k / max(len(ruler) - 1, 1)
                self.ruler.append(self.fig.text(x, 0.03, str(label), ha="center", va="bottom", fontsize=10 * scale))
        legend_height = (0.22 + 0.15 * (legend_lines - 1)) * scale
        self.fig.tight_layout(rect=(0, (bottom * self.fig.get_figheight() + legend_height) / self.fig.get_figheight(), 1, 1))

    def draw(self, probs, title: str = "", position: int | None = None):
        prediction_table(probs, self.tokens, self.inputs, self.targets)  # checks shapes and tokens
        probs = np.asarray(probs, dtype=float)
        for t in range(len(self.inputs)):
            for bar, p in zip(self.bars[t], probs[t]):
                bar.set_height(p)
            p_correct = probs[t, self.correct[t]]
            self.labels[t].set_position((self.correct[t], p_correct + 0.03))
            self.labels[t].set_text(f"{p_correct:.2f}")
        self.title.set_text(title)
        for k, text in enumerate(self.ruler):
            here = k == position
            text.set_fontweight("bold" if here else "normal")
            text.set_color("black" if here else "0.55")
            text.set_bbox(dict(boxstyle="round,pad=0.25", facecolor="#ffe9a8", edgecolor="black", linewidth=0.6)
                          if here else dict(facecolor="none", edgecolor="none"))
        return self.fig


def plot_hidden_states(h, inputs: Sequence[str], ax=None, title: str = ""):
    """Heatmap of the hidden state after every step: one column per step, one row per unit.

    ``h`` (T, H) as returned by the forward pass; ``inputs`` the T tokens read (column
    labels). Values lie in [-1, 1] for tanh; blue is negative, orange positive, white zero.
    Returns the Axes. Introduced in chapter 3.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LinearSegmentedColormap

    from .plots import PALETTE

    h = real_array(h, "h")
    check_ndim(h, "h", {2: "(T, H): one hidden state per step"})
    if len(inputs) != h.shape[0]:
        raise ValueError(f"inputs must have {h.shape[0]} entries, one per step of h {h.shape}; got {len(inputs)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * h.shape[0] + 2.2, 0.3 * h.shape[1] + 1.2))
    colours = LinearSegmentedColormap.from_list("state", [PALETTE["blue"], "white", PALETTE["orange"]])
    image = ax.imshow(h.T, cmap=colours, vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(h.shape[0]), [f"{t + 1}: {token}" for t, token in enumerate(inputs)])
    ax.set_yticks(range(h.shape[1]), [str(i + 1) for i in range(h.shape[1])])
    ax.set_xlabel("step: character read")
    ax.set_ylabel("hidden unit")
    ax.figure.colorbar(image, ax=ax, label="value of $h_t$", shrink=0.9)
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def plot_training_curves(history: History, tracked: str, ylabel: str, title: str, threshold: float | None = None,
                         baseline: float | None = None, baseline_label: str = ""):
    """Two panels side by side: the loss per update, and one tracked quantity per update.

    ``history`` comes from ``train(..., track={tracked: ...})``; the tracked panel gets
    ``ylabel`` and ``title``, and the range 0 to 1 if every value is a probability.
    ``threshold`` draws a dashed line on the tracked panel (e.g. the 0.9 a probability must
    pass), ``baseline`` one on the loss panel (e.g. the loss of a uniform guess, labelled
    ``baseline_label``). Returns the Figure. Introduced in chapter 3.
    """
    import matplotlib.pyplot as plt

    from .plots import PALETTE

    if not isinstance(history, History):
        raise TypeError(f"history must be the History returned by train(...), got {type(history).__name__}")
    if tracked not in history.tracked:
        raise ValueError(f"history tracked {sorted(history.tracked)}, not {tracked!r}")
    if not history.losses:
        raise ValueError("history holds no updates to plot")
    fig, (ax_loss, ax_tracked) = plt.subplots(1, 2, figsize=(6.4, 3.0))
    ax_loss.plot(history.losses, color=PALETTE["vermillion"], marker="o", markersize=3)
    if baseline is not None:
        ax_loss.axhline(baseline, color="0.5", linestyle="--", linewidth=1)
        ax_loss.text(len(history.losses) - 1, baseline + 0.05, baseline_label, ha="right", fontsize="medium",
                     color="0.3")
    top = max(max(history.losses), baseline or 0.0)
    ax_loss.set(xlabel="update", ylabel="mean cross-entropy", title="Loss", ylim=(0, 1.1 * top))
    ax_tracked.plot(history.tracked[tracked], color=PALETTE["blue"], marker="o", markersize=3)
    if threshold is not None:
        ax_tracked.axhline(threshold, color="0.5", linestyle="--", linewidth=1)
    ax_tracked.set(xlabel="update", ylabel=ylabel, title=title)
    values = history.tracked[tracked]
    if min(values) >= 0 and max(values) <= 1:
        ax_tracked.set_ylim(0, 1.02)
    for ax in (ax_loss, ax_tracked):
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


__all__ = ["History", "train", "prediction_table", "plot_predictions", "prediction_frames", "plot_hidden_states",
           "plot_training_curves"]
