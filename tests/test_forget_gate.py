"""The forget gate's connectivity along the cell state, the slider frames and the cell drawing (chapter 5).

Every gradient here is checked against torch autograd (and one against finite differences).
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from rnn_helpers.connectivity import connectivity
from rnn_helpers.forget_gate import (
    FLOOR,
    cell_state_connectivity,
    draw_lstm_cell,
    forget_gate_frames,
    forget_gate_sweep,
    frame_alt,
    forget_value,
    lstm_cell_path_norms,
    plot_gradient_curves,
    power_text,
    rnn_state_gradient_norms,
    scalar_lstm_connectivity,
    scalar_lstm_params,
)
from rnn_helpers.init import init_rnn_params
from reference import finite_difference, module_with_params


def torch_lstm_cell_path(params, x):
    """Run an LSTM step by step in torch (float64) and return d sum(c_T) / d c_t for every t, and the forget gates.

    Each c_t is kept with ``retain_grad``; with ``weight_hh`` = 0 the cell state is the only
    path from c_t to c_T, so these are the exact derivatives of the whole network.
    """
    w = {key: torch.tensor(value, requires_grad=True) for key, value in params.items()}
    hidden = params["weight_hh"].shape[1]
    h, c = torch.zeros(hidden, dtype=torch.float64), torch.zeros(hidden, dtype=torch.float64)
    cells, forgets = [], []
    for t in range(x.shape[0]):
        a = w["weight_ih"] @ torch.tensor(x[t]) + w["bias_ih"] + w["weight_hh"] @ h + w["bias_hh"]
        i, f, g, o = torch.sigmoid(a[:hidden]), torch.sigmoid(a[hidden:2 * hidden]), torch.tanh(a[2 * hidden:3 * hidden]), torch.sigmoid(a[3 * hidden:])
        c = f * c + i * g
        c.retain_grad()
        h = o * torch.tanh(c)
        cells.append(c)
        forgets.append(f.detach().numpy())
    cells[-1].sum().backward()
    return np.stack([cell.grad.numpy() for cell in cells]), np.stack(forgets)


def lstm_without_recurrent_weights(seed, input_size=2, hidden=3):
    params = init_rnn_params(input_size, hidden, gates=4, seed=seed)
    params["weight_hh"] = np.zeros_like(params["weight_hh"])
    params["bias_ih"][hidden:2 * hidden] += 2.0  # forget gates near 0.9, so the products stay readable
    return params


def test_forget_value_is_the_sigmoid_of_the_bias():
    assert forget_value(0) == 0.5
    assert forget_value(3.0) == pytest.approx(1 / (1 + np.exp(-3.0)))
    assert forget_value(-3.0) == pytest.approx(1 - forget_value(3.0))


@pytest.mark.parametrize(
    "bias, error, pattern",
    [("3", TypeError, "forget_bias must be a real number, got str"), (True, TypeError, "got bool"),
     (float("nan"), ValueError, "must be a finite number in"), (11.0, ValueError, r"in \[-10.0, 10.0\], got 11.0")],
)
def test_forget_value_refuses_bad_biases(bias, error, pattern):
    with pytest.raises(error, match=pattern):
        forget_value(bias)


def test_cell_state_connectivity_is_the_product_of_later_forget_gates():
    f = np.random.default_rng(0).uniform(0.2, 1.0, size=(6, 4))
    expected = np.array([np.prod(f[t + 1:], axis=0) for t in range(6)])
    np.testing.assert_allclose(cell_state_connectivity(f), expected)
    np.testing.assert_array_equal(cell_state_connectivity(f)[-1], 1.0)
    assert cell_state_connectivity(f[:, 0]).shape == (6,)


def test_cell_state_connectivity_matches_autograd():
    params = lstm_without_recurrent_weights(1)
    x = np.random.default_rng(1).normal(size=(9, 2))
    grads, forgets = torch_lstm_cell_path(params, x)
    np.testing.assert_allclose(cell_state_connectivity(forgets), grads, rtol=1e-12)


def test_cell_path_is_not_the_whole_story_when_h_feeds_back():
    """With recurrent weights the gradient also flows through h and the gates: the cell path alone differs."""
    params = init_rnn_params(2, 3, gates=4, seed=2)
    x = np.random.default_rng(2).normal(size=(8, 2))
    grads, forgets = torch_lstm_cell_path(params, x)
    assert not np.allclose(cell_state_connectivity(forgets)[:-1], grads[:-1], rtol=1e-3)


@pytest.mark.parametrize(
    "gates, error, pattern",
    [(np.array([0.5, 1.2]), ValueError, r"must lie in \[0, 1\]"), (np.zeros((0, 3)), ValueError, "at least one step"),
     ("f", TypeError, "forget_gates must be a numpy array of real numbers, got str"),
     (np.array([0.5, np.nan]), ValueError, "forget_gates must be finite")],
)
def test_cell_state_connectivity_refuses_bad_gates(gates, error, pattern):
    with pytest.raises(error, match=pattern):
        cell_state_connectivity(gates)


def test_lstm_cell_path_norms_match_autograd_and_numpy_gates():
    params = lstm_without_recurrent_weights(3)
    x = np.random.default_rng(3).normal(size=(7, 2))
    grads, _ = torch_lstm_cell_path(params, x)
    # d c_T / d c_t is diagonal here, so its largest singular value is its largest entry.
    np.testing.assert_allclose(lstm_cell_path_norms(x, params), np.abs(grads).max(axis=1), rtol=1e-12)
    with pytest.raises(ValueError, match=r"x must be 2-D \(T, input\), one sequence"):
        lstm_cell_path_norms(x[:, None], params)


def test_rnn_state_gradient_norms_match_autograd_jacobians():
    params = init_rnn_params(2, 5, seed=4)
    params["weight_hh"] *= 3.0  # a larger recurrent weight, so the norms are not all tiny
    x = np.random.default_rng(4).normal(size=(6, 2))
    w = {key: torch.tensor(value) for key, value in params.items()}

    def step(h, t):
        return torch.tanh(w["weight_ih"] @ torch.tensor(x[t]) + w["bias_ih"] + w["weight_hh"] @ h + w["bias_hh"])

    def run(h, start):  # h_T as a function of h_{start}
        for t in range(start, x.shape[0]):
            h = step(h, t)
        return h

    states, h = [], torch.zeros(5, dtype=torch.float64)
    for t in range(x.shape[0]):
        h = step(h, t)
        states.append(h.detach())
    expected = [np.linalg.norm(torch.autograd.functional.jacobian(lambda s: run(s, t + 1), states[t]).numpy(), 2)
                for t in range(x.shape[0])]
    np.testing.assert_allclose(rnn_state_gradient_norms(x, params), expected, rtol=1e-10)


def test_scalar_lstm_gates_are_set_by_their_biases():
    params = scalar_lstm_params(2.0, input_bias=-1.0, output_bias=0.5, candidate_weight=1.5)
    assert params["weight_ih"].shape == (4, 1) and np.all(params["weight_hh"] == 0)
    np.testing.assert_array_equal(params["bias_ih"], [-1.0, 2.0, 0.0, 0.5])
    np.testing.assert_array_equal(params["weight_ih"][:, 0], [0.0, 0.0, 1.5, 0.0])


def test_scalar_lstm_connectivity_matches_torch_lstm_and_finite_differences():
    inputs = np.random.default_rng(5).choice([-1.0, 1.0], size=12)
    ours = scalar_lstm_connectivity(1.5, inputs)
    module = module_with_params("LSTM", scalar_lstm_params(1.5))
    x = torch.tensor(inputs[:, None], requires_grad=True)
    out, _ = module(x)
    out[-1, 0].backward()
    np.testing.assert_allclose(ours, np.abs(x.grad[:, 0].numpy()), rtol=1e-10)

    from rnn_helpers import lstm_forward

    work = inputs[:, None].copy()
    numeric = finite_difference(lambda: float(lstm_forward(work, scalar_lstm_params(1.5))[0][-1, 0]), work)
    np.testing.assert_allclose(ours, np.abs(numeric[:, 0]), rtol=1e-6, atol=1e-10)


def test_with_inputs_of_equal_size_the_connectivity_falls_by_exactly_f_per_step():
    inputs = np.random.default_rng(6).choice([-1.0, 1.0], size=30)
    for bias in (0.0, 3.0):
        values = scalar_lstm_connectivity(bias, inputs)
        np.testing.assert_allclose(values[:-1] / values[1:], forget_value(bias), rtol=1e-9)


def test_sweep_combines_both_models():
    inputs = np.random.default_rng(7).choice([-1.0, 1.0], size=20)
    sweep = forget_gate_sweep([0.0, 3.0], inputs, w2=1.0)
    assert sweep["lstm"].shape == (2, 20)
    np.testing.assert_allclose(sweep["cell_path"], sweep["forget"] ** 19)
    np.testing.assert_array_equal(sweep["rnn"], connectivity(1.0, inputs, "tanh"))
    np.testing.assert_array_equal(sweep["lstm"][1], scalar_lstm_connectivity(3.0, inputs))
    with pytest.raises(ValueError, match="w2 must lie in"):
        forget_gate_sweep([0.0], inputs, w2=3.0)
    with pytest.raises(ValueError, match="at least one forget-gate bias"):
        forget_gate_sweep([], inputs)
    with pytest.raises(ValueError, match=r"inputs must be 1-D"):
        forget_gate_sweep([0.0], inputs[:, None])


def test_power_text():
    assert power_text(0.0921) == "0.092"
    assert power_text(1.99e-3) == "2.0 × 10⁻³"
    assert power_text(1.8e-15) == "1.8 × 10⁻¹⁵"
    assert power_text(9.96e-8) == "1.0 × 10⁻⁷"
    assert power_text(0) == "0"


def test_frames_one_per_bias_with_alt_text_and_caption():
    inputs = np.random.default_rng(8).choice([-1.0, 1.0], size=15)
    sweep = forget_gate_sweep([0.0, 2.0, 4.0], inputs)
    open_before = plt.get_fignums()
    frames, labels = forget_gate_frames(sweep, dpi=30)
    assert labels == ["0.0", "2.0", "4.0"]
    assert len(set(frames)) == 3
    for frame, f in zip(frames, sweep["forget"]):
        assert frame.startswith('<img src="data:image/png;base64,') and 'alt="Log-scale plot' in frame
        assert '<p class="frame-caption" role="status">' in frame and f"= {f:.3f}" in frame
        assert "∂y₁₅/∂x₁" in frame and "^" not in frame.split("base64,")[0]
    assert plt.get_fignums() == open_before  # the drawing is closed, not shown a second time


def test_frames_keep_values_below_the_floor_on_the_floor():
    from rnn_helpers.forget_gate import ForgetGateFigure

    inputs = np.ones(60)
    sweep = forget_gate_sweep([-4.0], inputs)
    assert sweep["lstm"][0, 0] < FLOOR
    drawing = ForgetGateFigure(sweep)
    line, above, below = drawing.parts["lstm"]
    assert len(above.get_xdata()) + len(below.get_xdata()) == 60
    np.testing.assert_array_equal(below.get_ydata(), FLOOR)
    drawing.close()


def test_drawings():
    ax = draw_lstm_cell()
    texts = {text.get_text() for text in ax.texts}
    for label in ("$f_t$", "$i_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$c_t$", "$h_t$", "$x_t$"):
        assert label in texts
    plt.close("all")
    ax = plot_gradient_curves({"a": np.array([0.1, 1.0]), "b": np.array([1e-30, 1.0])})
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), [FLOOR, 1.0])
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2])  # the step t, as on the slider
    plt.close("all")


def test_frame_alt_describes_values_below_the_floor_as_drawn():
    """The alt text says what the picture shows: a value under FLOOR sits on the floor line."""
    from rnn_helpers.long_lag import long_lag_batch

    inputs = long_lag_batch(50, 1, np.random.default_rng(7))[0][:, 0, 0].astype(np.float64)  # chapter 5's
    sweep = forget_gate_sweep([0.0, 3.0], inputs, w2=1.0)
    assert sweep["rnn"][0] < FLOOR
    alt = frame_alt(sweep, 1)
    assert "floor line at 10⁻²⁰" in alt and power_text(sweep["rnn"][0]) not in alt
    assert f"reaching {power_text(sweep['lstm'][1, 0])} at step 1" in alt
