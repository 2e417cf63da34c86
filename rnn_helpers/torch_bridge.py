"""Moving weights between ``torch.nn`` recurrent modules and the numpy helpers.

Introduced in chapter 1 (for tests) and used in chapters 3 and 5 to show that the numpy
code and PyTorch compute the same numbers from the same weights.
"""

from __future__ import annotations

import numpy as np

from ._validate import check_shape
from .numpy_rnn import RNN_PARAM_KEYS, check_rnn_params

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def _check_module(module) -> int:
    """Return G (gates per hidden unit) for a supported torch module, or raise a clear error."""
    import torch

    if not isinstance(module, (torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU)):
        raise TypeError(f"module must be a torch.nn.RNN, LSTM or GRU, got {type(module).__name__}")
    if module.bidirectional:
        raise ValueError("module is bidirectional; the numpy helpers model one direction only")
    if getattr(module, "proj_size", 0):
        raise ValueError(f"module has proj_size={module.proj_size}; the numpy LSTM has no projection")
    return _GATES[type(module).__name__]


def params_from_torch(module) -> dict[str, np.ndarray]:
    """Layer 0 of a ``torch.nn.RNN``, ``LSTM`` or ``GRU`` as a dict of float64 arrays.

    Keys and layouts are PyTorch's without the ``_l0`` suffix: ``weight_ih``
    (G*hidden, input), ``weight_hh`` (G*hidden, hidden), ``bias_ih`` and ``bias_hh``
    (G*hidden,), with G = 1, 4, 3 for RNN, LSTM, GRU. A module built with
    ``bias=False`` gives zero biases, which computes the same thing.

    Introduced in chapter 1.
    """
    _check_module(module)
    params = {}
    for key in RNN_PARAM_KEYS:
        tensor = getattr(module, f"{key}_l0", None)
        if tensor is None:  # bias=False
            tensor = module.weight_hh_l0.new_zeros(module.weight_hh_l0.shape[0])
        params[key] = tensor.detach().cpu().double().numpy().copy()
    return params


def params_to_torch(params, module):
    """Copy a numpy parameter dict into layer 0 of ``module`` in place, and return the module.

    ``params`` must match the module's sizes exactly; the module keeps its dtype.
    Introduced in chapter 3.
    """
    import torch

    gates = _check_module(module)
    params = check_rnn_params(params, gates=gates)
    with torch.no_grad():
        for key in RNN_PARAM_KEYS:
            target = getattr(module, f"{key}_l0", None)
            if target is None:
                if np.any(params[key] != 0):
                    raise ValueError(f"module has bias=False but params['{key}'] is not all zeros")
                continue
            check_shape(params[key], f"params['{key}']", tuple(target.shape), f"the shape of module.{key}_l0")
            target.copy_(torch.from_numpy(params[key]).to(target.dtype))
    return module


__all__ = ["params_from_torch", "params_to_torch"]
