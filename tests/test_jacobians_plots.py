"""Chapter 4's figure of the gradient through random layers (``plot_layer_gradients``) and the numbers
it draws (``survival_after``): every curve against torch autograd or the exact power of an orthogonal
linear layer, and every text, colour, width, limit and tick the reader sees."""

import functools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.ticker import NullLocator  # noqa: E402

from reference import TORCH_NONLINEARITIES  # noqa: E402
from rnn_helpers.jacobians import matrix_with_spectral_norm, plot_layer_gradients, survival_after  # noqa: E402
from rnn_helpers.plots import PALETTE  # noqa: E402

# the chapter's default sweep of ||W_hh|| (right panel), denser near 1
DEFAULT_SWEEP = [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0]
# left panel: blue, orange, green, then purple (not vermillion, too close to orange), sky; then again
LEFT_COLOURS = [PALETTE[name] for name in ("blue", "orange", "green", "purple", "sky")]
# right panel: colours the left panel does not use
RIGHT = {"linear": (PALETTE["black"], "s", "linear (γ = 1)"), "tanh": (PALETTE["sky"], "o", "tanh (γ = 1)"),
         "sigmoid": (PALETTE["vermillion"], "^", "sigmoid (γ = 1/4)")}
GAMMA = {"linear": 1.0, "tanh": 1.0, "sigmoid": 0.25}
LEFT_YLABEL = r"$\|\partial L/\partial h_{T-k}\| \,/\, \|\partial L/\partial h_T\|$"


@functools.lru_cache(maxsize=None)  # the same references serve several tests
def torch_ratios(spectral_norm, nonlinearity, steps, hidden=32, input_scale=1.0, seed=0, kind="orthogonal"):
    """||dL/dh_{T-k}|| / ||dL/dh_T||, k = 0..steps, by torch autograd, for the layer that
    ``random_layer_gradient_norms`` describes: W_ih = I, zero biases, W_hh drawn first from
    default_rng(seed), then the inputs N(0, input_scale^2), h_0 = 0, L = sum of h_T (the ratio does not
    depend on the loss's scale)."""
    rng = np.random.default_rng(seed)
    w = torch.tensor(matrix_with_spectral_norm(hidden, spectral_norm, rng, kind))
    x = torch.tensor(rng.normal(0.0, input_scale, size=(steps, hidden)))
    f = TORCH_NONLINEARITIES[nonlinearity]
    states = [torch.zeros(hidden, dtype=torch.float64, requires_grad=True)]
    for t in range(steps):
        states.append(f(x[t] + w @ states[-1]))
        states[-1].retain_grad()
    states[-1].sum().backward()
    norms = np.array([state.grad.norm().item() for state in reversed(states)])
    return norms / norms[0]


def tick_values(ax):
    return list(ax.get_yticks())


def check_common(fig, data, *, norms, nonlinearity, steps, sweep, floor, ceiling, curves, survival):
    """Everything both figures share, given the expected (unclipped) curves and survival arrays."""
    assert tuple(fig.get_size_inches()) == pytest.approx((9.4, 3.8))
    assert len(fig.axes) == 2
    left, right = fig.axes
    assert set(data) == {"curves", "sweep", "survival"}
    assert list(data["curves"]) == list(norms)
    for norm in norms:
        np.testing.assert_allclose(data["curves"][norm], curves[norm], rtol=1e-9, atol=0)
    assert data["sweep"].dtype == np.float64
    np.testing.assert_array_equal(data["sweep"], sweep)
    assert list(data["survival"]) == ["linear", "tanh", "sigmoid"]
    for name in ("linear", "tanh", "sigmoid"):
        np.testing.assert_allclose(data["survival"][name], survival[name], rtol=1e-9, atol=0)

    # left panel: per norm a solid curve, then the dashed bound (gamma ||W||)^k where gamma ||W|| < 1
    k = np.arange(steps + 1)
    lines = list(left.lines)
    for i, norm in enumerate(norms):
        colour = to_rgba(LEFT_COLOURS[i % 5])
        line = lines.pop(0)
        np.testing.assert_array_equal(line.get_xdata(), k)
        np.testing.assert_allclose(line.get_ydata(), np.clip(curves[norm], floor, ceiling), rtol=1e-9, atol=0)
        assert to_rgba(line.get_color()) == colour
        assert line.get_label() == rf"$\|W_{{hh}}\|$ = {norm:g}"
        assert line.get_linestyle() == "-" and line.get_linewidth() == plt.rcParams["lines.linewidth"]
        if GAMMA[nonlinearity] * norm < 1:
            dashed = lines.pop(0)
            np.testing.assert_array_equal(dashed.get_xdata(), k)
            bound = (GAMMA[nonlinearity] * norm) ** k.astype(float)
            np.testing.assert_allclose(dashed.get_ydata(), np.clip(bound, floor, ceiling), rtol=1e-12, atol=0)
            assert to_rgba(dashed.get_color()) == colour
            assert dashed.get_linestyle() == "--" and dashed.get_linewidth() == 1
            assert dashed.get_label().startswith("_")  # not in the legend
    assert lines == []
    assert left.get_yscale() == "log"
    assert left.get_xlabel() == "steps back k"
    assert left.get_ylabel() == LEFT_YLABEL
    assert left.get_title() == f"{nonlinearity} layer (dashed: the bound)"
    assert left.get_ylim() == pytest.approx((floor / 10, ceiling * 10), rel=1e-12, abs=0)
    legend = left.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [rf"$\|W_{{hh}}\|$ = {norm:g}" for norm in norms]
    assert all(text.get_fontsize() == 8 for text in legend.get_texts())
    assert legend.get_frame_on() is False
    assert legend._loc == Legend.codes["upper left"]

    # right panel: one curve per nonlinearity, 1/gamma dotted and named, 1 as a thin line
    for line, name in zip(right.lines[:3], ("linear", "tanh", "sigmoid")):
        colour, marker, label = RIGHT[name]
        np.testing.assert_array_equal(line.get_xdata(), sweep)
        np.testing.assert_allclose(line.get_ydata(), np.clip(survival[name], floor, ceiling), rtol=1e-9, atol=0)
        assert to_rgba(line.get_color()) == to_rgba(colour)
        assert line.get_marker() == marker and line.get_markersize() == 4
        assert line.get_label() == label
        assert line.get_linestyle() == "-"
    assert len(right.lines) == 6
    for line, bound in zip(right.lines[3:5], (1.0, 4.0)):
        assert list(line.get_xdata()) == [bound, bound] and list(line.get_ydata()) == [0, 1]  # axvline
        assert to_rgba(line.get_color()) == to_rgba("black")
        assert line.get_linestyle() == ":" and line.get_linewidth() == 1.2
    one = right.lines[5]
    assert list(one.get_ydata()) == [1.0, 1.0] and list(one.get_xdata()) == [0, 1]  # axhline at 1
    assert to_rgba(one.get_color()) == to_rgba("black")
    assert one.get_linestyle() == "-" and one.get_linewidth() == 0.8
    assert len(right.texts) == 2
    for text, bound, label in zip(right.texts, (1.0, 4.0), ("1/γ = 1", "1/γ = 4")):
        assert text.get_text() == label
        assert text.get_position() == pytest.approx((bound + 0.08, ceiling / 1e4), rel=1e-12, abs=0)
        assert text.get_horizontalalignment() == "left" and text.get_verticalalignment() == "center"
        assert text.get_fontsize() == 8.5
    assert right.get_yscale() == "log"
    assert right.get_xlabel() == r"largest singular value $\|W_{hh}\|$"
    assert right.get_ylabel() == f"left after {steps} steps back"
    assert right.get_ylim() == pytest.approx((floor / 10, ceiling * 10), rel=1e-12, abs=0)
    assert right.get_title() == "vanishing is certain left of 1/γ (dotted)"
    # the title sits 20 points above the axes (room for the legend in between)
    assert right.titleOffsetTrans.get_matrix()[1, 2] == pytest.approx(20 / 72 * fig.dpi)
    legend = right.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [RIGHT[name][2] for name in ("linear", "tanh", "sigmoid")]
    assert all(text.get_fontsize() == 8 for text in legend.get_texts())
    assert legend.get_frame_on() is False
    assert legend._loc == Legend.codes["lower center"]
    # anchored at the middle of the axes' top edge
    np.testing.assert_allclose(legend.get_bbox_to_anchor().get_points(),
                               right.transAxes.transform([[0.5, 1.0], [0.5, 1.0]]))
    assert legend._ncols == 3 and legend.handlelength == 1.5 and legend.columnspacing == 1.0

    for ax in (left, right):
        assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
        assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()
        assert isinstance(ax.yaxis.get_minor_locator(), NullLocator)
        assert isinstance(ax.xaxis.get_minor_locator(), NullLocator)

    # the note below both panels
    assert len(fig.texts) == 1
    note = fig.texts[0]
    assert note.get_text() == "values beyond the axis limits are drawn at the edge"
    assert note.get_position() == (0.01, 0.01)
    assert note.get_horizontalalignment() == "left" and note.get_verticalalignment() == "bottom"
    assert note.get_fontsize() == 8 and to_rgba(note.get_color()) == to_rgba("0.35")

    # tight_layout keeps the panels (with their labels, legend and title) in the figure, above the note
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for ax in (left, right):
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= 0 and box.x1 <= width and box.y1 <= height
        assert 0.05 * height <= box.y0 <= 0.15 * height
    assert left.get_position().x0 < 0.15 and right.get_position().x1 > 0.85


def test_survival_after_is_what_is_left_after_fifty_steps_by_default():
    # a linear layer with an orthogonal W_hh multiplies every gradient by ||W|| per step
    np.testing.assert_allclose(survival_after([0.5, 2.0], "linear"), [0.5**50, 2.0**50], rtol=1e-10)
    assert survival_after((3,), "linear", steps=4) == pytest.approx([81.0], rel=1e-12, abs=0)


def test_survival_after_passes_the_layers_settings_on():
    sweep = [0.8, 1.7]
    settings = dict(hidden=3, seed=2, input_scale=0.7, kind="gaussian")
    expected = [torch_ratios(s, "tanh", 6, **settings)[6] for s in sweep]
    np.testing.assert_allclose(survival_after(sweep, "tanh", steps=6, **settings), expected, rtol=1e-10)
    expected = [torch_ratios(s, "sigmoid", 6, **settings)[6] for s in sweep]
    np.testing.assert_allclose(survival_after(sweep, "sigmoid", steps=6, **settings), expected, rtol=1e-10)


@pytest.fixture(scope="module")
def linear_figure():
    """A linear layer (orthogonal W_hh: every curve is exactly ||W||^k), 20 steps, six norms (the
    colours wrap), norms at 1 and 1.5 (no bound drawn), a whole-number sweep, tight limits."""
    fig, data = plot_layer_gradients(spectral_norms=(0.5, 3.0, 1.0, 0.9, 1.5, 0.25), nonlinearity="linear",
                                     steps=20, sweep=[1, 2, 4], floor=1e-10, ceiling=1e9,
                                     hidden=3, seed=5, input_scale=0.8)
    yield fig, data
    plt.close(fig)


def test_linear_figure_draws_exact_powers_and_clips_them(linear_figure):
    fig, data = linear_figure
    norms = (0.5, 3.0, 1.0, 0.9, 1.5, 0.25)
    steps = 20
    k = np.arange(steps + 1)
    curves = {norm: float(norm) ** k for norm in norms}
    sweep = [1.0, 2.0, 4.0]
    survival = {"linear": np.array(sweep) ** steps}
    for name in ("tanh", "sigmoid"):
        survival[name] = np.array([torch_ratios(s, name, steps, hidden=3, seed=5, input_scale=0.8)[steps]
                                   for s in sweep])
    check_common(fig, data, norms=norms, nonlinearity="linear", steps=steps, sweep=sweep,
                 floor=1e-10, ceiling=1e9, curves=curves, survival=survival)
    # 3^20 and 4^20 pass the ceiling, 0.25^20 the floor
    assert curves[3.0][-1] > 1e9 and curves[0.25][-1] < 1e-10 and survival["linear"][-1] > 1e9
    left, right = fig.axes
    # dashed bounds for 0.5, 0.9 and 0.25 only: not at ||W|| = 1 (gamma ||W|| = 1 forces nothing)
    assert sum(line.get_linestyle() == "--" for line in left.lines) == 3
    # ticks every ten decades from 1e-10 up to the ceiling 1e9: 1e10 lies above it
    for ax in (left, right):
        assert tick_values(ax) == pytest.approx([1e-10, 1.0], rel=1e-12, abs=0)


@pytest.fixture(scope="module")
def default_figure():
    """The chapter's figure: every default (tanh, 50 steps, the default sweep, floor 1e-20, ceiling 1e20),
    two hidden units to keep it fast."""
    fig, data = plot_layer_gradients(hidden=2)
    yield fig, data
    plt.close(fig)


def test_default_figure_draws_the_chapters_numbers(default_figure):
    fig, data = default_figure
    norms = (0.5, 0.9, 1.5, 3.0)
    steps = 50
    curves = {norm: torch_ratios(norm, "tanh", steps, hidden=2) for norm in norms}
    survival = {"linear": np.array(DEFAULT_SWEEP) ** steps}  # orthogonal and linear: exactly ||W||^50
    for name in ("tanh", "sigmoid"):
        survival[name] = np.array([torch_ratios(s, name, steps, hidden=2)[steps] for s in DEFAULT_SWEEP])
    check_common(fig, data, norms=norms, nonlinearity="tanh", steps=steps, sweep=DEFAULT_SWEEP,
                 floor=1e-20, ceiling=1e20, curves=curves, survival=survival)
    # some values really are beyond the limits (drawn at the edge): 6^50 and the sigmoid at 0.25
    assert survival["linear"][-1] > 1e20 and survival["sigmoid"][0] < 1e-20
    left, right = fig.axes
    # one labelled tick every ten decades from the floor to the ceiling
    for ax in (left, right):
        assert tick_values(ax) == pytest.approx([1e-20, 1e-10, 1.0, 1e10, 1e20], rel=1e-12, abs=0)


def test_bound_above_a_low_ceiling_is_drawn_at_the_ceiling():
    # a ceiling below 1: the bound 0.5^k, k = 0..3, starts above it
    fig, _ = plot_layer_gradients(spectral_norms=(0.5,), nonlinearity="linear", steps=3, sweep=[0.5],
                                  floor=1e-3, ceiling=0.4)
    left = fig.axes[0]
    assert [line.get_linestyle() for line in left.lines] == ["-", "--"]
    for line in left.lines:  # the curve (exactly 0.5^k: linear, orthogonal) and the bound
        np.testing.assert_allclose(line.get_ydata(), [0.4, 0.4, 0.25, 0.125], rtol=1e-12)
    plt.close(fig)
