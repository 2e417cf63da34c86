"""Shape checks for sequences, initial states and output gradients.

Every recurrent helper takes time-first data: ``(T, input)`` for one sequence or
``(T, batch, input)`` for a batch, as ``torch.nn.RNN`` does by default.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_ndim, check_shape, real_array


def check_sequence(x, input_size: int, name: str = "x") -> np.ndarray:
    """Return ``x`` as float64, checking it is (T, input) or (T, batch, input) with T >= 1."""
    x = real_array(x, name)
    check_ndim(x, name, {2: "(T, input)", 3: "(T, batch, input)"})
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty sequence (T = 0); a recurrent layer needs at least one step")
    if x.ndim == 3 and x.shape[1] == 0:
        raise ValueError(f"{name} has an empty batch (shape {x.shape}); a batch needs at least one sequence")
    if x.shape[-1] != input_size:
        raise ValueError(
            f"{name} must have {input_size} features in its last axis to match params['weight_ih'] "
            f"(shape (hidden, {input_size})); got shape {x.shape}"
        )
    return x


def check_initial_state(state, name: str, x: np.ndarray, hidden: int) -> np.ndarray:
    """Return a float64 initial state shaped like one step of the output (zeros if ``None``).

    Expected shape: (hidden,) when ``x`` is (T, input), (batch, hidden) when ``x`` is
    (T, batch, input).
    """
    expected = x.shape[1:-1] + (hidden,)
    if state is None:
        return np.zeros(expected)
    state = real_array(state, name)
    layout = "(hidden,) for an unbatched x" if x.ndim == 2 else "(batch, hidden) for a batched x"
    check_shape(state, name, expected, f"{layout} of shape {x.shape} and hidden size {hidden}")
    return state


def check_output_grad(dh, h_shape: tuple[int, ...], name: str = "dh") -> np.ndarray:
    """Return ``dh`` as float64, checking it has the shape of the forward pass's ``h``."""
    dh = real_array(dh, name)
    check_shape(dh, name, h_shape, "the shape of h returned by the forward pass")
    return dh
