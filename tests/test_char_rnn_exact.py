"""Chapter 3's numpy character RNN, exactly: whole error messages of the backward pass and the
optimizers, the optimizers' defaults and running sums, and state_gradient_norms with h0 and
steps without a target."""

import numpy as np
import pytest

from rnn_helpers.char_rnn import (Adagrad, GradientDescent, char_rnn_backward, char_rnn_forward, generate,
                                  init_char_rnn, state_gradient_norms)
from rnn_helpers.vocab import Vocabulary
from reference import exactly

VOCAB = Vocabulary(list("Pleas"))
X = VOCAB.one_hot("Pleas")
TARGETS = VOCAB.encode("lease")


# ---------------------------------------------------------------- char_rnn_backward


@pytest.mark.parametrize("cache, shown", [([1, 2], "list"), ({"h": np.zeros((5, 3))}, "dict")])
def test_backward_refuses_what_is_not_the_forward_cache(cache, shown):
    with pytest.raises(TypeError, match=exactly(
            "cache must be the dict char_rnn_forward returns third: "
            f"`probs, h, cache = char_rnn_forward(x, params)`; got {shown}")):
        char_rnn_backward(np.zeros((5, 5)), cache)


def test_backward_messages_about_dlogits():
    _, _, cache = char_rnn_forward(X, init_char_rnn(5, 3, 0))
    dlogits = np.zeros((5, 5))
    dlogits[1, 2] = np.nan
    with pytest.raises(ValueError, match=exactly(
            "dlogits must be finite, but it holds 1 NaN or infinite value(s); the first is nan at index (1, 2)")):
        char_rnn_backward(dlogits, cache)
    with pytest.raises(ValueError, match=exactly(
            "dlogits must have shape (5, 5) (the shape of the forward pass's logits, (T, V)); got (4, 5)")):
        char_rnn_backward(np.zeros((4, 5)), cache)


# ---------------------------------------------------------------- state_gradient_norms


def test_state_gradient_norms_continue_from_h0():
    """Started from the state after step 1, the norms of steps 2..5 are those of the whole run."""
    params = init_char_rnn(5, 4, 11)
    whole = state_gradient_norms(params, X, TARGETS)
    _, h, _ = char_rnn_forward(X, params)
    rest = state_gradient_norms(params, X[1:], TARGETS[1:], h0=h[0])
    np.testing.assert_allclose(rest, whole[1:, 1:], rtol=1e-12, atol=0)


def test_state_gradient_norms_leave_a_row_without_target_at_zero_and_go_on():
    params = init_char_rnn(5, 4, 11)
    whole = state_gradient_norms(params, X, TARGETS)
    targets = TARGETS.copy()
    targets[2] = -1
    norms = state_gradient_norms(params, X, targets)
    assert np.all(norms[2] == 0)
    np.testing.assert_array_equal(np.delete(norms, 2, axis=0), np.delete(whole, 2, axis=0))


# ---------------------------------------------------------------- the optimizers


def test_optimizer_defaults():
    params = init_char_rnn(5, 3, 0)
    adagrad = Adagrad(params)
    assert (adagrad.lr, adagrad.eps) == (0.1, 1e-10)
    assert GradientDescent(params).lr == 0.1


@pytest.mark.parametrize("params, shown", [({}, "dict"), ([np.zeros(2)], "list")])
def test_adagrad_refuses_what_is_not_a_non_empty_dict(params, shown):
    with pytest.raises(TypeError, match=exactly(f"params must be a non-empty dict of numpy arrays; got {shown}")):
        Adagrad(params)


def test_adagrad_names_a_bad_eps():
    with pytest.raises(ValueError, match=exactly("eps must be a positive finite number; got 0")):
        Adagrad(init_char_rnn(5, 3, 0), eps=0)


def test_adagrad_sums_squared_gradients_in_float64_for_float32_parameters():
    params = {"w": np.array([1.0, -2.0, 0.5], dtype=np.float32)}
    optimizer = Adagrad(params)
    grad = np.array([0.1, 1 / 3, 3.0])
    optimizer.step(params, {"w": grad})
    assert optimizer.sums["w"].dtype == np.float64
    np.testing.assert_array_equal(optimizer.sums["w"], grad * grad)


def test_optimizer_step_messages_name_the_argument_and_the_entry():
    params = init_char_rnn(5, 3, 0)
    optimizer = Adagrad(params)
    grads = {key: np.zeros_like(value) for key, value in params.items()}
    with pytest.raises(TypeError, match=exactly("params must be a dict of numpy arrays; got list")):
        optimizer.step(list(params.values()), grads)
    with pytest.raises(TypeError, match=exactly("grads must be a dict of numpy arrays; got tuple")):
        optimizer.step(params, tuple(grads.values()))
    with pytest.raises(ValueError, match=exactly(
            "params must have the keys ['bias_hh', 'bias_ih', 'bias_y', 'weight_hh', 'weight_hy', 'weight_ih']; "
            "got ['bias_hh', 'bias_ih', 'weight_hh', 'weight_hy', 'weight_ih']")):
        optimizer.step({key: value for key, value in params.items() if key != "bias_y"}, grads)
    with pytest.raises(ValueError, match=exactly(
            "params['bias_y'] must have shape (5,) (the shape the optimizer was built with); got (2,)")):
        optimizer.step({**params, "bias_y": np.zeros(2)}, grads)
    with pytest.raises(ValueError, match=exactly(
            "params['bias_y'] must be finite, but it holds 5 NaN or infinite value(s); "
            "the first is inf at index (0,)")):
        optimizer.step({**params, "bias_y": np.full(5, np.inf)}, grads)
    with pytest.raises(ValueError, match=exactly(
            "grads['bias_y'] must have shape (5,) (the shape of params['bias_y']); got (2,)")):
        optimizer.step(params, {**grads, "bias_y": np.zeros(2)})


# ---------------------------------------------------------------- generate


def test_generate_names_start_in_its_message():
    with pytest.raises(ValueError, match=exactly(
            "'x' is not in the vocabulary ['P', 'l', 'e', 'a', 's'] (it is in start)")):
        generate(init_char_rnn(5, 3, 0), VOCAB, "Px", 3)


@pytest.mark.parametrize("seed", [None, 4])
def test_argmax_mode_writes_the_most_likely_character_at_every_step(seed):
    """Replayed from one run over the whole text; a seed changes nothing in this mode."""
    params = {key: 3.0 * value for key, value in init_char_rnn(5, 6, 2).items()}
    text = generate(params, VOCAB, "Pl", 12, seed=seed)
    probs, _, _ = char_rnn_forward(VOCAB.one_hot(text[:-1]), params)
    assert text[2:] == "".join(VOCAB.tokens[i] for i in probs[1:].argmax(axis=1))


# ---------------------------------------------------------------- init_char_rnn and the parameter checks


def test_init_char_rnn_draws_uniform_within_one_over_root_h_in_key_order():
    params = init_char_rnn(5, 4, 7)
    rng = np.random.default_rng(7)
    for key, shape in [("weight_ih", (4, 5)), ("weight_hh", (4, 4)), ("bias_ih", (4,)), ("bias_hh", (4,)),
                       ("weight_hy", (5, 4)), ("bias_y", (5,))]:
        np.testing.assert_array_equal(params[key], rng.uniform(-0.5, 0.5, shape), err_msg=key)


@pytest.mark.parametrize("vocab_size, hidden_size, message", [
    (0, 3, "vocab_size must be a positive integer; got 0"),
    (5, 2.5, "hidden_size must be a positive integer; got 2.5"),
    (True, 3, "vocab_size must be a positive integer; got True"),
])
def test_init_char_rnn_messages(vocab_size, hidden_size, message):
    with pytest.raises(ValueError, match=exactly(message)):
        init_char_rnn(vocab_size, hidden_size, 0)


def test_output_layer_shape_messages_give_v_and_h():
    params = init_char_rnn(5, 3, 0)
    with pytest.raises(ValueError, match=exactly(
            "params['weight_hy'] must have shape (5, 3) ((V, H): one row of scores per character, "
            "V = 5 and H = 3 from weight_ih); got (4, 3)")):
        char_rnn_forward(X, {**params, "weight_hy": np.zeros((4, 3))})
    with pytest.raises(ValueError, match=exactly(
            "params['bias_y'] must have shape (5,) ((V,) with V = 5 from weight_ih); got (4,)")):
        char_rnn_forward(X, {**params, "bias_y": np.zeros(4)})
