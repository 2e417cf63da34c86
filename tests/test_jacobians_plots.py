"""Chapter 4's figure of the gradient through random layers (``plot_layer_gradients``) and the numbers
it draws (``survival_after``): every curve against torch autograd or the exact power of an orthogonal
linear layer, and every text, colour, width, limit and tick the reader sees."""

import functools
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.ticker import NullLocator  # noqa: E402

from reference import TORCH_NONLINEARITIES, exactly  # noqa: E402
from rnn_helpers.jacobians import (  # noqa: E402
    gradient_norms,
    jacobian_product,
    matrix_with_spectral_norm,
    plot_layer_gradients,
    random_layer_gradient_norms,
    random_layer_slopes,
    step_jacobians,
    survival_after,
    vanishing_bound,
)
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


# --- the functions the figure is built on: defaults, edge values, error messages -----------------

def small_layer(hidden=2, seed=7):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, 1)), {"weight_ih": rng.normal(size=(hidden, 1)),
                                     "weight_hh": rng.normal(0.0, 0.6, (hidden, hidden)),
                                     "bias_ih": rng.normal(size=hidden), "bias_hh": np.zeros(hidden)}


def generator_drawing(first_words):
    """A numpy Generator whose first raw 64-bit outputs are ``first_words`` (a Philox with its buffer set):
    the word 0 makes ``normal`` return exactly 0.0."""
    bits = np.random.Philox(0)
    state = bits.state
    state["buffer"], state["buffer_pos"] = np.array(first_words, dtype=np.uint64), 0
    bits.state = state
    return np.random.Generator(bits)


def test_random_layer_gradient_norms_defaults_are_a_tanh_layer_of_32_units_over_50_steps():
    ratios = random_layer_gradient_norms(1.5)
    assert ratios.shape == (51,)
    np.testing.assert_allclose(ratios, torch_ratios(1.5, "tanh", 50), rtol=1e-10, atol=0)
    # a ratio to itself: exactly 1, though the default direction's norm is 1 only to rounding for 32 units
    assert ratios[0] == 1.0


def test_random_layer_slopes_defaults_are_those_of_the_default_layer():
    rng = np.random.default_rng(0)
    w = matrix_with_spectral_norm(32, 2.0, rng, "orthogonal")
    x = rng.normal(0.0, 1.0, size=(50, 32))
    h, expected = np.zeros(32), []
    for t in range(50):
        h = np.tanh(x[t] + w @ h)
        expected.append(1.0 - h**2)
    slopes = random_layer_slopes(2.0)
    assert slopes.shape == (50, 32)
    np.testing.assert_allclose(slopes, expected, rtol=1e-12, atol=1e-15)


def test_gradient_norms_default_direction_is_the_unit_vector_of_equal_entries():
    x, params = small_layer(hidden=4)
    norms = gradient_norms(x, params)
    assert norms[0] == 1.0  # (1/2, 1/2, 1/2, 1/2)
    states = [torch.zeros(4, dtype=torch.float64, requires_grad=True)]
    w_ih, w_hh, b = (torch.tensor(params[key]) for key in ("weight_ih", "weight_hh", "bias_ih"))
    for t in range(3):
        states.append(torch.tanh(w_ih @ torch.tensor(x[t]) + b + w_hh @ states[-1]))
        states[-1].retain_grad()
    (states[-1].sum() / 2).backward()
    np.testing.assert_allclose(norms, [state.grad.norm().item() for state in reversed(states)], rtol=1e-12)


def test_gradient_norms_underflow_to_0_even_when_the_caller_raises_on_underflow():
    # one linear unit with W_hh = 1e-100: each step back multiplies the gradient by 1e-100, and
    # 1e-200 squared (inside the norm) is below the smallest float64
    params = {"weight_ih": np.array([[1.0]]), "weight_hh": np.array([[1e-100]]), "bias_ih": np.zeros(1),
              "bias_hh": np.zeros(1)}
    with np.errstate(all="raise"):
        norms = gradient_norms(np.zeros((3, 1)), params, output_grad=np.array([-2.0]), nonlinearity="linear")
    assert norms[:2] == pytest.approx([2.0, 2e-100], rel=1e-12, abs=0)
    assert np.all((norms[2:] >= 0) & (norms[2:] <= 2e-200))
    # a last-state gradient whose square underflows already: its norm is taken under the same rule
    with np.errstate(all="raise"):
        tiny = gradient_norms(np.zeros((1, 1)), params, output_grad=np.array([1e-200]), nonlinearity="linear")
    assert np.all((tiny >= 0) & (tiny <= 1e-200))


def test_vanishing_bound_edges_and_underflow():
    np.testing.assert_array_equal(vanishing_bound(3.0, "linear", 0), [1.0])  # k = 0 only
    np.testing.assert_array_equal(vanishing_bound(2.0, "sigmoid", 2), [1.0, 0.5, 0.25])
    with np.errstate(all="raise"):
        values = vanishing_bound(1e-200, "linear", 2)  # 1e-400 underflows to 0
    np.testing.assert_array_equal(values, [1.0, 1e-200, 0.0])
    assert values.dtype == np.float64


def test_vanishing_bound_error_messages_name_the_argument():
    with pytest.raises(ValueError, match=exactly("nonlinearity must be one of ['tanh', 'sigmoid', 'relu', "
                                                 "'linear'], got 'softplus'")):
        vanishing_bound(1.0, "softplus", 3)
    with pytest.raises(ValueError, match=exactly("steps must be a non-negative integer; got -1")):
        vanishing_bound(1.0, "tanh", -1)
    with pytest.raises(TypeError, match=exactly("steps must be a non-negative integer; got float 1.5")):
        vanishing_bound(1.0, "tanh", 1.5)


def test_jacobian_product_error_messages_name_the_argument():
    with pytest.raises(ValueError, match=exactly("jacobians must be finite, but it holds 1 NaN or infinite value(s); "
                                                 "the first is nan at index (1, 0, 1)")):
        jacobian_product(np.where(np.arange(8).reshape(2, 2, 2) == 5, np.nan, 1.0), 1)
    with pytest.raises(TypeError, match=exactly("jacobians must be a numpy array of real numbers, got str")):
        jacobian_product("J", 1)
    with pytest.raises(ValueError, match=exactly("jacobians must be 3-D (T, hidden, hidden); got shape (2, 2) (2-D)")):
        jacobian_product(np.eye(2), 1)
    with pytest.raises(ValueError, match=exactly("jacobians must have shape (3, 2, 2) (square step Jacobians); "
                                                 "got (3, 2, 3)")):
        jacobian_product(np.ones((3, 2, 3)), 1)
    with pytest.raises(ValueError, match=exactly("steps_back must be a whole number from 0 to T = 3; got True")):
        jacobian_product(np.ones((3, 2, 2)), True)


def test_gradient_norms_error_messages_name_the_argument():
    x, params = small_layer()
    with pytest.raises(ValueError, match=exactly("output_grad must be finite, but it holds 1 NaN or infinite "
                                                 "value(s); the first is inf at index (1,)")):
        gradient_norms(x, params, output_grad=np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match=exactly("output_grad must have shape (2,) (one value per hidden unit); "
                                                 "got (3,)")):
        gradient_norms(x, params, output_grad=np.ones(3))
    with pytest.raises(ValueError, match=exactly("x must be finite, but it holds 1 NaN or infinite value(s); "
                                                 "the first is nan at index (2, 0)")):
        gradient_norms(np.array([[0.5], [1.0], [np.nan]]), params)
    with pytest.raises(TypeError, match=exactly("x must be a numpy array of real numbers, got str")):
        step_jacobians("x", params)


def test_matrix_with_spectral_norm_is_orthogonal_by_default_and_takes_one_unit():
    w = matrix_with_spectral_norm(3, 0.7, np.random.default_rng(1))
    np.testing.assert_allclose(w @ w.T, 0.49 * np.eye(3), rtol=0, atol=1e-14)
    one = matrix_with_spectral_norm(1, 2.5, np.random.default_rng(1))
    assert one.shape == (1, 1) and abs(one[0, 0]) == 2.5


def test_matrix_with_spectral_norm_keeps_a_draw_with_a_zero_column_finite():
    # the draw [[0, a], [0, b]] (0 exactly, as a Generator can draw): Q = I, R = the draw, and the
    # sign of R's zero pivot is 0, so the first column is dropped, not divided by 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = matrix_with_spectral_norm(2, 1.5, generator_drawing([0, 2**40 + 5, 0, 2**41 + 7]))
    np.testing.assert_array_equal(w, [[0.0, 0.0], [0.0, 1.5]])


def test_matrix_with_spectral_norm_error_messages_name_the_argument():
    rng = np.random.default_rng(0)
    for hidden in (0, True, 2.0):
        with pytest.raises(ValueError, match=exactly(f"hidden must be a whole number >= 1; got {hidden!r}")):
            matrix_with_spectral_norm(hidden, 1.0, rng)
    with pytest.raises(ValueError, match=exactly("spectral_norm must be finite, but it holds 1 NaN or infinite "
                                                 "value(s); the first is nan at index ()")):
        matrix_with_spectral_norm(2, float("nan"), rng)
    with pytest.raises(TypeError, match=exactly("spectral_norm must be a numpy array of real numbers, got str")):
        matrix_with_spectral_norm(2, "1", rng)
    with pytest.raises(ValueError, match=exactly("spectral_norm must be one number; got an array of shape (2,)")):
        matrix_with_spectral_norm(2, [1.0, 2.0], rng)
    with pytest.raises(TypeError, match=exactly("rng must be a numpy.random.Generator (np.random.default_rng(seed)); "
                                                "got int")):
        matrix_with_spectral_norm(2, 1.0, 0)
