"""The shared input checks of rnn_helpers._validate, called directly (issue 20).

Every public helper goes through these checks, so hundreds of tests reach them; the tests here
pin what those leave open: the exact boundaries (2**53 on both sides, a count's minimum, a step
size of 0), booleans refused as numbers, the default argument names, and each whole message, as
the reader meets it (through a public function where that is where the reader sees it).
"""

import numpy as np
import pytest
from reference import exactly

from rnn_helpers._validate import (
    as_float_array,
    check_count,
    check_generation_options,
    check_params,
    check_positive_number,
    check_vocab,
)
from rnn_helpers.bigram import bigram_generate, fit_bigram
from rnn_helpers.char_rnn import Adagrad, char_rnn_forward, init_char_rnn
from rnn_helpers.jacobians import vanishing_bound
from rnn_helpers.vocab import Vocabulary

LIMIT = 2**53  # 9007199254740992: every integer of magnitude <= 2**53 is a float64 exactly


# --- as_float_array: the 2**53 boundary on the negative side ---------------------------------

def test_integers_of_magnitude_exactly_2_to_the_53_are_converted_exactly():
    x = np.array([-LIMIT, LIMIT, 0], dtype=np.int64)
    out = as_float_array(x, "x")
    assert out.dtype == np.float64
    assert out.tolist() == [-9007199254740992.0, 9007199254740992.0, 0.0]
    # each converts back to the same integer: nothing was rounded
    assert [int(v) for v in out] == [-LIMIT, LIMIT, 0]


@pytest.mark.parametrize("value", [-LIMIT - 1, LIMIT + 1])
def test_integers_one_beyond_2_to_the_53_are_refused_on_either_side(value):
    # 2**53 + 1 = 9007199254740993 is the first integer float64 cannot hold (it would round to 2**53)
    x = np.array([3, value, 4], dtype=np.int64)
    message = ("x holds integers beyond 2**53 (largest magnitude 9007199254740993), which float64 cannot "
               "hold exactly; convert x to float yourself if the rounding is acceptable")
    with pytest.raises(ValueError, match=exactly(message)):
        as_float_array(x, "x")


# --- check_params: default name, whole messages ----------------------------------------------

def test_check_params_refuses_a_non_mapping_naming_its_type_and_params_by_default():
    message = "params must be a dict of arrays with keys ['weight', 'bias'], got list"
    with pytest.raises(TypeError, match=exactly(message)):
        check_params([np.zeros(2), np.zeros(2)], ("weight", "bias"))


def test_check_params_names_missing_and_unexpected_keys_joined_by_and():
    params = {"weight": np.eye(2), "Bias": np.zeros(2), "scale": 1.0}
    message = ("params must have exactly the keys ['weight', 'bias']; missing ['bias'] "
               "and unexpected ['Bias', 'scale']")
    with pytest.raises(ValueError, match=exactly(message)):
        check_params(params, ("weight", "bias"))


def test_check_params_returns_float64_arrays_under_the_expected_keys():
    out = check_params({"bias": [1, 2], "weight": np.eye(2, dtype=np.float32)}, ("weight", "bias"))
    assert list(out) == ["weight", "bias"]
    assert all(value.dtype == np.float64 for value in out.values())
    assert out["bias"].tolist() == [1.0, 2.0]


def test_char_rnn_forward_names_params_when_a_key_is_missing():
    params = init_char_rnn(3, 4, seed=0)
    del params["bias_y"]
    message = ("params must have exactly the keys ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh', "
               "'weight_hy', 'bias_y']; missing ['bias_y']")
    with pytest.raises(ValueError, match=exactly(message)):
        char_rnn_forward(np.eye(3), params)


# --- check_generation_options -----------------------------------------------------------------

def test_sampling_without_a_seed_asks_for_one():
    message = "mode='sample' draws random characters: give a seed so the text is reproducible"
    with pytest.raises(ValueError, match=exactly(message)):
        check_generation_options("sample", None, 5)
    vocab = Vocabulary(["a", "b"])
    table = fit_bigram(["ab", "ba"], vocab)
    with pytest.raises(ValueError, match=exactly(message)):
        bigram_generate(table, vocab, "a", 3, mode="sample")


# --- check_vocab: default name, whole message -------------------------------------------------

def test_check_vocab_names_vocab_and_the_type_that_arrived():
    message = "vocab must be a Vocabulary (rnn_helpers.vocab.Vocabulary(tokens)); got list"
    with pytest.raises(TypeError, match=exactly(message)):
        check_vocab(["a", "b"])
    with pytest.raises(TypeError, match=exactly(message)):
        fit_bigram(["ab"], ["a", "b"])


def test_check_vocab_returns_a_vocabulary_unchanged():
    vocab = Vocabulary(["a", "b"])
    assert check_vocab(vocab) is vocab


# --- check_count: the default minimum is 1, and the wording for other minimums ----------------

def test_check_count_accepts_one_by_default_and_refuses_zero():
    assert check_count(1, "n") == 1
    assert type(check_count(np.int64(1), "n")) is int
    with pytest.raises(ValueError, match=exactly("n must be a positive integer; got 0")):
        check_count(0, "n")


def test_check_count_says_the_minimum_when_it_is_neither_0_nor_1():
    assert check_count(3, "steps", minimum=3) == 3
    with pytest.raises(ValueError, match=exactly("steps must be an integer >= 3; got 2")):
        check_count(2, "steps", minimum=3)
    with pytest.raises(TypeError, match=exactly("steps must be an integer >= 3; got float 3.0")):
        check_count(3.0, "steps", minimum=3)


# --- check_positive_number: booleans and strings refused, 0 refused ---------------------------

@pytest.mark.parametrize("value, shown", [(True, "bool True"), (np.bool_(True), "bool np.True_"),
                                          ("0.1", "str '0.1'"), (None, "NoneType None")])
def test_check_positive_number_refuses_booleans_and_non_numbers(value, shown):
    message = f"lr must be a positive finite number; got {shown}"
    with pytest.raises(TypeError, match=exactly(message)):
        check_positive_number(value, "lr")


def test_adagrad_refuses_a_boolean_step_size_with_the_whole_message():
    with pytest.raises(TypeError, match=exactly("lr must be a positive finite number; got bool True")):
        Adagrad({"w": np.zeros(2)}, lr=True)


@pytest.mark.parametrize("value", [0, 0.0, -0.0, np.float64(0.0), -1e-300])
def test_check_positive_number_refuses_zero_and_below(value):
    with pytest.raises(ValueError, match=exactly(f"spectral_norm must be a positive finite number; got {value!r}")):
        check_positive_number(value, "spectral_norm")
    with pytest.raises(ValueError, match=exactly(f"spectral_norm must be a positive finite number; got {value!r}")):
        vanishing_bound(value, "tanh", 3)


def test_check_positive_number_returns_the_smallest_positive_double_as_a_float():
    out = check_positive_number(np.float32(5e-45), "eps")  # below float32's normal range, still > 0
    assert type(out) is float and out == float(np.float32(5e-45)) > 0
    assert check_positive_number(5e-324, "eps") == 5e-324
