"""A vanilla (Elman) recurrent layer in numpy: forward pass and backpropagation through time.

Introduced in chapter 1; derived step by step in chapters 2 and 3. The parameters use
PyTorch's names and layouts (``torch.nn.RNN`` without the ``_l0`` suffix). Every step computes::

    h_t = f(weight_ih @ x_t + bias_ih + weight_hh @ h_{t-1} + bias_hh)

which equals ``torch.nn.RNN`` for f = tanh or relu given the same weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._validate import check_choice, check_params
from .activations import NONLINEARITIES
from .sequences import check_sequence, check_initial_state, check_output_grad

RNN_PARAM_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def check_rnn_params(params, gates: int = 1, name: str = "params") -> dict[str, np.ndarray]:
    """Validate a recurrent layer's parameters and return them as float64 arrays.

    ``gates`` is G in PyTorch's layouts: 1 for a vanilla RNN, 4 for an LSTM, 3 for a GRU.
    Shapes: ``weight_ih`` (G*hidden, input), ``weight_hh`` (G*hidden, hidden),
    ``bias_ih`` and ``bias_hh`` (G*hidden,).
    """
    params = check_params(params, RNN_PARAM_KEYS, name)
    weight_hh = params["weight_hh"]
    if weight_hh.ndim != 2 or weight_hh.shape[0] != gates * weight_hh.shape[1]:
        raise ValueError(
            f"{name}['weight_hh'] must be 2-D of shape ({gates}*hidden, hidden); got {weight_hh.shape}"
        )
    hidden = weight_hh.shape[1]
    if hidden == 0:
        raise ValueError(
            f"{name}['weight_hh'] has shape {weight_hh.shape}: hidden size 0; a layer needs at least one unit"
        )
    weight_ih = params["weight_ih"]
    if weight_ih.ndim != 2 or weight_ih.shape[0] != gates * hidden:
        raise ValueError(
            f"{name}['weight_ih'] must be 2-D of shape ({gates * hidden}, input) to match "
            f"weight_hh {weight_hh.shape}; got {weight_ih.shape}"
        )
    if weight_ih.shape[1] == 0:
        raise ValueError(
            f"{name}['weight_ih'] has shape {weight_ih.shape}: input size 0; a layer needs at least one input"
        )
    for key in ("bias_ih", "bias_hh"):
        if params[key].shape != (gates * hidden,):
            raise ValueError(
                f"{name}['{key}'] must have shape ({gates * hidden},) to match weight_hh "
                f"{weight_hh.shape}; got {params[key].shape}"
            )
    return params


def rnn_forward(x, params, h0=None, nonlinearity: str = "tanh"):
    """Run a vanilla RNN layer over a whole sequence.

    Parameters
    ----------
    x : array, (T, input) or (T, batch, input)
        The inputs, time first (as ``torch.nn.RNN`` with ``batch_first=False``).
    params : dict
        ``weight_ih`` (hidden, input), ``weight_hh`` (hidden, hidden),
        ``bias_ih`` (hidden,), ``bias_hh`` (hidden,).
    h0 : array, (hidden,) or (batch, hidden), optional
        The state before the first step; zeros if omitted.
    nonlinearity : {"tanh", "relu", "sigmoid", "linear"}

    Returns
    -------
    h : array, (T, hidden) or (T, batch, hidden)
        The hidden state after every step; ``h[-1]`` is the final state. It is the
        caller's own copy: writing into it never changes what ``rnn_backward`` computes.
    cache : dict
        What ``rnn_backward`` needs.

    Introduced in chapter 1.
    """
    nonlinearity = check_choice(nonlinearity, "nonlinearity", tuple(NONLINEARITIES))
    params = check_rnn_params(params)
    x = check_sequence(x, input_size=params["weight_ih"].shape[1])
    hidden = params["weight_hh"].shape[0]
    h_start = check_initial_state(h0, "h0", x, hidden)
    f, _ = NONLINEARITIES[nonlinearity]
    # One matrix product for all input terms; only the recurrent term must wait for h_{t-1}.
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by step
        input_terms = x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]
    check_no_overflow(input_terms, "rnn_forward", "W_ih x_t + b")
    pre_activations = np.empty(x.shape[:-1] + (hidden,))
    h = np.empty_like(pre_activations)
    h_prev = h_start
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by step
        for t in range(x.shape[0]):
            pre_activations[t] = input_terms[t] + h_prev @ params["weight_hh"].T
            h[t] = f(pre_activations[t])
            h_prev = h[t]
    check_no_overflow(pre_activations, "rnn_forward", "the pre-activation")
    check_no_overflow(h, "rnn_forward")
    cache = {
        "x": x,
        "h0": h_start,
        "h": h,
        "pre_activations": pre_activations,
        "params": params,
        "nonlinearity": nonlinearity,
        "kind": "rnn",
    }
    # The caller gets its own copy of h; the cache keeps the original. numpy cannot do what
    # torch does (refuse, at backward time, a tensor changed in place), and a read-only h
    # would break ordinary code like `h[:, 0] = 0`; so writing into the returned h (masking,
    # clipping with out=h) can never change the gradients rnn_backward computes later.
    # One copy of (T, [batch,] hidden) costs less than the forward pass itself.
    return h.copy(), cache


def check_no_overflow(values: np.ndarray, where: str, what: str = "the state") -> None:
    """Raise ``FloatingPointError`` naming the first step t where ``values[t]`` is NaN or infinite.

    Inputs are checked to be finite on the way in, so a non-finite value means float64
    overflowed inside the computation (inputs or weights far too large).
    """
    bad_steps = ~np.isfinite(values.reshape(values.shape[0], -1)).all(axis=1)
    if bad_steps.any():
        step = int(np.argmax(bad_steps)) + 1
        raise FloatingPointError(
            f"{where} overflowed float64 at step t = {step} of {values.shape[0]}: {what} became NaN "
            "or infinite. The inputs or weights are far too large (scale x or the weights down)"
        )


_CACHE_KEYS = {
    "rnn": ("x", "h0", "h", "pre_activations", "params", "nonlinearity"),
    "lstm": ("x", "h0", "c0", "h", "c", "gates", "params"),
}
_CACHE_SOURCE = {
    "rnn": "the second value rnn_forward returns: `h, cache = rnn_forward(x, params)`",
    "lstm": "the third value lstm_forward returns: `h, (h_n, c_n), cache = lstm_forward(x, params)`",
}


def check_cache(cache, kind: str) -> Mapping:
    """Return ``cache`` if it is a forward cache of ``kind`` ("rnn" or "lstm"); else say what is wrong."""
    backward = f"{kind}_backward"
    what = f"cache must be the dict {_CACHE_SOURCE[kind]}"
    if isinstance(cache, tuple) and cache and isinstance(cache[-1], Mapping):
        raise TypeError(f"{what}; got the whole tuple the forward pass returned: pass only its last value")
    if not isinstance(cache, Mapping):
        raise TypeError(f"{what}; got {type(cache).__name__}")
    other = "lstm" if kind == "rnn" else "rnn"
    if cache.get("kind") == other or (kind == "rnn" and "gates" in cache):
        raise TypeError(f"{what}; got the cache of {other}_forward: use {other}_backward for it")
    missing = [key for key in _CACHE_KEYS[kind] if key not in cache]
    if missing:
        raise TypeError(f"{what}; got a dict without {missing}, which {backward} needs")
    return cache


def rnn_backward(dh, cache) -> dict[str, np.ndarray]:
    """Backpropagation through time for ``rnn_forward``.

    Parameters
    ----------
    dh : array, the shape of ``h`` from ``rnn_forward``
        dL/dh_t for every step t, the gradient the loss sends into each hidden state
        directly (from an output layer, say). Zeros where a step has no loss.
    cache : dict
        The second value returned by ``rnn_forward``.

    Returns
    -------
    dict with ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` (the shapes of the
    parameters), ``x`` (the shape of x) and ``h0`` (the shape of h0 as passed, or of
    the zero state used when it was omitted).

    Introduced in chapter 1; derived in chapter 3.
    """
    cache = check_cache(cache, "rnn")
    x, h, params = cache["x"], cache["h"], cache["params"]
    dh = check_output_grad(dh, h.shape)
    _, f_prime = NONLINEARITIES[cache["nonlinearity"]]
    slopes = f_prime(cache["pre_activations"], h)
    h_before = np.concatenate([cache["h0"][None], h[:-1]])  # h_{t-1} for every t
    d_pre = np.empty_like(h)
    d_next = np.zeros_like(cache["h0"])  # dL/dh_t arriving from step t + 1
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        for t in reversed(range(x.shape[0])):
            d_pre[t] = (dh[t] + d_next) * slopes[t]
            d_next = d_pre[t] @ params["weight_hh"]
    with np.errstate(over="ignore", invalid="ignore"):
        hidden = h.shape[-1]
        flat_pre = d_pre.reshape(-1, hidden)
        grads = {
            "weight_ih": flat_pre.T @ x.reshape(-1, x.shape[-1]),
            "weight_hh": flat_pre.T @ h_before.reshape(-1, hidden),
            "bias_ih": flat_pre.sum(axis=0),
            "bias_hh": flat_pre.sum(axis=0),
            "x": d_pre @ params["weight_ih"],
            "h0": d_next,
        }
    check_finite_grads(grads, "rnn_backward")
    return grads


def check_finite_grads(grads: dict, where: str) -> None:
    """Raise ``FloatingPointError`` if a gradient overflowed float64 (dh or weights far too large)."""
    for key, value in grads.items():
        if not np.isfinite(value).all():
            raise FloatingPointError(
                f"{where} overflowed float64: the gradient of {key!r} became NaN or infinite. "
                "dh or the weights are far too large (scale dh down)"
            )


__all__ = ["rnn_forward", "rnn_backward", "check_rnn_params", "check_cache", "RNN_PARAM_KEYS"]
