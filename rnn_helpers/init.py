"""Seeded parameter initialisation in PyTorch's layout.

Introduced in chapter 1.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_count, check_seed


def init_rnn_params(input_size: int, hidden_size: int, *, gates: int = 1, seed: int = 0) -> dict[str, np.ndarray]:
    """Parameters for ``rnn_forward`` (gates=1) or ``lstm_forward`` (gates=4), drawn like PyTorch's.

    Every entry is uniform on (-1/sqrt(hidden_size), 1/sqrt(hidden_size)), from
    ``np.random.default_rng(seed)``, so the same seed gives the same weights everywhere.
    Shapes: ``weight_ih`` (gates*hidden, input), ``weight_hh`` (gates*hidden, hidden),
    ``bias_ih`` and ``bias_hh`` (gates*hidden,).
    """
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("gates", gates)):
        check_count(value, name, minimum=1)
    rng = check_seed(seed)
    bound = 1.0 / np.sqrt(hidden_size)
    rows = gates * hidden_size
    return {
        "weight_ih": rng.uniform(-bound, bound, (rows, input_size)),
        "weight_hh": rng.uniform(-bound, bound, (rows, hidden_size)),
        "bias_ih": rng.uniform(-bound, bound, rows),
        "bias_hh": rng.uniform(-bound, bound, rows),
    }


def init_readout(hidden_size: int, output_size: int, *, seed: int = 0) -> dict[str, np.ndarray]:
    """A linear read-out y = weight @ h + bias: ``weight`` (output, hidden), ``bias`` (output,).

    Introduced in chapter 1.
    """
    check_count(hidden_size, "hidden_size", minimum=1)
    check_count(output_size, "output_size", minimum=1)
    rng = check_seed(seed)
    bound = 1.0 / np.sqrt(hidden_size)
    return {"weight": rng.uniform(-bound, bound, (output_size, hidden_size)),
            "bias": rng.uniform(-bound, bound, output_size)}
