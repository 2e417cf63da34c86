"""Moving weights between ``torch.nn`` recurrent modules and the numpy helpers.

Introduced in chapter 1 (for tests) and used in chapters 3 and 5 to show that the numpy
code and PyTorch compute the same numbers from the same weights.

The parameter dict carries the weights of one layer in one direction, nothing else. A module
whose behaviour needs more (two directions, a projection) is refused; a module with several
layers needs ``layer=`` to say which one; a module whose output the dict cannot reproduce on
its own (``nonlinearity="relu"``, ``batch_first=True``) gives a warning that says what to pass.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._validate import check_count, check_shape
from .numpy_rnn import RNN_PARAM_KEYS, check_rnn_params


def _check_module(module, layer) -> tuple[int, int]:
    """Return (G, layer) for a supported torch module: G gates per hidden unit; or raise a clear error.

    Subclasses of ``torch.nn.RNN``, ``LSTM`` and ``GRU`` are accepted.
    """
    import torch

    # isinstance, not the class name: a subclass (class MyLSTM(nn.LSTM)) is a valid module.
    for kind, gates in ((torch.nn.LSTM, 4), (torch.nn.GRU, 3), (torch.nn.RNN, 1)):
        if isinstance(module, kind):
            break
    else:
        raise TypeError(f"module must be a torch.nn.RNN, LSTM or GRU, got {type(module).__name__}")
    if module.bidirectional:
        raise ValueError(
            "module is bidirectional; the numpy helpers model one direction only "
            "(build the module with bidirectional=False)"
        )
    if getattr(module, "proj_size", 0):
        raise ValueError(
            f"module has proj_size={module.proj_size}; the numpy LSTM has no projection "
            "(build the module with proj_size=0)"
        )
    if layer is None:
        if module.num_layers > 1:
            raise ValueError(
                f"module has num_layers={module.num_layers}; the parameter dict holds one layer, and "
                "layer 0 alone computes something else than the whole module. Pass layer=0 .. "
                f"{module.num_layers - 1} to choose one explicitly (layer k reads the h of layer k - 1)"
            )
        layer = 0
    else:
        layer = check_count(layer, "layer", minimum=0)
        if layer >= module.num_layers:
            raise ValueError(f"layer must be below num_layers={module.num_layers}; got {layer}")
    return gates, layer


def params_from_torch(module, layer: int | None = None) -> dict[str, np.ndarray]:
    """One layer of a ``torch.nn.RNN``, ``LSTM`` or ``GRU`` as a dict of float64 arrays.

    Keys and layouts are PyTorch's without the ``_l0`` suffix: ``weight_ih``
    (G*hidden, input), ``weight_hh`` (G*hidden, hidden), ``bias_ih`` and ``bias_hh``
    (G*hidden,), with G = 1, 4, 3 for RNN, LSTM, GRU. A module built with
    ``bias=False`` gives zero biases, which computes the same thing.

    A module with ``num_layers`` > 1 needs ``layer`` (0 is the first). A module with
    ``nonlinearity="relu"`` or ``batch_first=True`` gives a ``UserWarning`` saying how to
    call ``rnn_forward`` so that it computes what the module computes.

    Introduced in chapter 1.
    """
    _, layer = _check_module(module, layer)
    if getattr(module, "nonlinearity", "tanh") != "tanh":
        warnings.warn(
            f"module uses nonlinearity={module.nonlinearity!r}; the parameter dict does not carry it: "
            f"call rnn_forward(x, params, nonlinearity={module.nonlinearity!r}) to reproduce the "
            "module (the default, tanh, computes something else)",
            UserWarning,
            stacklevel=2,
        )
    if module.batch_first:
        warnings.warn(
            "module has batch_first=True, so it reads x as (batch, T, input); the numpy helpers read "
            "(T, batch, input): pass x.transpose(1, 0, 2) to them",
            UserWarning,
            stacklevel=2,
        )
    params = {}
    for key in RNN_PARAM_KEYS:
        tensor = getattr(module, f"{key}_l{layer}", None)
        if tensor is None:  # bias=False
            weight_hh = getattr(module, f"weight_hh_l{layer}")
            tensor = weight_hh.new_zeros(weight_hh.shape[0])
        params[key] = tensor.detach().cpu().double().numpy().copy()
    return params


def params_to_torch(params, module, layer: int | None = None):
    """Copy a numpy parameter dict into one layer of ``module`` in place, and return the module.

    ``params`` must match the module's sizes exactly; the module keeps its dtype. A module
    with ``num_layers`` > 1 needs ``layer`` (0 is the first); the other layers stay as
    they are. A module built with ``bias=False`` accepts only all-zero biases.
    Introduced in chapter 3.
    """
    import torch

    gates, layer = _check_module(module, layer)
    params = check_rnn_params(params, gates=gates)
    with torch.no_grad():
        for key in RNN_PARAM_KEYS:
            target = getattr(module, f"{key}_l{layer}", None)
            if target is None:
                if np.any(params[key] != 0):
                    raise ValueError(
                        f"module has bias=False but params['{key}'] is not all zeros; the module "
                        "cannot hold it (build the module with bias=True)"
                    )
                continue
            check_shape(params[key], f"params['{key}']", tuple(target.shape),
                        f"the shape of module.{key}_l{layer}")
            target.copy_(torch.from_numpy(params[key]).to(target.dtype))
    return module


__all__ = ["params_from_torch", "params_to_torch"]
