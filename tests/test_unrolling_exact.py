"""Chapter 2's unrolling helpers: defaults, every error message whole, and h0 in removal_effect."""

import numpy as np
import pytest

from rnn_helpers.unrolling import (
    count_parameters,
    random_layer,
    removal_effect,
    scalar_neuron,
    stack_forward,
    tied_stack,
    unrolled_sum_latex,
    unrolled_terms,
    untied_stack,
)
from reference import exactly

PARAMS = random_layer(np.random.default_rng(0), 2, 3)


def normal_draws(seed, layers, input_size, hidden, scale):
    """The layers untied_stack should draw: N(0, scale^2), in random_layer's order, layer after layer."""
    rng = np.random.default_rng(seed)
    return [
        {
            "weight_ih": scale * rng.standard_normal((hidden, input_size)),
            "weight_hh": scale * rng.standard_normal((hidden, hidden)),
            "bias_ih": scale * rng.standard_normal(hidden),
            "bias_hh": scale * rng.standard_normal(hidden),
        }
        for _ in range(layers)
    ]


@pytest.mark.parametrize("scale", [None, 0.2])
def test_untied_stack_draws_each_layer_from_n0_scale_squared(scale):
    kwargs = {} if scale is None else {"scale": scale}
    stack = untied_stack(np.random.default_rng(7), 2, 3, 4, **kwargs)
    expected = normal_draws(7, 2, 3, 4, 0.5 if scale is None else scale)  # the documented default is 0.5
    assert len(stack) == 2
    for layer, wanted in zip(stack, expected):
        assert layer.keys() == wanted.keys()
        for key in wanted:
            np.testing.assert_allclose(layer[key], wanted[key], rtol=1e-15, atol=0)


def test_scalar_neuron_default_input_weight_is_one():
    # h1 = 1, h2 = 2 + 0.5 * 1 = 2.5, h3 = 3 + 0.5 * 2.5 = 4.25
    np.testing.assert_allclose(scalar_neuron([1.0, 2.0, 3.0], 0.5), [1.0, 2.5, 4.25], rtol=0, atol=1e-15)


def tanh_loop(x, params, h0):
    """The recurrent layer written out step by step (tanh), independent of rnn_forward."""
    h = np.array(h0, dtype=float)
    for row in np.asarray(x, dtype=float):
        h = np.tanh(params["weight_ih"].dot(row) + params["bias_ih"] + params["weight_hh"].dot(h) + params["bias_hh"])
    return h


def test_removal_effect_starts_both_readings_from_the_given_h0():
    x = np.eye(2)[[0, 1, 1, 0]]
    h0 = np.array([0.9, -0.7, 0.4])
    full = tanh_loop(x, PARAMS, h0)
    expected = []
    for k in range(len(x)):
        without = x.copy()
        without[k] = 0.0
        expected.append(np.sqrt(np.sum((full - tanh_loop(without, PARAMS, h0)) ** 2)))
    np.testing.assert_allclose(removal_effect(x, PARAMS, h0=h0), expected, rtol=1e-12, atol=1e-15)


def test_stack_forward_errors_are_whole_messages():
    layers = tied_stack(PARAMS, 2)
    with pytest.raises(ValueError, match=exactly(
            "nonlinearity must be one of ['tanh', 'sigmoid', 'relu', 'linear'], got 'cube'")):
        stack_forward([None, None], layers, nonlinearity="cube")
    with pytest.raises(TypeError, match=exactly("inputs must be a list with one array (or None) per layer, got str")):
        stack_forward("ab", layers)
    with pytest.raises(TypeError, match=exactly("inputs must be a list with one array (or None) per layer, got ndarray")):
        stack_forward(np.zeros((2, 2)), layers)
    with pytest.raises(TypeError, match=exactly("layers must be a list of parameter dicts, one per layer, got generator")):
        stack_forward([None, None], (layer for layer in layers))
    with pytest.raises(TypeError, match=exactly("layers must be a list of parameter dicts, one per layer, got dict")):
        stack_forward([None], PARAMS)
    with pytest.raises(ValueError, match=exactly(
            "h0 must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1,)")):
        stack_forward([None, None], layers, h0=[0.0, np.nan, 0.0])
    with pytest.raises(ValueError, match=exactly("h0 must have shape (3,) (one hidden state); got (2,)")):
        stack_forward([None, None], layers, h0=[0.0, 0.0])
    with pytest.raises(ValueError, match=exactly(
            "inputs[1] must be finite, but it holds 1 NaN or infinite value(s); the first is inf at index (0,)")):
        stack_forward([None, [np.inf, 0.0]], layers)


def test_other_errors_are_whole_messages():
    with pytest.raises(ValueError, match=exactly("layers must be at least 1; got 0")):
        untied_stack(np.random.default_rng(0), 0, 2, 3)
    with pytest.raises(TypeError, match=exactly("layers[1] must be a parameter dict, got str")):
        count_parameters([PARAMS, "weights"])
    with pytest.raises(ValueError, match=exactly(
            "x must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1,)")):
        scalar_neuron([1.0, np.nan], 0.5)
    with pytest.raises(ValueError, match=exactly("w_in must be a single number; got an array of shape (2,)")):
        scalar_neuron([1.0], 0.5, w_in=[1.0, 2.0])
    with pytest.raises(ValueError, match=exactly("h0 must be a single number; got an array of shape (1,)")):
        scalar_neuron([1.0], 0.5, h0=[0.0])
    with pytest.raises(ValueError, match=exactly("w_in must be a single number; got an array of shape (2,)")):
        unrolled_terms([1.0], 0.5, w_in=[1.0, 2.0])
    with pytest.raises(ValueError, match=exactly("per_line must be at least 1; got 0")):
        unrolled_sum_latex(3, per_line=0)
    with pytest.raises(ValueError, match=exactly("x must be one sequence of shape (T, input); got shape (4, 1, 2)")):
        removal_effect(np.zeros((4, 1, 2)), PARAMS)
