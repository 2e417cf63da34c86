"""Issue 16: rnn_helpers never answers wrongly in silence.

Each test here failed on the code before the fix: two bugs of the promised API, the hazards
of modules the parameter dict cannot describe, and errors that must name their cause.
"""

import time
import warnings

import numpy as np
import pytest
import torch

from rnn_helpers import lstm_backward, lstm_forward, params_from_torch, params_to_torch, rnn_backward, rnn_forward
from rnn_helpers.bigram import bigram_generate, fit_bigram
from rnn_helpers.char_rnn import Adagrad, char_rnn_backward, char_rnn_forward, generate, init_char_rnn
from rnn_helpers.formatting import number_text
from rnn_helpers.gradcheck import order_of_magnitude
from rnn_helpers.init import init_readout, init_rnn_params
from rnn_helpers.long_lag import test_set as long_lag_test_set
from rnn_helpers.memory_demos import speeds_from_frames
from rnn_helpers.sequence_tasks import read_out
from rnn_helpers.training import train
from rnn_helpers.vocab import Vocabulary
from reference import random_params

RNG = np.random.default_rng(16)
PARAMS = random_params(RNG, input_size=3, hidden=4)
LSTM_PARAMS = random_params(RNG, input_size=3, hidden=4, gates=4)
X = RNG.normal(size=(6, 2, 3))
DH = RNG.normal(size=(6, 2, 4))


# ---- Bug 1: writing into the returned h must not change later gradients ----------------------

WRITES = {
    "h[:, 0] = 0": lambda h: h.__setitem__((slice(None), 0), 0.0),
    "h *= mask": lambda h: h.__imul__(np.array([1.0, 0.0, 1.0, 0.0])),
    "np.clip(h, -0.1, 0.1, out=h)": lambda h: np.clip(h, -0.1, 0.1, out=h),
    "h[...] = 7": lambda h: h.__setitem__(Ellipsis, 7.0),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_writing_into_rnn_h_leaves_the_gradients_alone(write):
    h, cache = rnn_forward(X, PARAMS)
    expected = rnn_backward(DH, cache)
    h2, cache2 = rnn_forward(X, PARAMS)
    write(h2)
    for key, value in rnn_backward(DH, cache2).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_writing_into_lstm_h_leaves_the_gradients_alone(write):
    _, _, cache = lstm_forward(X, LSTM_PARAMS)
    expected = lstm_backward(DH, cache)
    h2, (h_n, c_n), cache2 = lstm_forward(X, LSTM_PARAMS)
    write(h2)
    h_n[...] = 3.0
    c_n[...] = 3.0
    for key, value in lstm_backward(DH, cache2).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


def test_writing_into_the_char_rnn_outputs_leaves_the_gradients_alone():
    params = init_char_rnn(5, 4, seed=0)
    x = np.eye(5)[[0, 1, 2, 3]]
    dlogits = RNG.normal(size=(4, 5))
    _, _, cache = char_rnn_forward(x, params)
    expected = char_rnn_backward(dlogits, cache)
    probs, h, cache2 = char_rnn_forward(x, params)
    h[:, 0] = 0.0
    probs[...] = 0.0
    for key, value in char_rnn_backward(dlogits, cache2).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


# ---- Bug 2: subclasses of the torch modules are valid input -----------------------------------

@pytest.mark.parametrize("base, gates", [(torch.nn.RNN, 1), (torch.nn.LSTM, 4), (torch.nn.GRU, 3)])
def test_params_from_torch_takes_subclasses(base, gates):
    subclass = type("My" + base.__name__, (base,), {})
    torch.manual_seed(0)
    module = subclass(3, 4)
    params = params_from_torch(module)
    assert params["weight_hh"].shape == (gates * 4, 4)
    np.testing.assert_array_equal(params["weight_ih"], module.weight_ih_l0.detach().double().numpy())
    assert params_to_torch(params, subclass(3, 4)) is not None


# ---- Modules the dict cannot describe: refuse, warn, or be right ------------------------------

def _torch_output(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(x))[0].numpy()


def test_two_layers_are_refused_unless_a_layer_is_chosen():
    torch.manual_seed(0)
    module = torch.nn.RNN(3, 4, num_layers=2).double()
    with pytest.raises(ValueError, match=r"num_layers=2; .* Pass layer=0 \.\. 1"):
        params_from_torch(module)
    with pytest.raises(ValueError, match=r"num_layers=2"):
        params_to_torch(PARAMS, module)
    # With layer= the two dicts reproduce the module exactly, layer 1 reading layer 0's h.
    h0, _ = rnn_forward(X, params_from_torch(module, layer=0))
    h1, _ = rnn_forward(h0, params_from_torch(module, layer=1))
    np.testing.assert_allclose(h1, _torch_output(module, X), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match=r"layer must be below num_layers=2; got 2"):
        params_from_torch(module, layer=2)


def test_params_to_torch_writes_the_chosen_layer_only():
    module = torch.nn.RNN(4, 4, num_layers=2).double()
    layer0 = module.weight_hh_l0.detach().clone()
    params = random_params(RNG, input_size=4, hidden=4)
    params_to_torch(params, module, layer=1)
    np.testing.assert_array_equal(module.weight_hh_l1.detach().numpy(), params["weight_hh"])
    assert torch.equal(module.weight_hh_l0, layer0)


def test_relu_module_warns_and_says_how_to_reproduce_it():
    torch.manual_seed(0)
    module = torch.nn.RNN(3, 4, nonlinearity="relu").double()
    with pytest.warns(UserWarning, match=r"rnn_forward\(x, params, nonlinearity='relu'\)"):
        params = params_from_torch(module)
    h, _ = rnn_forward(X, params, nonlinearity="relu")
    np.testing.assert_allclose(h, _torch_output(module, X), rtol=1e-12, atol=1e-14)


def test_batch_first_module_warns_and_says_how_to_reproduce_it():
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, batch_first=True).double()
    with pytest.warns(UserWarning, match=r"x\.transpose\(1, 0, 2\)"):
        params = params_from_torch(module)
    x_batch_first = X.transpose(1, 0, 2).copy()
    h, _, _ = lstm_forward(x_batch_first.transpose(1, 0, 2), params)
    np.testing.assert_allclose(h.transpose(1, 0, 2), _torch_output(module, x_batch_first), rtol=1e-12, atol=1e-14)


def test_a_plain_module_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params_from_torch(torch.nn.RNN(3, 4))
        params_from_torch(torch.nn.LSTM(3, 4))
        params_from_torch(torch.nn.GRU(3, 4))


@pytest.mark.parametrize("module, pattern", [
    (torch.nn.LSTM(3, 4, bidirectional=True), "bidirectional"),
    (torch.nn.LSTM(3, 4, proj_size=2), "proj_size=2"),
])
def test_modules_beyond_the_dict_are_refused(module, pattern):
    with pytest.raises(ValueError, match=pattern):
        params_from_torch(module)


def test_masked_arrays_are_refused():
    hidden_value = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    hidden_value[0, 0, 0] = 1e6
    hidden_value[0, 0, 0] = np.ma.masked
    with pytest.raises(TypeError, match=r"x is a masked array; its mask would be ignored"):
        rnn_forward(hidden_value, PARAMS)


@pytest.mark.parametrize("hidden, inputs, pattern", [(0, 3, "hidden size 0"), (4, 0, "input size 0")])
def test_size_zero_is_refused(hidden, inputs, pattern):
    params = {"weight_ih": np.zeros((hidden, inputs)), "weight_hh": np.zeros((hidden, hidden)),
              "bias_ih": np.zeros(hidden), "bias_hh": np.zeros(hidden)}
    with pytest.raises(ValueError, match=pattern):
        rnn_forward(np.zeros((2, inputs)), params)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu", "linear"])
def test_forward_overflow_names_the_step(nonlinearity):
    x = np.zeros((5, 3))
    x[2] = 1e308  # 3e308 is beyond float64
    params = {**PARAMS, "weight_ih": np.ones((4, 3))}
    with pytest.raises(FloatingPointError, match=r"rnn_forward overflowed float64 at step t = 3 of 5"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # and no numpy RuntimeWarning on the way
            rnn_forward(x, params, nonlinearity=nonlinearity)


def test_forward_overflow_inside_the_recurrence_names_the_step():
    params = {**PARAMS, "weight_hh": 1e200 * np.eye(4)}
    with pytest.raises(FloatingPointError, match=r"at step t = 3 of 6: the pre-activation"):
        rnn_forward(X, params, nonlinearity="linear")


def test_lstm_forward_overflow_names_the_step():
    x = np.zeros((5, 3))
    x[3] = 1e308
    params = {**LSTM_PARAMS, "weight_ih": np.ones((16, 3))}
    with pytest.raises(FloatingPointError, match=r"lstm_forward overflowed float64 at step t = 4 of 5"):
        lstm_forward(x, params)


def test_backward_overflow_is_named():
    h, cache = rnn_forward(X, PARAMS)
    with pytest.raises(FloatingPointError, match=r"rnn_backward overflowed float64"):
        rnn_backward(np.full_like(h, 1e308), cache)


def test_integers_beyond_2_to_the_53_are_refused():
    x = np.ones((2, 3), dtype=np.int64)
    x[1, 1] = 2**53 + 1
    with pytest.raises(ValueError, match=r"x holds integers beyond 2\*\*53"):
        rnn_forward(x, PARAMS)
    h, _ = rnn_forward(np.ones((2, 3), dtype=np.int64), PARAMS)  # ordinary integers are fine
    np.testing.assert_array_equal(h, rnn_forward(np.ones((2, 3)), PARAMS)[0])


# ---- Errors that name the cause ------------------------------------------------------------

_, RNN_CACHE = rnn_forward(X, PARAMS)
LSTM_H, LSTM_FINAL, LSTM_CACHE = lstm_forward(X, LSTM_PARAMS)


@pytest.mark.parametrize("cache, pattern", [
    (None, "got NoneType"),
    ({}, r"got a dict without \["),
    (rnn_forward(X, PARAMS), "got the whole tuple .* pass only its last value"),
    (RNN_CACHE["h"], "got ndarray"),
    (LSTM_CACHE, "got the cache of lstm_forward: use lstm_backward"),
    (LSTM_FINAL, "got tuple"),
])
def test_rnn_backward_names_a_wrong_cache(cache, pattern):
    with pytest.raises(TypeError, match=r"cache must be the dict the second value rnn_forward returns.*" + pattern):
        rnn_backward(DH, cache)


@pytest.mark.parametrize("cache, pattern", [
    (None, "got NoneType"),
    ({}, r"got a dict without \["),
    (lstm_forward(X, LSTM_PARAMS), "got the whole tuple .* pass only its last value"),
    (LSTM_H, "got ndarray"),
    (RNN_CACHE, "got the cache of rnn_forward: use rnn_backward"),
    (LSTM_FINAL, "got tuple"),
])
def test_lstm_backward_names_a_wrong_cache(cache, pattern):
    with pytest.raises(TypeError, match=r"cache must be the dict the third value lstm_forward returns.*" + pattern):
        lstm_backward(DH, cache)


def test_nonlinearity_may_be_a_numpy_string():
    np.testing.assert_array_equal(rnn_forward(X, PARAMS, nonlinearity=np.array("relu"))[0],
                                  rnn_forward(X, PARAMS, nonlinearity="relu")[0])
    with pytest.raises(TypeError, match=r"nonlinearity must be one of the strings .* got int 1"):
        rnn_forward(X, PARAMS, nonlinearity=1)


def test_adagrad_refuses_nan_gradients_before_changing_anything():
    params = {"w": np.ones(3), "b": np.zeros(2)}
    optimizer = Adagrad(params, lr=np.float32(0.1))  # a numpy number is a number
    with pytest.raises(ValueError, match=r"grads\['w'\] must be finite"):
        optimizer.step(params, {"b": np.ones(2), "w": np.array([1.0, np.nan, 1.0])})
    np.testing.assert_array_equal(params["b"], np.zeros(2))  # nothing was changed
    np.testing.assert_array_equal(optimizer.sums["b"], np.zeros(2))


def test_vocabulary():
    vocab = Vocabulary(["the", "cat", "a"])
    assert vocab.decode([]) == []
    with pytest.raises(TypeError, match="sequence must be a string of characters or a list of tokens; got NoneType"):
        vocab.encode(None)
    with pytest.raises(ValueError, match=r"this vocabulary holds words: pass a list of words, e\.g\. sentence\.split\(\)"):
        vocab.encode("the cat")
    with pytest.raises(ValueError, match=r"this vocabulary holds words"):
        vocab.encode("a cat")  # even when its first token is one character long


def test_vocabulary_duplicate_check_is_linear():
    start = time.perf_counter()
    Vocabulary([f"w{i}" for i in range(32000)])
    assert time.perf_counter() - start < 1.0  # the quadratic check took 15 s
    with pytest.raises(ValueError, match=r"repeated: \['a'\]"):
        Vocabulary(["a", "b", "a"])


def test_package_entry_checks_name_the_argument():
    vocab = Vocabulary(list("Pleas"))
    table = fit_bigram(["Please"], vocab)
    params = init_char_rnn(5, 3, seed=0)
    cases = [
        (lambda: bigram_generate(-table, vocab, "P", 4), ValueError, "table must hold probabilities"),
        (lambda: generate(params, vocab, "P", length=True), TypeError, "length must be a non-negative integer; got bool"),
        (lambda: train(lambda p: (0.0, p), {}, Adagrad({"w": np.ones(1)}), updates=True), ValueError,
         "updates must be a non-negative integer"),
        (lambda: train(lambda p: (0.0, p), {}, Adagrad({"w": np.ones(1)}), 1, snapshots=["a"]), TypeError,
         "snapshots must be a list of update counts"),
        (lambda: init_readout(0, 2), ValueError, "hidden_size must be a positive integer; got 0"),
        (lambda: init_readout(3, -1), ValueError, "output_size must be a positive integer; got -1"),
        (lambda: init_readout(3.5, 2), TypeError, "hidden_size must be a positive integer; got float"),
        (lambda: init_rnn_params(3, 4, seed=-1), ValueError, "seed must be a non-negative integer; got -1"),
        (lambda: fit_bigram([1, 2], vocab), TypeError, "words must be a non-empty list of strings"),
        (lambda: long_lag_test_set(5, size=0), ValueError, "size must be"),
        (lambda: speeds_from_frames([]), ValueError, "positions is empty"),
        (lambda: number_text(float("nan")), ValueError, "value must be a finite number"),
        (lambda: order_of_magnitude(-1e-3), ValueError, "value must be a finite non-negative number"),
    ]
    for call, error, pattern in cases:
        with pytest.raises(error, match=pattern):
            call()


def test_read_out_takes_a_list():
    readout = init_readout(2, 3)
    np.testing.assert_allclose(read_out([[0.5, -0.5]], readout), read_out(np.array([[0.5, -0.5]]), readout))
