"""The torch.nn character RNN, loaded with numpy weights, computes what the numpy model computes."""

import numpy as np
import pytest
import torch

from rnn_helpers.char_rnn import CHAR_RNN_KEYS, Adagrad, char_rnn_forward, char_rnn_loss, init_char_rnn
from rnn_helpers.torch_models import char_params_from_torch, torch_char_rnn, torch_loss_and_grads
from rnn_helpers.vocab import Vocabulary
from reference import exactly, finite_difference

VOCAB = Vocabulary(list("Pleas."))
X = VOCAB.one_hot("Please")
TARGETS = VOCAB.encode("lease.")


def random_char_params(rng, hidden, seed):
    """Character-RNN weights of the right shapes for 6 characters, drawn N(0, 0.8^2) from ``rng``."""
    return {key: rng.normal(0, 0.8, value.shape) for key, value in init_char_rnn(6, hidden, seed).items()}


def assert_same_gradients(grads, torch_grads):
    for key in CHAR_RNN_KEYS:
        np.testing.assert_allclose(grads[key], torch_grads[key], rtol=1e-9, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("hidden, seed", [(1, 0), (4, 1), (10, 2), (16, 3)])
def test_same_probabilities_loss_and_gradients_on_random_weights(hidden, seed):
    rng = np.random.default_rng(seed)
    params = random_char_params(rng, hidden, seed)
    h0 = rng.normal(size=hidden)
    probs, _, _ = char_rnn_forward(X, params, h0)
    loss, grads = char_rnn_loss(params, X, TARGETS, h0)
    torch_loss, torch_probs, torch_grads = torch_loss_and_grads(params, X, TARGETS, h0)
    np.testing.assert_allclose(probs, torch_probs, atol=1e-13)
    assert loss == pytest.approx(torch_loss, abs=1e-13)
    assert set(torch_grads) == set(CHAR_RNN_KEYS) | {"h0"}
    assert_same_gradients(grads, torch_grads)


def test_hidden_states_match_torch_module():
    params = init_char_rnn(6, 5, 7)
    module = torch_char_rnn(params)
    logits, h = module(torch.from_numpy(X))
    _, h_numpy, cache = char_rnn_forward(X, params)
    np.testing.assert_allclose(h_numpy, h.detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(cache["logits"], logits.detach().numpy(), atol=1e-14)


def test_round_trip_through_torch_keeps_every_weight():
    params = init_char_rnn(6, 5, 8)
    back = char_params_from_torch(torch_char_rnn(params))
    for key in CHAR_RNN_KEYS:
        np.testing.assert_array_equal(back[key], params[key])


def test_training_side_by_side_with_torch_optim_adagrad():
    torch.manual_seed(0)
    params = init_char_rnn(6, 10, 0)
    module = torch_char_rnn(params)
    optimizer = torch.optim.Adagrad(module.parameters(), lr=0.1)
    numpy_optimizer = Adagrad(params, lr=0.1)
    for _ in range(10):
        _, grads = char_rnn_loss(params, X, TARGETS)
        numpy_optimizer.step(params, grads)
        optimizer.zero_grad()
        logits, _ = module(torch.from_numpy(X))
        torch.nn.functional.cross_entropy(logits, torch.from_numpy(TARGETS)).backward()
        optimizer.step()
    trained = char_params_from_torch(module)
    for key in CHAR_RNN_KEYS:
        np.testing.assert_allclose(params[key], trained[key], atol=1e-11, err_msg=key)


def test_float32_module_is_possible_but_only_close():
    params = init_char_rnn(6, 5, 9)
    module = torch_char_rnn(params, dtype=torch.float32)
    logits, _ = module(torch.from_numpy(X).float())
    _, _, cache = char_rnn_forward(X, params)
    difference = np.abs(cache["logits"] - logits.detach().double().numpy()).max()
    assert 0 < difference < 1e-5


def test_bad_input_is_refused():
    params = init_char_rnn(6, 3, 0)
    with pytest.raises(ValueError, match=r"x must have 6 features"):
        torch_loss_and_grads(params, X[:, :5], TARGETS)
    with pytest.raises(ValueError, match=r"targets must have shape \(6,\)"):
        torch_loss_and_grads(params, X, TARGETS[:3])
    with pytest.raises(TypeError, match=r"must be a TorchCharRNN"):
        char_params_from_torch(torch.nn.RNN(3, 3))


# ---- h0, ignored targets, T != V and whole messages (issue 20: each test below was written against a mutant)


def test_h0_gradient_matches_finite_differences_of_the_numpy_loss():
    params = random_char_params(np.random.default_rng(11), 3, 11)
    h0 = np.array([0.3, -0.7, 0.1])
    _, _, torch_grads = torch_loss_and_grads(params, X, TARGETS, h0)
    nudged = h0.copy()  # finite_difference moves its entries in place
    numeric = finite_difference(lambda: char_rnn_loss(params, X, TARGETS, nudged)[0], nudged)
    np.testing.assert_allclose(torch_grads["h0"], numeric, rtol=1e-6, atol=1e-9)
    assert torch_grads["h0"].dtype == np.float64 and torch_grads["h0"].shape == (3,)


@pytest.mark.parametrize("h0", [[1, 0, -1], np.array([1.0, 0.0, -1.0], dtype=np.float32)])
def test_h0_may_be_a_list_of_ints_or_float32(h0):
    params = random_char_params(np.random.default_rng(12), 3, 12)
    loss, grads = char_rnn_loss(params, X, TARGETS, np.array([1.0, 0.0, -1.0]))
    torch_loss, _, torch_grads = torch_loss_and_grads(params, X, TARGETS, h0)
    assert torch_loss == pytest.approx(loss, abs=1e-13)
    assert_same_gradients(grads, torch_grads)


def test_without_h0_the_state_starts_at_zero_and_there_is_no_h0_gradient():
    params = random_char_params(np.random.default_rng(13), 4, 13)
    loss, grads = char_rnn_loss(params, X, TARGETS)
    torch_loss, torch_probs, torch_grads = torch_loss_and_grads(params, X, TARGETS)
    probs, _, _ = char_rnn_forward(X, params, np.zeros(4))
    assert torch_loss == pytest.approx(loss, abs=1e-13)
    np.testing.assert_allclose(torch_probs, probs, atol=1e-13)
    assert set(torch_grads) == set(CHAR_RNN_KEYS)
    assert_same_gradients(grads, torch_grads)


def test_steps_with_target_minus_one_are_left_out_of_the_mean():
    params = random_char_params(np.random.default_rng(14), 4, 14)
    targets = TARGETS.copy()
    targets[[0, 3]] = -1  # four steps keep a target
    probs, _, _ = char_rnn_forward(X, params)
    kept = [t for t in range(6) if targets[t] != -1]
    expected = -np.mean(np.log(probs[kept, targets[kept]]))
    torch_loss, torch_probs, torch_grads = torch_loss_and_grads(params, X, targets)
    assert torch_loss == pytest.approx(expected, abs=1e-13)
    np.testing.assert_allclose(torch_probs, probs, atol=1e-13)
    _, grads = char_rnn_loss(params, X, targets)
    assert_same_gradients(grads, torch_grads)


def test_a_sequence_shorter_than_the_vocabulary():
    params = random_char_params(np.random.default_rng(15), 5, 15)
    x, targets = VOCAB.one_hot("Plea"), VOCAB.encode("leas")  # T = 4, V = 6
    loss, grads = char_rnn_loss(params, x, targets)
    torch_loss, torch_probs, torch_grads = torch_loss_and_grads(params, x, targets)
    assert torch_probs.shape == (4, 6)
    assert torch_loss == pytest.approx(loss, abs=1e-13)
    assert_same_gradients(grads, torch_grads)


class OnlyAnRNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.RNN(3, 3)


@pytest.mark.parametrize("module, name", [(torch.nn.RNN(3, 3), "RNN"), (OnlyAnRNN(), "OnlyAnRNN")])
def test_char_params_from_torch_refuses_other_modules_with_the_whole_message(module, name):
    with pytest.raises(TypeError, match=exactly(f"module must be a TorchCharRNN (made by torch_char_rnn), got {name}")):
        char_params_from_torch(module)
