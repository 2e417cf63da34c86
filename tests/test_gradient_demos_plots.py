"""Chapter 4's figures of the training runs: the gradient reaching each step (``plot_step_gradients``)
and loss and gradient norm with and without clipping (``plot_clipping``). Hand-built runs with
numbers chosen so that every ratio, floor and edge case can be worked out by hand; every text,
colour, width, limit and tick the reader sees is checked."""

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.ticker import LogLocator, NullLocator  # noqa: E402

from reference import exactly  # noqa: E402
from rnn_helpers.gradient_demos import (  # noqa: E402
    Optimizer,
    RunConfig,
    RunResult,
    clip_gradients,
    evaluate,
    forward,
    gradient_norm,
    gradient_ratio_at_init,
    init_params,
    loss_and_gradients,
    memory_batch,
    plot_clipping,
    plot_step_gradients,
    train,
)
from rnn_helpers.plots import PALETTE  # noqa: E402

SERIES = [PALETTE[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky")]
STEP_YLABEL = r"$\|\partial L/\partial h_t\| \,/\, \|\partial L/\partial h_T\|$"
STEP_XLABEL = "step t (x₁ is read at t = 1)"


def run(losses=(1.0,), grad_norms=(1.0,), step_grad_norms=None, diverged_at=None):
    losses = np.array(losses, dtype=float)
    return RunResult(RunConfig(), losses, np.array(grad_norms, dtype=float),
                     {key: np.array(value, dtype=float) for key, value in (step_grad_norms or {}).items()},
                     diverged_at, None if diverged_at is not None else 0.5)


def drawn_without_runtime_warnings(function, *args, **kwargs):
    """Call a plotting function with numpy's warnings (division by zero, 0/0) turned into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return function(*args, **kwargs)


def check_no_minor_ticks(ax):
    assert isinstance(ax.yaxis.get_minor_locator(), NullLocator)
    assert isinstance(ax.xaxis.get_minor_locator(), NullLocator)


def check_spines(ax):
    assert ax.spines["top"].get_visible() is False and ax.spines["right"].get_visible() is False
    assert ax.spines["left"].get_visible() and ax.spines["bottom"].get_visible()


def check_inside(fig):
    """tight_layout: every panel with its labels inside the figure, filling it."""
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        box = ax.get_tightbbox(renderer)
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    assert fig.axes[0].get_position().x0 < 0.15 and fig.axes[-1].get_position().x1 > 0.85


# --- plot_step_gradients -------------------------------------------------------------------------

# Seven recorded updates (the six colours wrap), given out of order. T = 4, so the ratio is
# ||dL/dh_t|| / ||dL/dh_4||, drawn no lower than the floor:
RECORDED = {
    40: [4.0, 3.0, 2.0, 1.0],  # 4, 3, 2, 1
    0: [1e-15, 1e-3, 0.5, 2.0],  # 5e-16 (drawn at the floor), 5e-4, 0.25, 1
    10: [0.3, 0.0, 0.0, 0.5],  # 0.6, 0 (floor), 0 (floor), 1: the last norm is below 1, the others 0
    5: [0.0, 2.0, 1.0, 0.0],  # no gradient reached h_4: drawn at the floor, without a warning
    20: [1e3, 1.0, 1e-3, 1e-6],  # 1e9, 1e6, 1e3, 1
    30: [2.0, 8.0, 0.25, 4.0],  # 0.5, 2, 0.0625, 1
    1: [7.0, 7.0, 7.0, 7.0],  # 1, 1, 1, 1
}
DRAWN = {  # in order of the update, with the floor 1e-12
    0: [1e-12, 5e-4, 0.25, 1.0],
    1: [1.0, 1.0, 1.0, 1.0],
    5: [1e-12, 1e-12, 1e-12, 1e-12],
    10: [0.6, 1e-12, 1e-12, 1.0],
    20: [1e9, 1e6, 1e3, 1.0],
    30: [0.5, 2.0, 0.0625, 1.0],
    40: [4.0, 3.0, 2.0, 1.0],
}
SECOND = {3: [8.0, 4.0, 2.0, 1.0, 0.5, 0.25]}  # T = 6: 32, 16, 8, 4, 2, 1


@pytest.fixture(scope="module")
def two_panels():
    fig = drawn_without_runtime_warnings(plot_step_gradients, {"lag T = 4": run(step_grad_norms=RECORDED),
                                                               "lag T = 6": run(step_grad_norms=SECOND)})
    yield fig
    plt.close(fig)


def check_panel(ax, title, drawn, floor):
    assert ax.get_title() == title
    assert ax.get_xlabel() == STEP_XLABEL
    assert ax.get_yscale() == "log"
    assert ax.get_ylim() == pytest.approx((floor / 10, 1e3), rel=1e-12, abs=0)
    curves = ax.lines[:-1]
    assert len(curves) == len(drawn)
    for i, (line, (update, values)) in enumerate(zip(curves, drawn.items())):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(values) + 1))
        np.testing.assert_allclose(line.get_ydata(), values, rtol=1e-12, atol=0)
        assert to_rgba(line.get_color()) == to_rgba(SERIES[i % 6])
        assert line.get_marker() == "o" and line.get_markersize() == 2.5
        assert line.get_label() == f"update {update}"
    one = ax.lines[-1]  # the dotted line at a ratio of 1
    assert list(one.get_ydata()) == [1.0, 1.0] and list(one.get_xdata()) == [0, 1]
    assert to_rgba(one.get_color()) == to_rgba("0.3")
    assert one.get_linestyle() == ":" and one.get_linewidth() == 1
    legend = ax.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [f"update {update}" for update in drawn]
    assert all(text.get_fontsize() == 8 for text in legend.get_texts())
    assert legend.get_frame_on() is False
    assert legend._loc == Legend.codes["lower right"]
    check_spines(ax)
    check_no_minor_ticks(ax)


def test_step_gradients_draw_each_recorded_update_as_a_ratio_to_the_last_step(two_panels):
    fig = two_panels
    assert tuple(fig.get_size_inches()) == pytest.approx((9.4, 3.6))
    assert len(fig.axes) == 2
    first, second = fig.axes
    check_panel(first, "lag T = 4", DRAWN, 1e-12)
    check_panel(second, "lag T = 6", {3: [8.0, 4.0, 2.0, 1.0, 0.5, 0.25] / np.float64(0.25)}, 1e-12)
    # one y axis for both panels, labelled on the first only
    assert first.get_shared_y_axes().joined(first, second)
    assert first.get_ylabel() == STEP_YLABEL and second.get_ylabel() == ""
    # a tick every three decades from the floor up to 1
    for ax in (first, second):
        assert list(ax.get_yticks()) == pytest.approx([1e-12, 1e-9, 1e-6, 1e-3, 1.0], rel=1e-12, abs=0)
    check_inside(fig)


def test_one_panel_with_its_own_floor():
    # floor 3e-6: the lowest tick is the first decade above it, 1e-5, then every three decades below 10
    fig = drawn_without_runtime_warnings(plot_step_gradients, {"one run": run(step_grad_norms={7: [1e-9, 0.1, 2.0]})},
                                         floor=3e-6)
    assert len(fig.axes) == 1
    (ax,) = fig.axes
    check_panel(ax, "one run", {7: [3e-6, 0.05, 1.0]}, 3e-6)
    assert ax.get_ylabel() == STEP_YLABEL
    assert list(ax.get_yticks()) == pytest.approx([1e-5, 1e-2], rel=1e-12, abs=0)
    check_inside(fig)
    plt.close(fig)


# --- plot_clipping -------------------------------------------------------------------------------

WILD = run(losses=[0.5, 2.0, 40.0, 3000.0], grad_norms=[1.5, 12.0, 300.0, 2e4], diverged_at=4)
CALM = run(losses=[0.5, 0.4, 0.3, 0.25, 0.2, 0.15], grad_norms=[1.2, 0.9, 0.7, 0.5, 0.4, 0.35])
CLIPPED = run(losses=[0.5, 0.45, 0.6, 0.3, 0.35, 0.2], grad_norms=[1.5, 3.0, 0.9, 0.6, 0.2, 0.1])
RUNS = {"lr 0.3, no clipping": WILD, "lr 0.1, no clipping": CALM, "lr 0.3, clipped at 0.57": CLIPPED}


@pytest.fixture(scope="module")
def clipping_figure():
    fig = plot_clipping(RUNS, 0.5678)
    yield fig
    plt.close(fig)


def test_clipping_draws_every_runs_loss_and_gradient_norm(clipping_figure):
    fig = clipping_figure
    assert tuple(fig.get_size_inches()) == pytest.approx((9.4, 3.6))
    assert len(fig.axes) == 2
    left, right = fig.axes
    # left: each run's loss, then, after the run that diverged, a cross on its last loss
    lines = list(left.lines)
    for i, (label, result) in enumerate(RUNS.items()):
        line = lines.pop(0)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(len(result.losses)))
        np.testing.assert_array_equal(line.get_ydata(), result.losses)
        assert to_rgba(line.get_color()) == to_rgba(SERIES[i])
        assert line.get_label() == label and line.get_linewidth() == 1.2 and line.get_linestyle() == "-"
        assert line.get_marker() in ("None", None, "")
        if result.diverged_at is not None:
            cross = lines.pop(0)
            assert list(cross.get_xdata()) == [3] and list(cross.get_ydata()) == [3000.0]
            assert cross.get_marker() == "X" and cross.get_markersize() == 10
            assert to_rgba(cross.get_color()) == to_rgba(SERIES[i])
            assert cross.get_linestyle() == "None"
    assert lines == []
    # the note beside the cross
    assert len(left.texts) == 1
    note = left.texts[0]
    assert note.get_text() == "diverged: next loss above $10^{6}$"
    assert tuple(note.xy) == (3, 3000.0)
    assert tuple(note.xyann) == (12, 0) and note.anncoords == "offset points"
    assert note.get_verticalalignment() == "center" and note.get_fontsize() == 8.5
    assert to_rgba(note.get_color()) == to_rgba(SERIES[0])
    # right: each run's gradient norm, then the threshold
    for i, (line, (label, result)) in enumerate(zip(right.lines, RUNS.items())):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(len(result.grad_norms)))
        np.testing.assert_array_equal(line.get_ydata(), result.grad_norms)
        assert to_rgba(line.get_color()) == to_rgba(SERIES[i])
        assert line.get_label() == label and line.get_linewidth() == 1.2 and line.get_linestyle() == "-"
    assert len(right.lines) == 4
    threshold = right.lines[3]
    assert list(threshold.get_ydata()) == [0.5678, 0.5678] and list(threshold.get_xdata()) == [0, 1]
    assert to_rgba(threshold.get_color()) == to_rgba("black")
    assert threshold.get_linestyle() == "--" and threshold.get_linewidth() == 1
    assert threshold.get_label() == "clipping threshold 0.57"

    assert (left.get_yscale(), left.get_xlabel(), left.get_ylabel(), left.get_title()) == (
        "log", "update", "loss (squared error)", "loss")
    assert (right.get_yscale(), right.get_xlabel(), right.get_ylabel(), right.get_title()) == (
        "log", "update", "gradient norm before clipping", "gradient norm")
    assert left.get_legend() is None
    legend = right.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [*RUNS, "clipping threshold 0.57"]
    assert all(text.get_fontsize() == 8 for text in legend.get_texts())
    assert legend.get_frame_on() is False
    assert legend._loc == Legend.codes["upper right"]
    for ax in (left, right):
        check_spines(ax)
        check_no_minor_ticks(ax)
        # a few labelled decades (no more than about six): over six decades every second one, over
        # eighteen every third
        locator = ax.yaxis.get_major_locator()
        assert isinstance(locator, LogLocator) and locator.numticks == 6
        assert list(locator.tick_values(1e-3, 1e3)) == pytest.approx(10.0 ** np.arange(-5, 6, 2), rel=1e-12, abs=0)
        assert list(locator.tick_values(1e-9, 1e9)) == pytest.approx(10.0 ** np.arange(-11, 11, 3), rel=1e-12, abs=0)
    check_inside(fig)


def test_clipping_marks_no_cross_where_no_run_diverged():
    fig = plot_clipping({"calm": CALM}, 2.0)
    left, right = fig.axes
    assert len(left.lines) == 1 and len(left.texts) == 0
    assert right.lines[-1].get_label() == "clipping threshold 2.00"
    plt.close(fig)


def test_clipping_refuses_a_run_with_fewer_gradient_norms_than_losses():
    # one gradient norm per update: a record that does not line up is not drawn against the wrong updates
    with pytest.raises(ValueError, match="x and y must have same first dimension"):
        plot_clipping({"short": run(losses=[0.5, 0.4, 0.3], grad_norms=[1.0, 0.9])}, 1.0)
    plt.close("all")


# --- the runs the figures draw: settings, defaults, edge values, error messages ------------------

def one_unit(**values):
    """A network of one hidden unit: W_ih = 1, W_hh = 0, b = 0, V = 0, c = 0 unless given."""
    params = {"W_ih": np.ones((1, 1)), "W_hh": np.zeros((1, 1)), "b": np.zeros(1), "V": np.zeros((1, 1)),
              "c": np.zeros(1)}
    return {**params, **{key: np.array(value, dtype=float) for key, value in values.items()}}


@pytest.mark.parametrize("kwargs, error, message", [
    ({"recurrent_norm": -1.0}, ValueError, "recurrent_norm must be positive; got -1.0"),  # checked after clip=None
    ({"noise": True}, ValueError, "noise must be a finite number; got True"),
    ({"noise": -0.5}, ValueError, "noise must be >= 0; got -0.5"),
    ({"iterations": 5, "record_at": (0, 5)}, ValueError, "record_at must hold iterations from 0 to 4; got (0, 5)"),
    ({"seed": -1}, ValueError, "seed must be a whole number >= 0; got -1"),
    ({"seed": 2.0}, ValueError, "seed must be a whole number >= 0; got 2.0"),
    ({"seed": True}, ValueError, "seed must be a whole number >= 0; got True"),
])
def test_run_config_error_messages(kwargs, error, message):
    with pytest.raises(error, match=exactly(message)):
        RunConfig(**kwargs)


def test_run_config_takes_seed_0_and_a_numpy_integer_seed():
    assert RunConfig(seed=0).seed == 0 and RunConfig(seed=np.int64(7)).seed == 7


def test_loss_and_gradients_refuses_an_unknown_loss():
    x, answer = np.ones((2, 3, 1)), np.ones(3)
    with pytest.raises(ValueError, match=exactly("kind must be one of ['bce', 'mse'], got 'ce'")):
        loss_and_gradients(one_unit(), x, answer, "ce")
    with pytest.raises(TypeError, match=exactly("kind must be one of the strings ['bce', 'mse'], got NoneType None")):
        loss_and_gradients(one_unit(), x, answer, None)
    # a numpy string counts as the string it holds
    assert loss_and_gradients(one_unit(), x, answer, np.str_("mse"))[0] == loss_and_gradients(one_unit(), x, answer,
                                                                                                "mse")[0]


def test_run_config_takes_the_last_iteration_and_no_noise():
    config = RunConfig(iterations=5, record_at=(0, 4), noise=0.0)
    assert config.record_at == (0, 4) and config.noise == 0.0


def test_memory_batch_without_noise_draws_only_the_answers():
    rng, reference = np.random.default_rng(3), np.random.default_rng(3)
    for _ in range(2):  # the second batch's answers are the generator's next draws: no noise was drawn between
        x, answer = memory_batch(rng, 6, 4, 0.0)
        np.testing.assert_array_equal(answer, reference.integers(0, 2, 6) * 2.0 - 1.0)
        np.testing.assert_array_equal(x[0, :, 0], answer)
        np.testing.assert_array_equal(x[1:], np.zeros((3, 6, 1)))


def test_memory_batch_distractions_are_centred_on_zero():
    x, _ = memory_batch(np.random.default_rng(0), 100, 21, 0.5)
    # 2000 draws of N(0, 0.25): the mean's standard error is about 0.011
    assert abs(float(x[1:].mean())) < 0.05 and 0.45 < float(x[1:].std()) < 0.55


def test_init_params_draws_in_the_documented_order():
    """W_ih, W_hh, b as the sum of two vectors, V, c: each uniform in +-1/sqrt(H) from default_rng(seed)."""
    rng = np.random.default_rng(6)
    bound = 1 / np.sqrt(3)
    expected = {"W_ih": rng.uniform(-bound, bound, (3, 1)), "W_hh": rng.uniform(-bound, bound, (3, 3))}
    expected["b"] = rng.uniform(-bound, bound, 3) + rng.uniform(-bound, bound, 3)
    expected["V"], expected["c"] = rng.uniform(-bound, bound, (1, 3)), rng.uniform(-bound, bound, 1)
    params = init_params(RunConfig(hidden=3, seed=6))
    assert list(params) == list(expected)
    for key in expected:
        np.testing.assert_array_equal(params[key], expected[key])


def test_init_params_keeps_a_recurrent_draw_with_a_zero_column_finite(monkeypatch):
    # a Mersenne Twister whose 32-bit words 26, 27, 30 and 31 are 0, handed to init_params in place
    # of default_rng(seed): with H = 2, after the 13 uniform draws (two words each) the normal draws
    # for W_hh's first column are exactly 0. R's zero pivot has sign 0: that column is dropped, not
    # divided by 0.
    bits = np.random.MT19937(0)
    state = bits.state
    state["state"]["key"][[26, 27, 30, 31]] = 0
    state["state"]["pos"] = 0
    bits.state = state
    config = RunConfig(hidden=2, recurrent_norm=1.5, seed=5)
    monkeypatch.setattr(np.random, "default_rng", lambda seed: np.random.Generator(bits) if seed == 5 else None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = init_params(config)
    np.testing.assert_array_equal(np.abs(params["W_hh"]), [[0.0, 0.0], [0.0, 1.5]])


def test_forward_refuses_a_recurrent_matrix_that_is_not_square():
    with pytest.raises(ValueError, match=exactly(
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
            "(n?,k),(k,m?)->(n?,m?) (size 3 is different from 1)")):
        forward(one_unit(W_hh=np.ones((1, 3)), V=np.ones((1, 3))), np.ones((2, 4, 1)))


def test_loss_is_binary_cross_entropy_by_default_and_zero_is_not_positive():
    # W_hh = V = 0: the prediction is c = 0.7 whatever the input
    params = one_unit(c=[0.7])
    x = np.ones((2, 2, 1))
    loss, grads, _ = loss_and_gradients(params, x, np.array([1.0, 0.0]))  # labels 1 and 0
    assert loss == pytest.approx((np.log1p(np.exp(-0.7)) + np.log1p(np.exp(0.7))) / 2, rel=1e-14)
    sigmoid = 1 / (1 + np.exp(-0.7))
    assert grads["c"][0] == pytest.approx(((sigmoid - 1) + sigmoid) / 2, rel=1e-14)
    assert loss_and_gradients(params, x, np.array([0.0, 0.0]))[0] == pytest.approx(np.log1p(np.exp(0.7)), rel=1e-14)


def test_an_overflowing_run_gives_non_finite_numbers_even_when_the_caller_raises():
    """train() stops a run on a non-finite loss, so the overflow (1e200 squared) and 0 * inf (tanh(50) is
    exactly 1, so 1 - h^2 = 0 meets an infinite dL/dh_T) must come back as numbers, not as errors."""
    params = one_unit(W_ih=[[50.0]], V=[[1e200]])
    with np.errstate(all="raise"):
        loss, grads, step_norms = loss_and_gradients(params, np.ones((1, 1, 1)), np.array([1.0]), "mse")
        assert gradient_norm({"W": np.array([1e200, 1.0])}) == np.inf
    assert loss == np.inf
    assert np.isnan(grads["W_hh"][0, 0]) and step_norms[0] == np.inf


def test_clip_gradients_threshold_true_is_refused_and_a_norm_at_the_threshold_is_left_alone():
    with pytest.raises(ValueError, match=exactly("threshold must be a positive number; got True")):
        clip_gradients({"W": np.ones(2)}, True)
    g = np.array([3.0, 4.0])  # norm exactly 5
    g.setflags(write=False)  # not clipped, so not written to
    assert clip_gradients({"W": g}, 5.0) == 5.0
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_optimizer_defaults_are_adam_with_learning_rate_0_01():
    params = {"W": np.array([[1.0, -2.0]]), "c": np.array([0.5])}
    optimizer = Optimizer(params)
    for moments in (optimizer.first, optimizer.second):
        for key in params:
            assert moments[key].dtype == np.float64 and moments[key].shape == params[key].shape
            assert not moments[key].any()
    g = {"W": np.array([[2.0, -0.5]]), "c": np.array([1e-3])}
    optimizer.step(g)
    # Adam's first step: the bias-corrected moments are g and g^2, so each parameter moves by lr g / (|g| + eps)
    for key, start in (("W", [[1.0, -2.0]]), ("c", [0.5])):
        np.testing.assert_allclose(params[key], np.array(start) - 0.01 * g[key] / (np.abs(g[key]) + 1e-8),
                                   rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match=exactly("kind must be one of ['adam', 'sgd'], got 'rmsprop'")):
        Optimizer(params, "rmsprop")


def test_evaluate_counts_a_prediction_of_exactly_zero_as_not_positive():
    config = RunConfig(steps=2, seed=1)
    zero = evaluate(one_unit(), config)  # V = c = 0: the prediction is exactly 0
    positive = evaluate(one_unit(c=[1.0]), config)  # always "positive"
    assert positive not in (0.0, 0.5, 1.0)
    assert round(zero * 2000) + round(positive * 2000) == 2000


@pytest.mark.parametrize("kwargs, settings", [
    ({}, dict(seeds=(0, 1, 2), batch=16, noise=1.0)),
    (dict(seeds=(4,), batch=5, noise=0.5), dict(seeds=(4,), batch=5, noise=0.5)),
])
def test_gradient_ratio_at_init_is_the_first_updates_ratio_of_training_runs(kwargs, settings):
    """The geometric mean over seeds of ||dL/dh_1|| / ||dL/dh_T|| that train() records at update 0."""
    logs = []
    for seed in settings["seeds"]:
        config = RunConfig(steps=4, hidden=3, seed=seed, batch=settings["batch"], noise=settings["noise"],
                           iterations=1)
        result = train(config)
        assert result.config is config
        norms = result.step_grad_norms[0]
        logs.append(np.log(norms[0] / norms[-1]))
    assert gradient_ratio_at_init(4, 3, **kwargs) == pytest.approx(np.exp(np.mean(logs)), rel=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(steps=0), "steps must be a whole number >= 1; got 0"),
    (dict(hidden=0), "hidden must be a whole number >= 1; got 0"),
    (dict(batch=0), "batch must be a whole number >= 1; got 0"),
    (dict(noise=-1.0), "noise must be >= 0; got -1.0"),
])
def test_gradient_ratio_at_init_checks_its_settings_as_a_run_does(kwargs, message):
    with pytest.raises(ValueError, match=exactly(message)):
        gradient_ratio_at_init(**{"steps": 3, "hidden": 2, **kwargs})
