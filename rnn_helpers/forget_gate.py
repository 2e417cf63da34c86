"""The forget gate as the LSTM's W2: how much gradient survives along the cell state.

Introduced in chapter 5. Chapter 4 followed the gradient back through a tanh neuron: every
step multiplies it by W2 and by the slope tanh'(a) <= 1. Along the LSTM's cell state::

    c_t = f_t * c_{t-1} + i_t * g_t,      so      ∂c_T/∂c_t = f_{t+1} * ... * f_T

(elementwise, counting only the path along the cell state): no weight matrix, no slope, just
the forget gates, numbers in (0, 1) that the network computes and learns. This module
computes that product for any gates, the same product for a small LSTM set by hand (whose
forget gate is fixed by its bias), the tanh RNN's norm of d h_T / d h_t for comparison, and
the frames of the forget-gate slider (``rnn_helpers.widgets.frame_slider``). The drawing of
the LSTM cell is ``rnn_helpers.lstm_diagram.draw_lstm_cell``.
"""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.ticker import NullFormatter

from ._validate import check_ndim, real_array
from .activations import sigmoid
from .connectivity import check_w2, connectivity
from .formatting import subscript, superscript
from .jacobians import jacobian_product, step_jacobians
from .lstm_diagram import draw_lstm_cell  # the cell drawing lives there; kept importable from here
from .numpy_lstm import lstm_backward, lstm_forward
from .numpy_rnn import check_rnn_params
from .plots import PALETTE
from .sequences import check_sequence
from .widgets import image_frame

FLOOR = 1e-20  # the slider's plot shows values down to here; smaller ones sit on the floor, labelled
FIGSIZE = (7.2, 4.4)  # inches; 576 px wide at FRAME_DPI, narrow and large-type enough for a phone
FRAME_DPI = 80
BIAS_RANGE = (-10.0, 10.0)


def check_bias(bias, name: str = "forget_bias") -> float:
    """Return a gate bias as a float, or raise: ``TypeError`` for a non-number, ``ValueError``
    if it is not finite or outside [-10, 10] (beyond that sigmoid(b) is 0 or 1 to 4 decimals)."""
    if isinstance(bias, bool) or not isinstance(bias, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(bias).__name__} {bias!r}")
    bias = float(bias)
    if not np.isfinite(bias) or not BIAS_RANGE[0] <= bias <= BIAS_RANGE[1]:
        raise ValueError(f"{name} must be a finite number in [{BIAS_RANGE[0]}, {BIAS_RANGE[1]}], got {bias}")
    return bias


def forget_value(bias) -> float:
    """The forget gate's value sigmoid(b) when its weights contribute nothing (inputs 0).

    A bias of 0 gives 0.5, a bias of 3 gives 0.953. Introduced in chapter 5.
    """
    return float(sigmoid(np.array([check_bias(bias)]))[0])


def cell_state_connectivity(forget_gates) -> np.ndarray:
    """d c_T / d c_t along the cell state: the product of the forget gates after step t.

    Parameters
    ----------
    forget_gates : array, (T,) or (T, ...) with values in [0, 1]
        f_1, ..., f_T for one unit (T,), or for several units / sequences (T, hidden) or
        (T, batch, hidden); for example ``cache["gates"][:, ..., 1, :]`` of ``lstm_forward``.

    Returns
    -------
    array, the shape of ``forget_gates``
        Entry t - 1 is f_{t+1} * ... * f_T, so the last entry is 1 (the empty product).

    Introduced in chapter 5.
    """
    f = real_array(forget_gates, "forget_gates")
    if f.ndim == 0 or f.shape[0] == 0:
        raise ValueError(f"forget_gates must hold at least one step along its first axis, got shape {f.shape}")
    if f.min() < 0 or f.max() > 1:
        raise ValueError(f"forget_gates must lie in [0, 1] (they are sigmoid outputs); got values from {f.min()} to {f.max()}")
    later = np.concatenate([f[1:], np.ones_like(f[:1])])  # f_{t+1} for every t, and 1 after the last step
    with np.errstate(under="ignore"):
        return np.cumprod(later[::-1], axis=0)[::-1]


def rnn_state_gradient_norms(x, params) -> np.ndarray:
    """The size of d h_T / d h_t of a tanh RNN: the largest singular value of the product of Jacobians.

    Each step back multiplies by J_s = diag(1 - h_s^2) W_hh; the product is chapter 4's
    ``jacobians.jacobian_product``.

    Parameters
    ----------
    x : array, (T, input)
        One input sequence.
    params : dict
        A tanh RNN's parameters (``rnn_forward``), e.g. ``params_from_torch(torch.nn.RNN(...))``.

    Returns
    -------
    array, (T,)
        Entry t - 1 is ||d h_T / d h_t||_2 (the spectral norm); the last entry is 1.

    Introduced in chapter 5.
    """
    jacobians = step_jacobians(x, params, nonlinearity="tanh")  # (T, hidden, hidden), checks its inputs
    steps = jacobians.shape[0]
    with np.errstate(under="ignore"):
        norms = [np.linalg.norm(jacobian_product(jacobians, steps - t), 2) for t in range(1, steps + 1)]
    return np.array(norms)


def lstm_cell_path_norms(x, params) -> np.ndarray:
    """The LSTM's counterpart of ``rnn_state_gradient_norms``, along the cell state only.

    Along the cell-state path d c_T / d c_t is the diagonal matrix of the products of forget
    gates (``cell_state_connectivity``); its largest singular value is the largest of those
    products over the units. (The full derivative also has paths through h and the gates.)

    Parameters
    ----------
    x : array, (T, input)
    params : dict, ``lstm_forward`` parameters (hidden units H)

    Returns
    -------
    array, (T,); entry t - 1 is max over units of f_{t+1} * ... * f_T, the last entry 1.

    Introduced in chapter 5.
    """
    params = check_rnn_params(params, gates=4)
    x = check_sequence(x, params["weight_ih"].shape[1])
    check_ndim(x, "x", {2: "(T, input), one sequence"})
    _, _, cache = lstm_forward(x, params)
    return cell_state_connectivity(cache["gates"][:, 1, :]).max(axis=1)


def plot_gradient_curves(curves, ax=None, title: str = ""):
    """Plot gradient sizes against the step t they reach, on a log scale. Returns the Axes.

    ``curves``: dict label -> array (T,) whose entry t - 1 belongs to step t (the last to
    step T), as returned by ``rnn_state_gradient_norms`` and ``lstm_cell_path_norms``. The
    x-axis is the step t from 1 to T, as in the forget-gate slider (``forget_gate_frames``),
    so a gradient travels from the right end (step T) to the left.
    Introduced in chapter 5.
    """
    import matplotlib.pyplot as plt

    from .plots import SERIES_COLOURS, finish_line_chart

    curves = {label: real_array(values, f"curves[{label!r}]") for label, values in curves.items()}  # check first
    if ax is None:
        _, ax = plt.subplots(figsize=(7.2, 4.6))  # narrow, large type: readable on a phone
    styles = ["-", "--", "-.", ":"]
    for k, (label, values) in enumerate(curves.items()):
        steps = np.arange(1, values.shape[0] + 1)
        ax.plot(steps, np.maximum(values, FLOOR), styles[k % 4], color=SERIES_COLOURS[k % len(SERIES_COLOURS)],
                linewidth=2.0, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("step $t$ that the gradient reaches, back from the last", fontsize=12)
    ax.set_ylabel("gradient size", fontsize=12)
    ax.tick_params(labelsize=11)
    finish_line_chart(ax, title)
    ax.title.set_fontsize(12)
    # The curves fall towards the left, so the lower right corner is the empty one.
    ax.legend(frameon=False, fontsize=11, loc="lower right")
    ax.figure.tight_layout()
    return ax


def scalar_lstm_params(forget_bias, input_bias: float = 0.0, output_bias: float = 0.0,
                       candidate_weight: float = 1.0) -> dict[str, np.ndarray]:
    """A one-unit LSTM set by hand, whose forget gate is fixed by its bias.

    Only the candidate g_t = tanh(candidate_weight * x_t) reads the input; the gates have
    zero weights, so i = sigmoid(input_bias), f = sigmoid(forget_bias), o = sigmoid(output_bias)
    at every step, and the recurrent weights are zero. The cell state is then the only path
    from x_t to h_T, which isolates what the forget gate does.

    Returns ``lstm_forward`` parameters: ``weight_ih`` (4, 1), ``weight_hh`` (4, 1),
    ``bias_ih`` and ``bias_hh`` (4,), gates in PyTorch's order i, f, g, o.
    Introduced in chapter 5.
    """
    biases = [check_bias(input_bias, "input_bias"), check_bias(forget_bias), 0.0, check_bias(output_bias, "output_bias")]
    weight = float(real_array(candidate_weight, "candidate_weight"))
    return {
        "weight_ih": np.array([[0.0], [0.0], [weight], [0.0]]),
        "weight_hh": np.zeros((4, 1)),
        "bias_ih": np.array(biases),
        "bias_hh": np.zeros(4),
    }


def _check_inputs(inputs) -> np.ndarray:
    x = real_array(inputs, "inputs")
    check_ndim(x, "inputs", {1: "(T,), one number per step"})
    if x.shape[0] == 0:
        raise ValueError("inputs is an empty sequence (T = 0); give at least one step")
    return x


def scalar_lstm_connectivity(forget_bias, inputs, **gate_biases) -> np.ndarray:
    """``|∂y_T/∂x_t|`` of the hand-set one-unit LSTM (``scalar_lstm_params``), with y_t = h_t.

    The LSTM counterpart of chapter 4's ``connectivity(w2, inputs, "tanh")``, computed by
    backpropagation through time with the book's ``lstm_forward`` / ``lstm_backward``.

    Parameters
    ----------
    forget_bias : float in [-10, 10]
    inputs : array, (T,)
        x_1, ..., x_T.
    **gate_biases : ``input_bias``, ``output_bias``, ``candidate_weight`` of ``scalar_lstm_params``.

    Returns
    -------
    array, (T,)
        Entry t - 1 is ``|∂y_T/∂x_t|``. Tiny values may underflow to exactly 0.

    Introduced in chapter 5.
    """
    x = _check_inputs(inputs)
    params = scalar_lstm_params(forget_bias, **gate_biases)
    with np.errstate(under="ignore"):
        h, _, cache = lstm_forward(x[:, None], params)
        dh = np.zeros_like(h)
        dh[-1] = 1.0
        return np.abs(lstm_backward(dh, cache)["x"][:, 0])


def forget_gate_sweep(biases, inputs, w2: float = 1.0) -> dict:
    """Everything the forget-gate slider shows, for several forget-gate biases.

    Parameters
    ----------
    biases : list of float in [-10, 10]
        One slider position each.
    inputs : array, (T,)
        The input sequence both models read.
    w2 : float in [0, 2.5]
        The recurrent weight of chapter 4's tanh neuron, drawn beside the LSTM.

    Returns
    -------
    dict with ``biases`` (n,), ``forget`` (n,) the gate values sigmoid(b), ``lstm`` (n, T)
    the LSTM's ``|∂y_T/∂x_t|``, ``cell_path`` (n,) f^(T-1) (what the cell state passes from
    step 1 to step T), ``rnn`` (T,) the tanh neuron's ``|∂y_T/∂x_t|``, ``w2`` and ``inputs``.

    Introduced in chapter 5.
    """
    x = _check_inputs(inputs)
    biases = np.array([check_bias(b, "biases[...]") for b in biases])
    if biases.size == 0:
        raise ValueError("biases must hold at least one forget-gate bias")
    w2 = check_w2(w2)
    forget = np.array([forget_value(b) for b in biases])
    with np.errstate(under="ignore"):
        cell_path = forget ** (x.shape[0] - 1)
    return {
        "biases": biases,
        "forget": forget,
        "lstm": np.stack([scalar_lstm_connectivity(b, x) for b in biases]),
        "cell_path": cell_path,
        "rnn": connectivity(w2, x, "tanh"),
        "w2": w2,
        "inputs": x,
    }


def superscript_power(exponent: int) -> str:
    """10 to an integer power in plain text with superscript digits: ``superscript_power(-8)`` is "10⁻⁸"."""
    return "10" + superscript(int(exponent))


def power_text(value: float) -> str:
    """A positive number for a caption: three decimals from 0.01 up, else "2.1 × 10⁻⁹"; "0" for 0."""
    value = abs(float(value))
    if value == 0:
        return "0"
    if value >= 0.01:
        return f"{value:.3f}"
    exponent = int(np.floor(np.log10(value)))
    mantissa = value / 10.0**exponent
    if round(mantissa, 1) >= 10:  # 9.96e-8 would read "10.0 × 10⁻⁸"
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.1f} × 10{superscript(exponent)}"


def frame_caption(sweep: dict, k: int) -> str:
    """The readout under frame ``k``: the gate value and what reaches y_T from x_1, for both models."""
    steps = sweep["inputs"].shape[0]
    lstm = sweep["lstm"][k]
    d_first = f"∂y{subscript(steps)}/∂x₁"
    return (f"Forget-gate bias {sweep['biases'][k]:.1f}, so f = σ({sweep['biases'][k]:.1f}) = {sweep['forget'][k]:.3f}. "
            f"LSTM: {d_first} = {power_text(lstm[0])}, which is f{superscript(steps - 1)} = "
            f"{power_text(sweep['cell_path'][k])} times ∂y{subscript(steps)}/∂x{subscript(steps)}. "
            f"Chapter 4's tanh neuron (W₂ = {sweep['w2']:.1f}): {d_first} = {power_text(sweep['rnn'][0])}.")


def frame_alt(sweep: dict, k: int) -> str:
    """Alt text of frame ``k``: what the picture shows, in words."""
    steps = sweep["inputs"].shape[0]

    def reaches(values: np.ndarray, text: str) -> str:
        # What the picture shows at step 1: values below FLOOR are drawn on the floor line.
        if values[0] >= FLOOR:
            return f"{text}, reaching {power_text(values[0])} at step 1"
        return (f"{text}, down to the plot's floor line at "
                f"{superscript_power(round(np.log10(FLOOR)))}, where it lies at step 1 (the plot "
                f"draws smaller values on that line)")

    lstm = reaches(sweep["lstm"][k], "gives a straight line that falls by a factor f per step back")
    rnn = reaches(sweep["rnn"], "falls much faster and unevenly")
    return (f"Log-scale plot of |∂y{subscript(steps)}/∂xₜ| against the step t from 1 to {steps}. The LSTM with "
            f"forget-gate bias {sweep['biases'][k]:.1f} (f = {sweep['forget'][k]:.3f}) {lstm}; the tanh "
            f"neuron with W₂ = {sweep['w2']:.1f} {rnn}.")


def _lstm_label(sweep: dict, k: int) -> str:
    return f"LSTM cell, forget gate f = {sweep['forget'][k]:.3f}"


def _split_at_floor(t: np.ndarray, values: np.ndarray):
    """(t, value) pairs at or above ``FLOOR``, and those below it moved onto the floor."""
    above = values >= FLOOR
    return (t[above], values[above]), (t[~above], np.full(int((~above).sum()), FLOOR))


class ForgetGateFigure:
    """The slider's picture: both connectivities on a log scale, built once and updated per frame.

    ``show(k)`` changes only what differs between slider positions (the LSTM's curve, its
    legend entry and the title). ``png(k)`` draws everything else once, keeps that picture,
    and for each frame paints only the changed parts on a copy of it (matplotlib's
    "blitting"), so a frame costs little more than its PNG encoding.
    Values below ``FLOOR`` are drawn on the floor with hollow markers, so nothing is dropped.
    Introduced in chapter 5.
    """

    def __init__(self, sweep: dict, dpi: int = FRAME_DPI):
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.sweep = sweep
        steps = sweep["inputs"].shape[0]
        self.t = np.arange(1, steps + 1)
        self.figure, ax = plt.subplots(figsize=FIGSIZE, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)  # an Agg canvas in every backend, for the pixel copies
        self._background = None
        self.ax = ax
        self.parts = {}
        for name, values, colour, marker, style in [
            ("rnn", sweep["rnn"], PALETTE["vermillion"], "s", "--"),
            ("lstm", sweep["lstm"][0], PALETTE["blue"], "o", "-"),
        ]:
            label = _lstm_label(sweep, 0) if name == "lstm" else f"tanh neuron, $W_2$ = {sweep['w2']:.1f} (chapter 4)"
            (line,) = ax.plot(self.t, np.maximum(values, FLOOR), style, color=colour, linewidth=1.6, label=label)
            (above,) = ax.plot([], [], marker, color=colour, markersize=3.5, linestyle="none")
            (below,) = ax.plot([], [], marker, color=colour, markersize=3.5, linestyle="none", markerfacecolor="white")
            self.parts[name] = (line, above, below)
            self._set_curve(name, values)
        ax.set_yscale("log")
        ax.set_ylim(FLOOR / 3, 3.0)
        ax.set_xlim(0, steps + 1)
        exponents = range(-20, 1, 4)  # tick labels as plain text (10⁻⁸), which draws faster than mathtext
        ax.set_yticks([10.0**e for e in exponents], [superscript_power(e) for e in exponents])
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.axhline(FLOOR, color="0.6", linewidth=0.8, linestyle=":")
        ax.text(steps + 0.5, FLOOR * 1.6, f"values below {superscript_power(-20)} are drawn on this line", ha="right", va="bottom",
                fontsize=10, color="0.35")
        ax.set_xlabel("step $t$ of the input $x_t$", fontsize=12)
        ax.set_ylabel(rf"$|\partial y_{{{steps}}} / \partial x_t|$", fontsize=12)
        ax.tick_params(labelsize=11)
        handles, labels = ax.get_legend_handles_labels()
        order = [labels.index(_lstm_label(sweep, 0)), 1 - labels.index(_lstm_label(sweep, 0))]
        self.legend = ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="lower right",
                                fontsize=11, frameon=False, bbox_to_anchor=(1.0, 0.08))
        self.title = ax.set_title("", fontsize=12)
        ax.spines[["top", "right"]].set_visible(False)
        self.show(0)
        self.figure.tight_layout()

    def _set_curve(self, name: str, values: np.ndarray) -> None:
        line, above, below = self.parts[name]
        line.set_ydata(np.maximum(values, FLOOR))
        (t_above, v_above), (t_below, v_below) = _split_at_floor(self.t, values)
        above.set_data(t_above, v_above)
        below.set_data(t_below, v_below)

    def show(self, k: int):
        """Show slider position ``k``; returns the figure."""
        sweep = self.sweep
        self._set_curve("lstm", sweep["lstm"][k])
        self.legend.get_texts()[0].set_text(_lstm_label(sweep, k))
        steps = self.t.shape[0]
        self.title.set_text(f"Forget-gate bias {sweep['biases'][k]:.1f}: what reaches y{subscript(steps)} from each step")
        return self.figure

    def _changing_artists(self) -> list:
        return [*self.parts["lstm"], self.title, self.legend]

    def png(self, k: int) -> bytes:
        """Position ``k`` as PNG bytes (no timestamp, so the same bytes on every run)."""
        import io

        from PIL import Image

        if self._background is None:  # draw the unchanging parts once
            for artist in self._changing_artists():
                artist.set_animated(True)
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self.show(k)
        self.canvas.restore_region(self._background)
        for artist in self._changing_artists():
            self.ax.draw_artist(artist)
        pixels = np.asarray(self.canvas.buffer_rgba())[:, :, :3]
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="png")
        return buffer.getvalue()

    def close(self) -> None:
        import matplotlib.pyplot as plt

        plt.close(self.figure)


def forget_gate_figure(sweep: dict, k: int):
    """The slider's picture for position ``k``, as a figure of its own. Introduced in chapter 5."""
    return ForgetGateFigure(sweep).show(k)


def forget_gate_frames(sweep: dict, dpi: int = FRAME_DPI):
    """Frames and labels for ``frame_slider``: one picture per bias, with alt text and caption.

    Returns ``(frames, labels)``; the labels are the biases written with one decimal.
    Introduced in chapter 5.
    """
    drawing = ForgetGateFigure(sweep, dpi)
    frames, labels = [], []
    try:
        for k in range(sweep["biases"].shape[0]):
            frames.append(image_frame(drawing.png(k), frame_alt(sweep, k), frame_caption(sweep, k)))
            labels.append(f"{sweep['biases'][k]:.1f}")
    finally:
        drawing.close()
    return frames, labels


__all__ = [
    "FLOOR",
    "check_bias",
    "forget_value",
    "cell_state_connectivity",
    "rnn_state_gradient_norms",
    "lstm_cell_path_norms",
    "plot_gradient_curves",
    "scalar_lstm_params",
    "scalar_lstm_connectivity",
    "forget_gate_sweep",
    "power_text",
    "frame_caption",
    "frame_alt",
    "ForgetGateFigure",
    "forget_gate_figure",
    "forget_gate_frames",
]
