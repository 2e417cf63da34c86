"""Elementwise nonlinearities of a recurrent cell and their derivatives.

Introduced in chapter 1 (tanh) and chapter 2 (the others). Each derivative is written in
terms of the pre-activation ``a`` and the output ``h = f(a)``, whichever is cheaper.
"""

from __future__ import annotations

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-a))``, computed without overflow for large ``abs(a)``."""
    if not (type(a) is np.ndarray and a.dtype == np.float64):  # the hot path skips the check
        from ._validate import as_float_array

        a = as_float_array(a, "a")
    out = np.empty_like(a, dtype=np.float64)
    positive = a >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-a[positive]))
    exp_a = np.exp(a[~positive])
    out[~positive] = exp_a / (1.0 + exp_a)
    return out


# name -> (f(a), f'(a) given a and h = f(a))
NONLINEARITIES = {
    "tanh": (np.tanh, lambda a, h: 1.0 - h**2),
    "sigmoid": (sigmoid, lambda a, h: h * (1.0 - h)),
    # PyTorch's ReLU backward passes no gradient at a == 0; so do we.
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(np.float64)),
    "linear": (lambda a: a.copy(), lambda a, h: np.ones_like(a)),
}
