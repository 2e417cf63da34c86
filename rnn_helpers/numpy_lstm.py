"""A long short-term memory (LSTM) layer in numpy: forward pass and backpropagation through time.

Introduced in chapter 5. Parameters follow ``torch.nn.LSTM`` (without the ``_l0`` suffix),
with the four gates stacked in PyTorch's order i, f, g, o along the first axis::

    a_t = weight_ih @ x_t + bias_ih + weight_hh @ h_{t-1} + bias_hh      (4*hidden,)
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o);   g = tanh(a_g)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid
from .numpy_rnn import check_cache, check_finite_grads, check_no_overflow, check_rnn_params
from .sequences import check_initial_state, check_output_grad, check_sequence

GATE_ORDER = ("i", "f", "g", "o")


def _check_state(state, x: np.ndarray, hidden: int) -> tuple[np.ndarray, np.ndarray]:
    if state is None:
        return check_initial_state(None, "h0", x, hidden), check_initial_state(None, "c0", x, hidden)
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise TypeError(f"state must be a pair (h0, c0) of arrays, got {type(state).__name__}")
    h0, c0 = state
    return check_initial_state(h0, "state[0] (h0)", x, hidden), check_initial_state(c0, "state[1] (c0)", x, hidden)


def lstm_forward(x, params, state=None):
    """Run an LSTM layer over a whole sequence.

    Parameters
    ----------
    x : array, (T, input) or (T, batch, input)
    params : dict
        ``weight_ih`` (4*hidden, input), ``weight_hh`` (4*hidden, hidden),
        ``bias_ih`` and ``bias_hh`` (4*hidden,), gates in the order i, f, g, o.
    state : pair (h0, c0), optional
        Each (hidden,) or (batch, hidden); zeros if omitted.

    Returns
    -------
    h : array, (T, hidden) or (T, batch, hidden)
        The hidden state after every step.
    (h_n, c_n) : arrays, (hidden,) or (batch, hidden)
        The final hidden and cell states.
    cache : dict
        What ``lstm_backward`` needs; ``cache["gates"]`` holds i, f, g, o for every step,
        shape (T, [batch,] 4, hidden), and ``cache["c"]`` every cell state.

    Introduced in chapter 5.
    """
    params = check_rnn_params(params, gates=4)
    x = check_sequence(x, input_size=params["weight_ih"].shape[1])
    hidden = params["weight_hh"].shape[1]
    h0, c0 = _check_state(state, x, hidden)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by step
        input_terms = x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]
    check_no_overflow(input_terms, "lstm_forward", "W_ih x_t + b")
    steps = x.shape[0]
    h = np.empty(x.shape[:-1] + (hidden,))
    c = np.empty_like(h)
    gates = np.empty(x.shape[:-1] + (4, hidden))
    h_prev, c_prev = h0, c0
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by step
        for t in range(steps):
            a = (input_terms[t] + h_prev @ params["weight_hh"].T).reshape(gates.shape[1:])
            gates[t] = sigmoid(a)
            gates[t, ..., 2, :] = np.tanh(a[..., 2, :])
            i, f, g, o = (gates[t, ..., k, :] for k in range(4))
            c[t] = f * c_prev + i * g
            h[t] = o * np.tanh(c[t])
            h_prev, c_prev = h[t], c[t]
    check_no_overflow(np.concatenate([h, c], axis=-1), "lstm_forward", "the state (h_t or c_t)")
    cache = {"x": x, "h0": h0, "c0": c0, "h": h, "c": c, "gates": gates, "params": params, "kind": "lstm"}
    # The caller gets copies; the cache keeps the originals, so writing into the returned h
    # (as rnn_forward explains) never changes what lstm_backward computes.
    return h.copy(), (h[-1].copy(), c[-1].copy()), cache


def lstm_backward(dh, cache) -> dict[str, np.ndarray]:
    """Backpropagation through time for ``lstm_forward``.

    Parameters
    ----------
    dh : array, the shape of ``h`` from ``lstm_forward``
        dL/dh_t for every step (zeros where a step has no loss).
    cache : dict
        The third value returned by ``lstm_forward``.

    Returns
    -------
    dict with ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``, ``x``, ``h0``, ``c0``,
    each shaped like the corresponding input.

    Introduced in chapter 5.
    """
    cache = check_cache(cache, "lstm")
    x, h, c, gates, params = cache["x"], cache["h"], cache["c"], cache["gates"], cache["params"]
    dh = check_output_grad(dh, h.shape)
    hidden = h.shape[-1]
    h_before = np.concatenate([cache["h0"][None], h[:-1]])
    c_before = np.concatenate([cache["c0"][None], c[:-1]])
    d_pre = np.empty_like(gates)  # dL/da for every gate and step
    dh_next = np.zeros_like(cache["h0"])
    dc_next = np.zeros_like(cache["c0"])
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        for t in reversed(range(x.shape[0])):
            i, f, g, o = (gates[t, ..., k, :] for k in range(4))
            tanh_c = np.tanh(c[t])
            dh_t = dh[t] + dh_next
            # The cell state gets gradient from h_t (through o * tanh) and from c_{t+1} (through f).
            dc_t = dh_t * o * (1.0 - tanh_c**2) + dc_next
            d_pre[t, ..., 0, :] = dc_t * g * i * (1.0 - i)
            d_pre[t, ..., 1, :] = dc_t * c_before[t] * f * (1.0 - f)
            d_pre[t, ..., 2, :] = dc_t * i * (1.0 - g**2)
            d_pre[t, ..., 3, :] = dh_t * tanh_c * o * (1.0 - o)
            d_flat = d_pre[t].reshape(d_pre.shape[1:-2] + (4 * hidden,))
            dh_next = d_flat @ params["weight_hh"]
            dc_next = dc_t * f
    with np.errstate(over="ignore", invalid="ignore"):
        flat = d_pre.reshape(-1, 4 * hidden)
        grads = {
            "weight_ih": flat.T @ x.reshape(-1, x.shape[-1]),
            "weight_hh": flat.T @ h_before.reshape(-1, hidden),
            "bias_ih": flat.sum(axis=0),
            "bias_hh": flat.sum(axis=0),
            "x": d_pre.reshape(x.shape[:-1] + (4 * hidden,)) @ params["weight_ih"],
            "h0": dh_next,
            "c0": dc_next,
        }
    check_finite_grads(grads, "lstm_backward")
    return grads


__all__ = ["lstm_forward", "lstm_backward", "GATE_ORDER"]
