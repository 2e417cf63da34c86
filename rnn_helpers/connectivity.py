"""How much of an early input reaches the last output of the one-neuron recurrence.

Introduced in chapter 4 (and used beside the LSTM in chapter 5). The neuron is chapter 2's
scalar recurrence with the recurrent weight W2 and output y_t = h_t::

    linear:  h_t = W2 * h_{t-1} + x_t
    tanh:    h_t = tanh(W2 * h_{t-1} + x_t)            (h_0 = 0)

The *connectivity* of step t is ``|d y_T / d x_t|``: by how much the last output moves when
the input at step t moves a little (the device of Madsen's "Visualizing memorization in
RNNs"). For the linear neuron it is exactly W2^(T-t); the tanh neuron multiplies that by
the slope tanh'(a_s) of every step s = t, ..., T that the signal passes through.

Every function checks its inputs: W2 must be a finite number in [0, 2.5], the inputs a
finite 1-D sequence of at most ``MAX_STEPS`` numbers. Inside those bounds nothing overflows
(2.5^499 is about 1e198), so no value is ever NaN or infinite.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import check_choice, check_ndim, real_array

W2_RANGE = (0.0, 2.5)
MAX_STEPS = 500
ACTIVATIONS = ("linear", "tanh")


def check_w2(w2) -> float:
    """Return W2 as a float, or raise: ``TypeError`` for a non-number, ``ValueError`` outside [0, 2.5] or not finite."""
    if isinstance(w2, bool) or not isinstance(w2, numbers.Real):
        if isinstance(w2, np.ndarray) and w2.ndim == 0 and w2.dtype.kind in "iuf":
            w2 = w2.item()
        else:
            raise TypeError(f"w2 must be a real number (the recurrent weight W2), got {type(w2).__name__} {w2!r}")
    w2 = float(w2)
    if not np.isfinite(w2):
        raise ValueError(f"w2 must be a finite number in [{W2_RANGE[0]}, {W2_RANGE[1]}], got {w2}")
    if not W2_RANGE[0] <= w2 <= W2_RANGE[1]:
        raise ValueError(f"w2 must lie in [{W2_RANGE[0]}, {W2_RANGE[1]}] (the range this chapter explores), got {w2}")
    return w2


def check_steps(steps) -> int:
    """Return the sequence length T as an int, or raise unless it is a whole number in [1, MAX_STEPS]."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps must be a whole number (the sequence length T), got {type(steps).__name__} {steps!r}")
    if not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be from 1 to {MAX_STEPS}, got {steps}")
    return int(steps)


def _check_inputs(inputs) -> np.ndarray:
    x = real_array(inputs, "inputs")
    check_ndim(x, "inputs", {1: "(T,), one number per step"})
    if x.shape[0] == 0:
        raise ValueError("inputs is an empty sequence (T = 0); give at least one step")
    if x.shape[0] > MAX_STEPS:
        raise ValueError(f"inputs must have at most {MAX_STEPS} steps, got {x.shape[0]}")
    return x


def first_input_pulse(steps: int, size: float = 1.0) -> np.ndarray:
    """The input sequence (x_1, ..., x_T) = (size, 0, ..., 0): one event at step 1, then silence. Shape (T,).

    Introduced in chapter 4.
    """
    steps = check_steps(steps)
    size = real_array(size, "size")
    if size.ndim != 0:
        raise ValueError(f"size must be one number; got an array of shape {size.shape}")
    size = float(size)
    x = np.zeros(steps)
    x[0] = size
    return x


def tanh_slope(a: np.ndarray) -> np.ndarray:
    """tanh'(a) = 1 - tanh(a)^2, computed as ``4 exp(-2 abs(a)) / (1 + exp(-2 abs(a)))^2`` so that it
    never overflows and stays accurate (not rounded to exactly 0) for large ``abs(a)``. Same shape as ``a``."""
    e = np.exp(-2.0 * np.abs(a))
    return 4.0 * e / (1.0 + e) ** 2


def neuron_states(w2, inputs, activation: str = "linear"):
    """Run the one-neuron recurrence over ``inputs``.

    Parameters
    ----------
    w2 : float in [0, 2.5]
    inputs : array, (T,)
        x_1, ..., x_T.
    activation : {"linear", "tanh"}

    Returns
    -------
    h : array, (T,)
        h_1, ..., h_T (and y_t = h_t).
    a : array, (T,)
        The pre-activations a_t = W2 * h_{t-1} + x_t.

    Introduced in chapter 4.
    """
    w2 = check_w2(w2)
    x = _check_inputs(inputs)
    activation = check_choice(activation, "activation", ACTIVATIONS)
    h = np.empty_like(x)
    a = np.empty_like(x)
    h_prev = 0.0
    for t in range(x.shape[0]):
        a[t] = w2 * h_prev + x[t]
        h[t] = a[t] if activation == "linear" else np.tanh(a[t])
        h_prev = h[t]
    return h, a


def connectivity(w2, inputs, activation: str = "linear") -> np.ndarray:
    """``|d y_T / d x_t|`` for every step t = 1, ..., T of the one-neuron recurrence.

    Computed by backpropagation through time: the gradient leaves y_T with value 1, and
    each step back multiplies it by the step's slope f'(a_s) and by W2.

    Parameters
    ----------
    w2 : float in [0, 2.5]
        The recurrent weight.
    inputs : array, (T,)
        x_1, ..., x_T (for the linear neuron the answer does not depend on them).
    activation : {"linear", "tanh"}

    Returns
    -------
    array, (T,)
        Entry t - 1 is ``|d y_T / d x_t|``; the last entry belongs to x_T. Never NaN or infinite;
        tiny values may underflow to exactly 0.

    Introduced in chapter 4.
    """
    _, a = neuron_states(w2, inputs, activation)
    w2 = float(w2)
    slopes = np.ones_like(a) if activation == "linear" else tanh_slope(a)
    grad = np.empty_like(a)
    with np.errstate(under="ignore"):
        upstream = 1.0  # d y_T / d h_t, starting at t = T
        for t in reversed(range(a.shape[0])):
            grad[t] = upstream * slopes[t]  # d y_T / d x_t = d y_T / d a_t
            upstream = grad[t] * w2  # d y_T / d h_{t-1}
    return np.abs(grad)


def linear_connectivity(w2, steps: int) -> np.ndarray:
    """The closed form W2^(T-t), t = 1, ..., T, of the linear neuron's connectivity. Shape (T,).

    The last entry is W2^0 = 1 (also for W2 = 0). Introduced in chapter 4.
    """
    w2 = check_w2(w2)
    steps = check_steps(steps)
    with np.errstate(under="ignore"):
        return w2 ** np.arange(steps - 1, -1, -1, dtype=np.float64)


def fixed_point(w2) -> float:
    """The state h* >= 0 that the silent tanh neuron settles at: h* = tanh(W2 * h*).

    It is 0 for W2 <= 1 and the positive root for W2 > 1, where the gradient then shrinks
    by the factor W2 * (1 - h*^2) per step once the state has settled. Found by bisection
    (tanh(W2 h) - h is positive below the root and negative above it), to machine precision.

    Introduced in chapter 4.
    """
    w2 = check_w2(w2)
    if w2 <= 1.0:
        return 0.0
    low, high = 0.0, 1.0
    for _ in range(80):
        middle = 0.5 * (low + high)
        if np.tanh(w2 * middle) > middle:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def noisy_latch(w2, first_inputs=(1.0, 0.01, -0.01, -1.0), steps: int = 30, noise: float = 0.3,
                trials: int = 1000, seed: int = 0) -> dict:
    """The tanh neuron as a memory: x_1, then ``steps - 1`` random distractions.

    For each x_1 in ``first_inputs``, ``trials`` sequences x_1, x_2, ..., x_T with
    x_2 ... x_T ~ N(0, noise^2) (the same distractions for every x_1, drawn from ``seed``)
    run through h_t = tanh(W2 h_{t-1} + x_t), h_0 = 0.

    Returns
    -------
    dict {x_1: (states, sensitivity)}
        states : array (trials, T), h_1 ... h_T of every trial;
        sensitivity : array (trials, T), ``|d h_t / d x_1|`` for t = 1..T, the product of the
        factors W2 (1 - h_s^2) of every step after the first, times the first step's slope.

    With W2 = 2 the sign of x_1 survives in h_T (the neuron is a latch) while
    ``|d h_T / d x_1|`` shrinks by about 0.17 a step. Introduced in chapter 4.
    """
    w2 = check_w2(w2)
    steps = check_steps(steps)
    firsts = real_array(first_inputs, "first_inputs")
    check_ndim(firsts, "first_inputs", {1: "(n,), one first input per case"})
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not 0 <= noise < np.inf:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    if isinstance(trials, bool) or not isinstance(trials, numbers.Integral) or trials < 1:
        raise ValueError(f"trials must be a whole number >= 1; got {trials!r}")
    distractions = np.random.default_rng(seed).normal(0.0, noise, (trials, steps - 1))
    result = {}
    with np.errstate(under="ignore"):
        for first in firsts:
            states = np.empty((trials, steps))
            sensitivity = np.empty((trials, steps))
            h = np.tanh(np.full(trials, float(first)))
            gain = 1.0 - h**2  # d h_1 / d x_1
            states[:, 0], sensitivity[:, 0] = h, gain
            for t in range(1, steps):
                h = np.tanh(w2 * h + distractions[:, t - 1])
                gain = gain * w2 * (1.0 - h**2)
                states[:, t], sensitivity[:, t] = h, np.abs(gain)
            result[float(first)] = (states, sensitivity)
    return result


__all__ = [
    "W2_RANGE",
    "MAX_STEPS",
    "check_w2",
    "check_steps",
    "first_input_pulse",
    "tanh_slope",
    "neuron_states",
    "connectivity",
    "linear_connectivity",
    "fixed_point",
    "noisy_latch",
]
