"""Step Jacobians, their products and the gradient norm per step, against torch autograd and finite differences."""

import numpy as np
import pytest
import torch

from rnn_helpers.jacobians import (
    SLOPE_BOUNDS,
    gradient_norms,
    jacobian_product,
    matrix_with_spectral_norm,
    random_layer_gradient_norms,
    random_layer_slopes,
    step_jacobians,
    vanishing_bound,
)
from rnn_helpers.numpy_rnn import rnn_backward, rnn_forward
from reference import TORCH_NONLINEARITIES, random_params

RNG = np.random.default_rng(4)
PARAMS = random_params(RNG, input_size=3, hidden=4, scale=0.7)
X = RNG.normal(size=(6, 3))
H0 = RNG.normal(size=4)
NONLINEARITIES = ["tanh", "sigmoid", "relu", "linear"]


def torch_states(x, params, h0, nonlinearity):
    """h_0, ..., h_T of an explicit torch loop, each a leaf-connected tensor that keeps its grad."""
    p = {key: torch.tensor(value) for key, value in params.items()}
    f = TORCH_NONLINEARITIES[nonlinearity]
    states = [torch.tensor(h0, requires_grad=True)]
    for t in range(x.shape[0]):
        a = p["weight_ih"] @ torch.tensor(x[t]) + p["bias_ih"] + p["weight_hh"] @ states[-1] + p["bias_hh"]
        states.append(f(a))
        states[-1].retain_grad()
    return states


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_step_jacobians_match_autograd(nonlinearity):
    jacobians = step_jacobians(X, PARAMS, H0, nonlinearity)
    h, _ = rnn_forward(X, PARAMS, H0, nonlinearity)
    previous = np.concatenate([H0[None], h[:-1]])
    p = {key: torch.tensor(value) for key, value in PARAMS.items()}
    f = TORCH_NONLINEARITIES[nonlinearity]
    for t in range(X.shape[0]):
        def step(h_prev, t=t):
            return f(p["weight_ih"] @ torch.tensor(X[t]) + p["bias_ih"] + p["weight_hh"] @ h_prev + p["bias_hh"])
        expected = torch.autograd.functional.jacobian(step, torch.tensor(previous[t])).numpy()
        np.testing.assert_allclose(jacobians[t], expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nonlinearity", ["tanh", "sigmoid"])
def test_jacobian_product_matches_autograd_and_finite_differences(nonlinearity):
    jacobians = step_jacobians(X, PARAMS, H0, nonlinearity)
    full = jacobian_product(jacobians, X.shape[0])  # d h_T / d h_0

    def last_state(h0):
        p = {key: torch.tensor(value) for key, value in PARAMS.items()}
        f = TORCH_NONLINEARITIES[nonlinearity]
        h = h0
        for t in range(X.shape[0]):
            h = f(p["weight_ih"] @ torch.tensor(X[t]) + p["bias_ih"] + p["weight_hh"] @ h + p["bias_hh"])
        return h

    expected = torch.autograd.functional.jacobian(last_state, torch.tensor(H0)).numpy()
    np.testing.assert_allclose(full, expected, rtol=1e-10, atol=1e-14)
    eps = 1e-6
    numeric = np.empty_like(full)
    for j in range(H0.shape[0]):
        plus, minus = H0.copy(), H0.copy()
        plus[j] += eps
        minus[j] -= eps
        numeric[:, j] = (rnn_forward(X, PARAMS, plus, nonlinearity)[0][-1] - rnn_forward(X, PARAMS, minus, nonlinearity)[0][-1]) / (2 * eps)
    np.testing.assert_allclose(full, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(jacobian_product(jacobians, 0), np.eye(4))
    np.testing.assert_allclose(jacobian_product(jacobians, 1), jacobians[-1])


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_gradient_norms_match_autograd(nonlinearity):
    u = np.array([0.3, -1.0, 0.5, 2.0])
    norms = gradient_norms(X, PARAMS, u, H0, nonlinearity)
    states = torch_states(X, PARAMS, H0, nonlinearity)
    (states[-1] @ torch.tensor(u)).backward()
    expected = [np.linalg.norm(state.grad.numpy()) for state in reversed(states)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    # the last entry is the gradient that rnn_backward sends into h0
    dh = np.zeros((X.shape[0], 4))
    dh[-1] = u
    _, cache = rnn_forward(X, PARAMS, H0, nonlinearity)
    assert norms[-1] == pytest.approx(np.linalg.norm(rnn_backward(dh, cache)["h0"]), rel=1e-12)


def test_spectral_norm_is_as_asked():
    rng = np.random.default_rng(0)
    for kind in ("orthogonal", "gaussian"):
        w = matrix_with_spectral_norm(16, 1.7, rng, kind)
        assert np.linalg.norm(w, 2) == pytest.approx(1.7, rel=1e-12)
    singular = np.linalg.svd(matrix_with_spectral_norm(16, 0.6, rng, "orthogonal"), compute_uv=False)
    np.testing.assert_allclose(singular, 0.6, rtol=1e-12)


def test_linear_orthogonal_gradient_is_exactly_the_power():
    ratios = random_layer_gradient_norms(1.3, "linear", hidden=8, steps=20)
    np.testing.assert_allclose(ratios, 1.3 ** np.arange(21), rtol=1e-10)


@pytest.mark.parametrize("nonlinearity, spectral_norm", [("tanh", 0.95), ("sigmoid", 3.9), ("tanh", 0.5), ("relu", 0.8)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_below_one_over_gamma_the_gradient_stays_under_the_bound(nonlinearity, spectral_norm, seed):
    """Pascanu et al.'s sufficient condition: gamma * ||W_hh|| < 1 forces vanishing, at least as fast as the bound."""
    for kind in ("orthogonal", "gaussian"):
        for scale in (0.01, 1.0, 3.0):
            ratios = random_layer_gradient_norms(spectral_norm, nonlinearity, hidden=12, steps=40,
                                                 input_scale=scale, seed=seed, kind=kind)
            assert np.all(ratios <= vanishing_bound(spectral_norm, nonlinearity, 40) * (1 + 1e-12))


def test_above_one_over_gamma_explosion_is_possible_not_certain():
    """The condition is necessary for explosion, not sufficient: tanh with ||W_hh|| = 3 grows for small
    inputs; the sigmoid with ||W_hh|| = 5 > 4 still vanishes."""
    assert random_layer_gradient_norms(3.0, "tanh", input_scale=0.1)[-1] > 1e3
    assert random_layer_gradient_norms(5.0, "sigmoid", input_scale=1.0)[-1] < 1e-3
    assert SLOPE_BOUNDS["sigmoid"] == 0.25


def test_random_layer_slopes_are_those_of_the_followed_layer():
    from rnn_helpers.jacobians import _random_layer
    slopes = random_layer_slopes(2.0, "tanh", hidden=6, steps=5, seed=3)
    x, params = _random_layer(2.0, 6, 5, 1.0, 3, "orthogonal")
    assert slopes.shape == (5, 6) and np.all((slopes > 0) & (slopes <= 1))
    np.testing.assert_array_equal(step_jacobians(x, params),
                                  slopes[:, :, None] * params["weight_hh"][None])
    # orthogonal W_hh * 2: each step back multiplies ||g|| by 2 ||slopes_t * g|| / ||g||
    grad, expected = np.full(6, 1 / np.sqrt(6)), [1.0]
    for t in range(4, -1, -1):
        expected.append(expected[-1] * 2 * np.linalg.norm(slopes[t] * grad) / np.linalg.norm(grad))
        grad = params["weight_hh"].T @ (slopes[t] * grad)
    ratios = random_layer_gradient_norms(2.0, "tanh", hidden=6, steps=5, seed=3)
    np.testing.assert_allclose(ratios, expected, rtol=1e-12)


def test_refuses_bad_input():
    with pytest.raises(ValueError, match=r"x must be 2-D \(T, input\), one unbatched sequence; got shape \(6, 1, 3\)"):
        step_jacobians(X[:, None], PARAMS)
    with pytest.raises(ValueError, match=r"output_grad must have shape \(4,\)"):
        gradient_norms(X, PARAMS, np.ones(3))
    with pytest.raises(ValueError, match=r"steps_back must be a whole number from 0 to T = 6; got 7"):
        jacobian_product(step_jacobians(X, PARAMS), 7)
    with pytest.raises(ValueError, match=r"spectral_norm must be positive"):
        matrix_with_spectral_norm(4, 0.0, RNG)
    with pytest.raises(ValueError, match=r"kind must be one of \['orthogonal', 'gaussian'\]"):
        matrix_with_spectral_norm(4, 1.0, RNG, "uniform")
    with pytest.raises(ValueError, match=r"nonlinearity must be one of"):
        gradient_norms(X, PARAMS, nonlinearity="softplus")
