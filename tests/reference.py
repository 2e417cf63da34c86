"""Reference computations the numpy helpers are checked against: torch autograd and finite differences."""

from __future__ import annotations

import re

import numpy as np
import torch

TORCH_NONLINEARITIES = {
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "linear": lambda a: a,
}


def random_params(rng: np.random.Generator, input_size: int, hidden: int, gates: int = 1, scale: float = 0.5):
    """Random float64 parameters in PyTorch's layout."""
    return {
        "weight_ih": rng.normal(0, scale, (gates * hidden, input_size)),
        "weight_hh": rng.normal(0, scale, (gates * hidden, hidden)),
        "bias_ih": rng.normal(0, scale, gates * hidden),
        "bias_hh": rng.normal(0, scale, gates * hidden),
    }


def torch_leaves(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """float64 tensors that require grad, one per array."""
    return {key: torch.tensor(value, dtype=torch.float64, requires_grad=True) for key, value in arrays.items()}


def autograd_rnn(x, params, h0, nonlinearity, dh):
    """Hidden states and gradients of sum(dh * h) from an explicit torch loop (any nonlinearity)."""
    leaves = torch_leaves({**params, "x": x, "h0": h0})
    f = TORCH_NONLINEARITIES[nonlinearity]
    h_prev, states = leaves["h0"], []
    for t in range(x.shape[0]):
        a = leaves["x"][t] @ leaves["weight_ih"].T + leaves["bias_ih"] + h_prev @ leaves["weight_hh"].T + leaves["bias_hh"]
        h_prev = f(a)
        states.append(h_prev)
    h = torch.stack(states)
    (h * torch.from_numpy(dh)).sum().backward()
    return h.detach().numpy(), {key: leaf.grad.numpy() for key, leaf in leaves.items()}


def module_with_params(kind: str, params, nonlinearity: str = "tanh"):
    """A float64 torch.nn.RNN or LSTM holding ``params`` in layer 0."""
    input_size, hidden = params["weight_ih"].shape[1], params["weight_hh"].shape[1]
    if kind == "RNN":
        module = torch.nn.RNN(input_size, hidden, nonlinearity=nonlinearity)
    else:
        module = torch.nn.LSTM(input_size, hidden)
    module = module.double()
    with torch.no_grad():
        for key, value in params.items():
            getattr(module, f"{key}_l0").copy_(torch.from_numpy(value))
    return module


def finite_difference(loss, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar function ``loss()`` with respect to ``array`` (changed in place and restored)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = loss()
        array[index] = saved - eps
        minus = loss()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def exactly(message: str) -> str:
    """A ``pytest.raises(..., match=)`` pattern that matches ``message`` whole and nothing else."""
    return "^" + re.escape(message) + "$"
