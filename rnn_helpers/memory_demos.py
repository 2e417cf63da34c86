"""Small, hand-built examples of why a sequence model needs memory.

Introduced in chapter 1.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_ndim, real_array
from .numpy_rnn import rnn_forward


def previous_frame_params() -> dict[str, np.ndarray]:
    """A linear RNN, set by hand, whose state is (this frame's position, last frame's position).

    With ``weight_ih`` = [[1], [0]] the first unit copies the input; with ``weight_hh`` =
    [[0, 0], [1, 0]] the second unit copies what the first held one step earlier.
    Shapes: ``weight_ih`` (2, 1), ``weight_hh`` (2, 2), biases (2,).
    """
    return {
        "weight_ih": np.array([[1.0], [0.0]]),
        "weight_hh": np.array([[0.0, 0.0], [1.0, 0.0]]),
        "bias_ih": np.zeros(2),
        "bias_hh": np.zeros(2),
    }


def speeds_from_frames(positions) -> np.ndarray:
    """Run the previous-frame RNN over ``positions`` (T,) and return the speed at each frame (T,).

    The speed is now minus then, read from the state; at the first frame the state remembers
    nothing yet (the zero initial state), so the first value is the position itself.
    """
    positions = real_array(positions, "positions")
    check_ndim(positions, "positions", {1: "(T,) positions, one per frame"})
    if positions.size == 0:
        raise ValueError("positions is empty; give at least one frame's position")
    h, _ = rnn_forward(positions[:, None], previous_frame_params(), nonlinearity="linear")
    return h[:, 0] - h[:, 1]
