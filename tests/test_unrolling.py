"""Chapter 2's helpers against rnn_forward, torch.nn modules, autograd and finite differences."""

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn import rnn_forward
from rnn_helpers.unrolling import (
    INTENT_EXAMPLES,
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
from reference import finite_difference, module_with_params, random_params


def torch_cell(layer, nonlinearity="tanh"):
    """A float64 torch.nn.RNNCell holding one layer's parameters."""
    hidden, input_size = layer["weight_ih"].shape
    cell = torch.nn.RNNCell(input_size, hidden, nonlinearity=nonlinearity).double()
    with torch.no_grad():
        for key, value in layer.items():
            getattr(cell, key).copy_(torch.from_numpy(value))
    return cell


# --- the stack ---------------------------------------------------------------------------

@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "sigmoid", "linear"])
@pytest.mark.parametrize("steps, input_size, hidden", [(1, 1, 1), (3, 2, 4), (6, 5, 3)])
def test_shared_weight_stack_is_rnn_forward(steps, input_size, hidden, nonlinearity):
    rng = np.random.default_rng(steps)
    params = random_layer(rng, input_size, hidden)
    x = rng.normal(size=(steps, input_size))
    h0 = rng.normal(size=hidden)
    stack = stack_forward(list(x), tied_stack(params, steps), nonlinearity, h0)
    rolled, _ = rnn_forward(x, params, h0, nonlinearity)
    np.testing.assert_allclose(stack, rolled, rtol=0, atol=1e-14)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_shared_weight_stack_matches_torch_rnn(nonlinearity):
    rng = np.random.default_rng(7)
    params = random_params(rng, 3, 4)
    x = rng.normal(size=(5, 3))
    expected, _ = module_with_params("RNN", params, nonlinearity)(torch.from_numpy(x))
    np.testing.assert_allclose(stack_forward(list(x), tied_stack(params, 5), nonlinearity),
                               expected.detach().numpy(), atol=1e-12)


def test_untied_stack_matches_one_torch_cell_per_layer():
    rng = np.random.default_rng(1)
    layers = untied_stack(rng, 4, 3, 5)
    inputs = [rng.normal(size=3), None, rng.normal(size=3), None]
    h = torch.zeros(5, dtype=torch.float64)
    expected = []
    for x, layer in zip(inputs, layers):
        x_t = torch.zeros(3, dtype=torch.float64) if x is None else torch.from_numpy(x)  # no input = zero input
        h = torch_cell(layer)(x_t[None], h[None])[0]
        expected.append(h.detach().numpy())
    np.testing.assert_allclose(stack_forward(inputs, layers), np.array(expected), atol=1e-12)
    # Different weights per layer: not what the recurrent layer with layer 0's weights computes.
    full = rng.normal(size=(4, 3))
    assert not np.allclose(stack_forward(list(full), layers), rnn_forward(full, layers[0])[0])


def test_tied_layers_are_one_set_of_weights():
    rng = np.random.default_rng(2)
    params = random_layer(rng, 2, 3)
    stack = tied_stack(params, 4)
    assert all(layer is stack[0] for layer in stack)
    x = list(rng.normal(size=(4, 2)))
    before = stack_forward(x, stack)
    stack[2]["weight_hh"] *= 0.0  # one change reaches every layer
    after = stack_forward(x, stack)
    assert not np.allclose(before[1:], after[1:])
    np.testing.assert_allclose(after, rnn_forward(np.array(x), {**params, "weight_hh": np.zeros((3, 3))})[0], atol=1e-14)


@pytest.mark.parametrize("input_size, hidden", [(1, 1), (5, 8), (25, 4)])
def test_parameter_counts_match_torch(input_size, hidden):
    per_layer = sum(p.numel() for p in torch.nn.RNN(input_size, hidden).parameters())
    rng = np.random.default_rng(0)
    params = random_layer(rng, input_size, hidden)
    for layers in (1, 3, 100):
        assert count_parameters(tied_stack(params, layers)) == per_layer
        assert count_parameters(untied_stack(rng, layers, input_size, hidden)) == layers * per_layer


# --- the scalar neuron -------------------------------------------------------------------

@pytest.mark.parametrize("w_rec", [0.1, 0.5, 1.0, 2.0, -0.7])
def test_unrolled_sum_is_the_linear_neuron(w_rec):
    x = np.random.default_rng(3).normal(size=5)
    terms = unrolled_terms(x, w_rec, w_in=1.5)
    assert scalar_neuron(x, w_rec, w_in=1.5)[-1] == pytest.approx(terms.sum(), rel=1e-12, abs=1e-12)
    # each term's coefficient is d h_5 / d x_k, which autograd finds on a plain loop
    x_t = torch.tensor(x, requires_grad=True)
    h = torch.zeros((), dtype=torch.float64)
    for t in range(5):
        h = 1.5 * x_t[t] + w_rec * h
    h.backward()
    np.testing.assert_allclose(terms / x, x_t.grad.numpy(), rtol=1e-12)


def test_the_sources_numbers():
    # W2 = 0.1: x_1 reaches step 5 multiplied by 0.1**4 = 0.0001 (0.01 %); W2 = 2: by 16.
    assert unrolled_terms([1, 0, 0, 0, 0], 0.1)[0] == pytest.approx(1e-4)
    assert unrolled_terms([1, 0, 0, 0, 0], 2.0)[0] == pytest.approx(16.0)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_scalar_neuron_matches_torch(nonlinearity):
    x = np.random.default_rng(4).normal(size=6)
    module = torch.nn.RNN(1, 1, nonlinearity=nonlinearity, bias=False).double()
    with torch.no_grad():
        module.weight_ih_l0.fill_(0.8)
        module.weight_hh_l0.fill_(-1.3)
    h0 = torch.full((1, 1), 0.25, dtype=torch.float64)
    expected, _ = module(torch.from_numpy(x)[:, None], h0)
    np.testing.assert_allclose(scalar_neuron(x, -1.3, 0.8, nonlinearity, h0=0.25), expected.detach().numpy()[:, 0], atol=1e-12)


def test_unrolled_sum_latex():
    assert unrolled_sum_latex(1) == "h_{1} = x_{1}"
    assert unrolled_sum_latex(3) == "h_{3} = x_{3} + W_2 x_{2} + W_2^{2} x_{1}"
    assert unrolled_sum_latex(3, per_line=3) == unrolled_sum_latex(3)
    assert unrolled_sum_latex(5, per_line=3) == ("\\begin{aligned} h_{5} &= x_{5} + W_2 x_{4} + W_2^{2} x_{3} "
                                                 "\\\\ &\\quad + W_2^{3} x_{2} + W_2^{4} x_{1} \\end{aligned}")
    with pytest.raises(ValueError, match="per_line"):
        unrolled_sum_latex(5, per_line=0)
    five = unrolled_sum_latex(5, weight="w")
    assert five.count("+") == 4 and five.endswith("w^{4} x_{1}")


# --- the intent classifier ---------------------------------------------------------------

def classifier_case(seed=5):
    rng = np.random.default_rng(seed)
    vocab = intent_vocabulary()
    sentences = [vocab.one_hot(s.split()) for s, _ in INTENT_EXAMPLES[:5]]
    labels = [0, 0, 1, 2, 1]
    params = random_layer(rng, len(vocab), 3)
    readout = {"weight": rng.normal(size=(3, 3)), "bias": rng.normal(size=3)}
    return sentences, labels, params, readout


def test_classifier_gradients_match_torch_autograd():
    sentences, labels, params, readout = classifier_case()
    loss, rnn_grads, readout_grads = classifier_loss_and_grads(sentences, labels, params, readout)
    module = module_with_params("RNN", params)
    linear = torch.nn.Linear(3, 3).double()
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(readout["weight"]))
        linear.bias.copy_(torch.from_numpy(readout["bias"]))
    logits = torch.stack([linear(module(torch.from_numpy(x))[0][-1]) for x in sentences])
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(labels))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    for key in params:
        np.testing.assert_allclose(rnn_grads[key], getattr(module, f"{key}_l0").grad.numpy(), atol=1e-12, err_msg=key)
    np.testing.assert_allclose(readout_grads["weight"], linear.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(readout_grads["bias"], linear.bias.grad.numpy(), atol=1e-12)


def test_classifier_gradients_match_finite_differences():
    sentences, labels, params, readout = classifier_case(6)
    _, rnn_grads, readout_grads = classifier_loss_and_grads(sentences, labels, params, readout)

    def loss():
        return classifier_loss_and_grads(sentences, labels, params, readout)[0]

    for key in params:
        np.testing.assert_allclose(rnn_grads[key], finite_difference(loss, params[key]), rtol=1e-5, atol=1e-8, err_msg=key)
    for key in readout:
        np.testing.assert_allclose(readout_grads[key], finite_difference(loss, readout[key]), rtol=1e-5, atol=1e-8, err_msg=key)


def test_training_learns_every_example_and_is_reproducible():
    model = train_intent_classifier()
    again = train_intent_classifier()
    assert model["losses"][-1] < 0.05 * model["losses"][0]
    for key in model["rnn_params"]:
        np.testing.assert_array_equal(model["rnn_params"][key], again["rnn_params"][key])
        assert not np.allclose(model["rnn_params"][key], model["initial"][key])  # training moved every weight
    for key in model["readout"]:  # the read-out as it was before training is kept, and training moved it
        assert model["initial_readout"][key].shape == model["readout"][key].shape
        assert not np.allclose(model["readout"][key], model["initial_readout"][key])
    np.testing.assert_array_equal(model["initial_readout"]["bias"], 0.0)
    vocab, intents = model["vocab"], model["intents"]
    for sentence, intent in INTENT_EXAMPLES:
        logits, _, _ = intent_logits(vocab.one_hot(sentence.split()), model["rnn_params"], model["readout"])
        assert intents[int(np.argmax(logits))] == intent, sentence
    assert softmax(np.array([1000.0, 0.0])).tolist() == [1.0, 0.0]


def test_removal_effect_is_the_unrolled_term_for_the_linear_neuron():
    x = np.random.default_rng(8).normal(size=(5, 1))
    params = {"weight_ih": np.ones((1, 1)), "weight_hh": np.full((1, 1), 0.6),
              "bias_ih": np.zeros(1), "bias_hh": np.zeros(1)}
    np.testing.assert_allclose(removal_effect(x, params, "linear"), np.abs(unrolled_terms(x[:, 0], 0.6)), atol=1e-14)


def test_removal_effect_matches_torch_with_a_word_left_out():
    rng = np.random.default_rng(9)
    params = random_params(rng, 4, 3)
    x = np.eye(4)[[0, 2, 1, 3, 2]]
    module = module_with_params("RNN", params)
    final = module(torch.from_numpy(x))[0][-1]
    for k, effect in enumerate(removal_effect(x, params)):
        blanked = torch.from_numpy(x).clone()
        blanked[k] = 0.0
        assert effect == pytest.approx(torch.linalg.norm(final - module(blanked)[0][-1]).item(), abs=1e-12)


# --- bad input ---------------------------------------------------------------------------

def test_bad_input_is_refused_with_a_clear_message():
    params = random_layer(np.random.default_rng(0), 2, 3)
    with pytest.raises(TypeError, match=r"steps must be a whole number of time steps \(an int\), got float 2.5"):
        check_steps(2.5)
    with pytest.raises(ValueError, match="layers must be at least 1; got 0"):
        tied_stack(params, 0)
    with pytest.raises(ValueError, match="steps must be from 1 to 16; got 17"):
        check_steps(17, maximum=16)
    with pytest.raises(ValueError, match="inputs and layers must be non-empty and of the same length; got 2 inputs and 3 layers"):
        stack_forward([np.zeros(2)] * 2, tied_stack(params, 3))
    with pytest.raises(ValueError, match=r"inputs\[1\] must have shape \(2,\) \(the input size of layers\[1\]"):
        stack_forward([np.zeros(2), np.zeros(5)], tied_stack(params, 2))
    with pytest.raises(TypeError, match="inputs must be a list"):
        stack_forward(np.zeros((2, 2)), tied_stack(params, 2))
    with pytest.raises(ValueError, match=r"layers\[1\] has hidden size 4; every layer must have hidden size 3"):
        stack_forward([None, None], [params, random_layer(np.random.default_rng(1), 2, 4)])
    with pytest.raises(ValueError, match=r"x must be 1-D \(T,\), one number per step; got shape \(5, 1\)"):
        scalar_neuron(np.zeros((5, 1)), 0.5)
    with pytest.raises(ValueError, match=r"w_rec must be a single number; got an array of shape \(2,\)"):
        unrolled_terms([1.0, 2.0], [0.1, 0.2])
    with pytest.raises(ValueError, match="x is an empty sequence"):
        unrolled_terms([], 0.5)
    with pytest.raises(ValueError, match="w_rec must be finite"):
        scalar_neuron([1.0], np.nan)
    sentences, labels, params3, readout = classifier_case()
    with pytest.raises(ValueError, match=r"labels must be class indices from 0 to 2; got 3"):
        classifier_loss_and_grads(sentences, [0, 0, 1, 2, 3], params3, readout)
    with pytest.raises(ValueError, match=r"readout\['weight'\] must be 2-D of shape \(classes, 3\)"):
        intent_logits(sentences[0], params3, {"weight": np.zeros((3, 4)), "bias": np.zeros(3)})
    with pytest.raises(ValueError, match=r"readout\['bias'\] must have shape \(3,\)"):
        intent_logits(sentences[0], params3, {"weight": np.zeros((3, 3)), "bias": np.zeros(2)})
    with pytest.raises(ValueError, match="learning_rate must be positive"):
        train_intent_classifier(learning_rate=0.0)
