"""Chapter 2's unrolling helpers: defaults, every error message whole, and h0 in removal_effect."""

import numpy as np
import pytest
import torch

from rnn_helpers import unrolling
from rnn_helpers.unrolling import (
    check_readout,
    check_steps,
    classifier_loss_and_grads,
    count_parameters,
    intent_logits,
    intent_vocabulary,
    random_layer,
    removal_effect,
    scalar_neuron,
    softmax,
    stack_forward,
    tied_stack,
    train_intent_classifier,
    unrolled_sum_latex,
    unrolled_terms,
    untied_stack,
)
from reference import exactly, module_with_params

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


def test_check_steps_accepts_its_maximum():
    assert check_steps(16, maximum=16) == 16
    with pytest.raises(ValueError, match=exactly("steps must be from 1 to 16; got 17")):
        check_steps(17, maximum=16)


def test_random_layer_names_the_bad_size():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=exactly("input_size must be at least 1; got 0")):
        random_layer(rng, 0, 3)
    with pytest.raises(ValueError, match=exactly("hidden must be at least 1; got 0")):
        random_layer(rng, 2, 0)


READOUT = {"weight": np.array([[0.5, -1.0, 0.25], [2.0, 0.0, -0.5]]), "bias": np.array([0.1, -0.2])}


def test_check_readout_errors_name_the_readout():
    with pytest.raises(ValueError, match=exactly("readout must have exactly the keys ['weight', 'bias']; missing ['bias']")):
        check_readout({"weight": READOUT["weight"]}, 3)
    with pytest.raises(ValueError, match=exactly("head must have exactly the keys ['weight', 'bias']; missing ['bias']")):
        check_readout({"weight": READOUT["weight"]}, 3, name="head")
    with pytest.raises(ValueError, match=exactly(
            "readout['bias'] must have shape (2,) (one bias per row of readout['weight']); got (3,)")):
        check_readout({"weight": READOUT["weight"], "bias": np.zeros(3)}, 3)
    with pytest.raises(ValueError, match=exactly(
            "head['bias'] must have shape (2,) (one bias per row of head['weight']); got (1,)")):
        check_readout({"weight": READOUT["weight"], "bias": np.zeros(1)}, 3, name="head")


def test_intent_logits_refuses_a_batch_of_sentences_after_reading_it():
    # A batch (T, batch, input) gives states (T, batch, hidden): the readout fits hidden = 3,
    # so the complaint is about x, not about the readout.
    x = np.zeros((2, 1, 2))
    with pytest.raises(ValueError, match=exactly("x must be one sentence of shape (T, input); got shape (2, 1, 2)")):
        intent_logits(x, PARAMS, READOUT)


def test_softmax_normalises_each_row_on_its_own_and_names_its_input():
    # Row 0's largest score is 1000 and row 1's is 2; each row is shifted by its own maximum.
    logits = np.array([[0.0, 1000.0, 999.0], [0.0, 1.0, 2.0]])
    row0 = np.array([0.0, 1.0, np.exp(-1.0)])
    row1 = np.exp([-2.0, -1.0, 0.0])
    expected = np.array([row0 / row0.sum(), row1 / row1.sum()])
    np.testing.assert_allclose(softmax(logits), expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(softmax(logits[1]), expected[1], rtol=1e-15, atol=0)
    with pytest.raises(ValueError, match=exactly(
            "logits must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1,)")):
        softmax([0.0, np.nan])


def one_hot(indices, size=2):
    return np.eye(size)[indices]


def test_classifier_loss_of_a_single_sentence_is_minus_log_its_probability():
    x = one_hot([0, 1, 1])
    h = tanh_loop(x, PARAMS, np.zeros(3))
    logits = READOUT["weight"] @ h + READOUT["bias"]
    expected = -(logits[1] - np.log(np.sum(np.exp(logits))))
    loss, _, _ = classifier_loss_and_grads([x], [1], PARAMS, READOUT)
    assert loss == pytest.approx(expected, rel=1e-13)


def test_classifier_loss_and_grads_errors_are_whole_messages():
    sentences = [one_hot([0, 1]), one_hot([1])]
    with pytest.raises(ValueError, match=exactly(
            "sentences and labels must be non-empty and of the same length; got 2 and 1")):
        classifier_loss_and_grads(sentences, [0], PARAMS, READOUT)
    with pytest.raises(ValueError, match=exactly(
            "sentences and labels must be non-empty and of the same length; got 0 and 0")):
        classifier_loss_and_grads([], [], PARAMS, READOUT)
    with pytest.raises(ValueError, match=exactly("labels must be class indices from 0 to 1; got True")):
        classifier_loss_and_grads(sentences, [0, True], PARAMS, READOUT)
    with pytest.raises(ValueError, match=exactly("labels must be class indices from 0 to 1; got 1.0")):
        classifier_loss_and_grads(sentences, [0, 1.0], PARAMS, READOUT)


def test_classifier_gradients_are_float64_whatever_float_type_the_parameters_have():
    # The same numbers as float32 or long double: the gradients are those of the float64 copies, to the bit.
    sentences, labels = [one_hot([0, 1, 1]), one_hot([1, 0])], [1, 3]
    rng = np.random.default_rng(1)
    weight = rng.normal(size=(4, 3))  # four classes: sums of four products, which long double rounds differently
    readout = {"weight": weight, "bias": rng.normal(size=4).astype(np.float32).astype(float)}
    params = {key: value.astype(np.float32).astype(float) for key, value in PARAMS.items()}
    loss, rnn_grads, readout_grads = classifier_loss_and_grads(sentences, labels, params, readout)
    other_params = {key: value.astype(np.float32) for key, value in params.items()}
    other_readout = {"weight": weight.astype(np.longdouble), "bias": readout["bias"].astype(np.float32)}
    other_loss, other_rnn_grads, other_readout_grads = classifier_loss_and_grads(
        sentences, labels, other_params, other_readout)
    assert other_loss == loss
    for wanted, got in ((rnn_grads, other_rnn_grads), (readout_grads, other_readout_grads)):
        for key in wanted:
            assert got[key].dtype == np.float64, key
            np.testing.assert_array_equal(got[key], wanted[key], err_msg=key)


def test_training_defaults_start_from_seed_0_with_4_units_and_take_60_steps(monkeypatch):
    """With the gradient replaced by zeros, training only draws its start and counts its steps."""
    calls = []

    def zero_gradients(sentences, labels, rnn_params, readout):
        calls.append(len(sentences))
        return 1.0, {k: np.zeros_like(v) for k, v in rnn_params.items()}, {k: np.zeros_like(v) for k, v in readout.items()}

    monkeypatch.setattr(unrolling, "classifier_loss_and_grads", zero_gradients)
    model = train_intent_classifier()
    assert calls == [12] * 60
    np.testing.assert_array_equal(model["losses"], np.ones(60))
    words = len(intent_vocabulary())
    rng = np.random.default_rng(0)  # N(0, 0.3^2) draws in the layer's order, then the read-out's weight
    expected = {"weight_ih": 0.3 * rng.standard_normal((4, words)), "weight_hh": 0.3 * rng.standard_normal((4, 4)),
                "bias_ih": 0.3 * rng.standard_normal(4), "bias_hh": 0.3 * rng.standard_normal(4)}
    expected_readout = {"weight": 0.3 * rng.standard_normal((3, 4)), "bias": np.zeros(3)}
    for start, after, wanted in ((model["initial"], model["rnn_params"], expected),
                                 (model["initial_readout"], model["readout"], expected_readout)):
        assert start.keys() == wanted.keys()
        for key in wanted:
            np.testing.assert_allclose(start[key], wanted[key], rtol=1e-15, atol=0, err_msg=key)
            np.testing.assert_array_equal(after[key], start[key], err_msg=key)  # a zero gradient moves nothing


def test_training_errors_name_the_hyperparameter():
    with pytest.raises(ValueError, match=exactly("hidden must be at least 1; got 0")):
        train_intent_classifier(hidden=0)
    with pytest.raises(ValueError, match=exactly("steps must be at least 1; got 0")):
        train_intent_classifier(steps=0)
    with pytest.raises(ValueError, match=exactly("learning_rate must be a single number; got an array of shape (2,)")):
        train_intent_classifier(learning_rate=[0.1, 0.2])


def test_training_takes_adam_steps_on_the_torch_autograd_gradient():
    """Adam written as torch.optim.Adam documents it (torch.optim itself imports torch._dynamo: 2 s)."""
    examples = (("a b", "yes"), ("b a c", "no"), ("c", "yes"), ("c b", "no"))
    model = train_intent_classifier(examples, hidden=2, steps=4, learning_rate=0.1, seed=3)
    assert model["vocab"].tokens == ["a", "b", "c"] and model["intents"] == ("yes", "no")
    module = module_with_params("RNN", model["initial"])
    linear = torch.nn.Linear(2, 2).double()
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(model["initial_readout"]["weight"]))
        linear.bias.copy_(torch.from_numpy(model["initial_readout"]["bias"]))
    weights = [*module.parameters(), *linear.parameters()]
    first = [torch.zeros_like(w) for w in weights]
    second = [torch.zeros_like(w) for w in weights]
    sentences = [torch.from_numpy(np.eye(3)[indices]) for indices in ([0, 1], [1, 0, 2], [2], [2, 1])]
    labels = torch.tensor([0, 1, 0, 1])
    losses = []
    for step in range(1, 5):
        logits = torch.stack([linear(module(x)[0][-1]) for x in sentences])
        loss = torch.nn.functional.cross_entropy(logits, labels)
        grads = torch.autograd.grad(loss, weights)
        losses.append(loss.item())
        with torch.no_grad():
            for w, g, m, v in zip(weights, grads, first, second):
                m.mul_(0.9).add_(g, alpha=0.1)
                v.mul_(0.999).addcmul_(g, g, value=0.001)
                denominator = v.sqrt() / (1 - 0.999**step) ** 0.5 + 1e-8
                w.addcdiv_(m, denominator, value=-0.1 / (1 - 0.9**step))
    np.testing.assert_allclose(model["losses"], losses, rtol=1e-13)
    for key, value in model["rnn_params"].items():
        np.testing.assert_allclose(value, getattr(module, f"{key}_l0").detach().numpy(), rtol=0, atol=1e-13, err_msg=key)
    np.testing.assert_allclose(model["readout"]["weight"], linear.weight.detach().numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(model["readout"]["bias"], linear.bias.detach().numpy(), rtol=0, atol=1e-13)
