"""Property-based tests (hypothesis) of the core five functions against torch.

rnn_forward, rnn_backward, lstm_forward, lstm_backward and the params_from_torch /
params_to_torch round trip, over random sizes, with a batch or without, dtypes (float64,
float32, int, nested lists), memory layouts (Fortran order, strided, negative strides,
read-only, broadcast views) and initial states. Each example checks the values and every
gradient against torch.nn.RNN / torch.nn.LSTM and autograd, and that no input was changed.
The number of examples is bounded so that the file runs in tens of seconds.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnn_helpers import lstm_backward, lstm_forward, params_from_torch, params_to_torch, rnn_backward, rnn_forward

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
DTYPES = ("float64", "float32", "int", "list")
LAYOUTS = ("C", "Fortran", "strided", "negative strides", "read-only", "broadcast")


def dress(values: np.ndarray, dtype: str, layout: str):
    """``values`` (float64) given the chosen dtype and memory layout; returns (input, what it means as float64)."""
    if dtype == "float32":
        values = values.astype(np.float32)
    elif dtype == "int":
        values = np.round(values * 2).astype(np.int64)
    if layout == "Fortran":
        values = np.asfortranarray(values)
    elif layout == "strided":
        wide = np.zeros(values.shape[:-1] + (2 * values.shape[-1],), dtype=values.dtype)
        wide[..., ::2] = values
        values = wide[..., ::2]
    elif layout == "negative strides":
        values = np.ascontiguousarray(values[::-1])[::-1]
    elif layout == "read-only":
        values = values.copy()
        values.flags.writeable = False
    elif layout == "broadcast" and values.ndim >= 2:
        # Every row the same, as np.broadcast_to gives it: stride 0 along the first axis, read-only.
        values = np.broadcast_to(values[:1], values.shape)
    meaning = np.array(values, dtype=np.float64)
    if dtype == "list":
        return meaning.tolist(), meaning
    return values, meaning


def snapshot(value):
    """A deep copy to compare with after the call (lists and arrays alike)."""
    return np.array(value, dtype=np.float64, copy=True)


@st.composite
def cases(draw, gates: int):
    steps = draw(st.integers(1, 5))
    input_size = draw(st.integers(1, 4))
    hidden = draw(st.integers(1, 4))
    batch = draw(st.one_of(st.none(), st.integers(1, 3)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    lead = (steps,) if batch is None else (steps, batch)
    x, x_meaning = dress(rng.normal(size=lead + (input_size,)), draw(st.sampled_from(DTYPES)),
                         draw(st.sampled_from(LAYOUTS)))
    params, meanings = {}, {}
    shapes = {"weight_ih": (gates * hidden, input_size), "weight_hh": (gates * hidden, hidden),
              "bias_ih": (gates * hidden,), "bias_hh": (gates * hidden,)}
    for key, shape in shapes.items():
        params[key], meanings[key] = dress(rng.normal(0, 0.6, shape), draw(st.sampled_from(DTYPES)),
                                           draw(st.sampled_from(LAYOUTS)))
    states = []
    for _ in range(1 if gates == 1 else 2):
        if draw(st.booleans()):
            states.append(dress(rng.normal(size=lead[1:] + (hidden,)), draw(st.sampled_from(DTYPES)),
                                draw(st.sampled_from(LAYOUTS))))
        else:
            states.append((None, np.zeros(lead[1:] + (hidden,))))
    dh = rng.normal(size=lead + (hidden,))
    return x, x_meaning, params, meanings, states, dh


def torch_reference(kind, x, params, states, dh, nonlinearity="tanh"):
    """Output and gradients of sum(dh * h) from torch.nn.RNN / LSTM in float64 with autograd."""
    input_size, hidden = params["weight_ih"].shape[1], params["weight_hh"].shape[1]
    if kind == "rnn":
        module = torch.nn.RNN(input_size, hidden, nonlinearity=nonlinearity).double()
    else:
        module = torch.nn.LSTM(input_size, hidden).double()
    with torch.no_grad():
        for key, value in params.items():
            getattr(module, f"{key}_l0").copy_(torch.from_numpy(value))
    xt = torch.tensor(x, requires_grad=True)
    state_tensors = [torch.tensor(s[None], requires_grad=True) for s in states]
    out, _ = module(xt, state_tensors[0] if kind == "rnn" else tuple(state_tensors))
    (out * torch.from_numpy(dh)).sum().backward()
    grads = {key: getattr(module, f"{key}_l0").grad.numpy() for key in params}
    grads["x"] = xt.grad.numpy()
    for name, tensor in zip(("h0", "c0"), state_tensors):
        grads[name] = tensor.grad.numpy()[0]
    return out.detach().numpy(), grads


def check_close(ours, reference, name):
    np.testing.assert_allclose(ours, reference, rtol=1e-9, atol=1e-12, err_msg=name)


@SETTINGS
@given(case=cases(gates=1), nonlinearity=st.sampled_from(["tanh", "relu"]))
def test_rnn_matches_torch_and_changes_no_input(case, nonlinearity):
    x, x_meaning, params, meanings, states, dh = case
    (h0, h0_meaning), = states
    before = {"x": snapshot(x), **{key: snapshot(value) for key, value in params.items()}}
    if h0 is not None:
        before["h0"] = snapshot(h0)
    h, cache = rnn_forward(x, params, h0, nonlinearity=nonlinearity)
    grads = rnn_backward(dh, cache)
    h_ref, grads_ref = torch_reference("rnn", x_meaning, meanings, [h0_meaning], dh, nonlinearity)
    check_close(h, h_ref, "h")
    for key, value in grads_ref.items():
        check_close(grads[key], value, key)
    after = {"x": x, **params, **({"h0": h0} if h0 is not None else {})}
    for key, value in before.items():
        np.testing.assert_array_equal(snapshot(after[key]), value, err_msg=f"{key} was changed")


@SETTINGS
@given(case=cases(gates=4))
def test_lstm_matches_torch_and_changes_no_input(case):
    x, x_meaning, params, meanings, states, dh = case
    (h0, h0_meaning), (c0, c0_meaning) = states
    before = {"x": snapshot(x), **{key: snapshot(value) for key, value in params.items()}}
    state = None
    if h0 is not None or c0 is not None:
        state = (h0_meaning if h0 is None else h0, c0_meaning if c0 is None else c0)
        before.update(h0=snapshot(state[0]), c0=snapshot(state[1]))
    h, (h_n, c_n), cache = lstm_forward(x, params, state)
    grads = lstm_backward(dh, cache)
    h_ref, grads_ref = torch_reference("lstm", x_meaning, meanings, [h0_meaning, c0_meaning], dh)
    check_close(h, h_ref, "h")
    check_close(h_n, h_ref[-1], "h_n")
    for key, value in grads_ref.items():
        check_close(grads[key], value, key)
    after = {"x": x, **params}
    if state is not None:
        after.update(h0=state[0], c0=state[1])
    for key, value in before.items():
        np.testing.assert_array_equal(snapshot(after[key]), value, err_msg=f"{key} was changed")


@settings(max_examples=40, deadline=None, derandomize=True)
@given(kind=st.sampled_from(["RNN", "LSTM", "GRU"]), input_size=st.integers(1, 5), hidden=st.integers(1, 5),
       bias=st.booleans(), seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(DTYPES),
       layout=st.sampled_from(LAYOUTS))
def test_params_round_trip_through_torch_is_exact(kind, input_size, hidden, bias, seed, dtype, layout):
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}[kind]
    rng = np.random.default_rng(seed)
    shapes = {"weight_ih": (gates * hidden, input_size), "weight_hh": (gates * hidden, hidden),
              "bias_ih": (gates * hidden,), "bias_hh": (gates * hidden,)}
    params, meanings = {}, {}
    for key, shape in shapes.items():
        values = rng.normal(size=shape) if bias or key.startswith("weight") else np.zeros(shape)
        params[key], meanings[key] = dress(values, dtype, layout)
    before = {key: snapshot(value) for key, value in params.items()}
    module = getattr(torch.nn, kind)(input_size, hidden, bias=bias).double()
    assert params_to_torch(params, module) is module
    back = params_from_torch(module)
    for key, value in meanings.items():
        np.testing.assert_array_equal(back[key], value, err_msg=key)  # float64 both ways: exact
        assert back[key].dtype == np.float64 and back[key].flags.writeable
        np.testing.assert_array_equal(snapshot(params[key]), before[key], err_msg=f"{key} was changed")
    # What comes back is a copy: writing into it leaves the module alone.
    back["weight_hh"][...] = 0.0
    assert np.array_equal(params_from_torch(module)["weight_hh"], meanings["weight_hh"])


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_broadcast_and_read_only_inputs_are_accepted(kind):
    """A read-only broadcast x (stride 0) is a valid input; the helpers never write into it."""
    x = np.broadcast_to(np.arange(3.0), (4, 2, 3))
    gates = 1 if kind == "rnn" else 4
    params = {key: np.broadcast_to(np.float64(0.1), shape) for key, shape in
              {"weight_ih": (gates * 2, 3), "weight_hh": (gates * 2, 2), "bias_ih": (gates * 2,),
               "bias_hh": (gates * 2,)}.items()}
    forward = rnn_forward if kind == "rnn" else lstm_forward
    result = forward(x, params)
    assert np.isfinite(result[0]).all()
