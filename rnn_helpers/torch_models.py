"""The chapter 3 character RNN built from ``torch.nn`` modules, to check the numpy model against.

Introduced in chapter 3. ``TorchCharRNN`` is ``torch.nn.RNN`` (tanh) followed by
``torch.nn.Linear``: the same equations as ``char_rnn.char_rnn_forward``. Loaded with the
numpy parameters (``from_numpy``), it must give the same probabilities, and PyTorch's
autograd must give the same gradients as the hand-written backpropagation through time.
torch is imported inside the functions, so ``rnn_helpers`` imports without it.
"""

from __future__ import annotations

import numpy as np

from .char_rnn import CHAR_RNN_KEYS, check_char_rnn_params
from .losses import check_targets
from .numpy_rnn import RNN_PARAM_KEYS
from .sequences import check_sequence
from .torch_bridge import params_from_torch, params_to_torch


def _module_class():
    import torch

    class TorchCharRNN(torch.nn.Module):
        """``torch.nn.RNN(V, H)`` then ``torch.nn.Linear(H, V)``; input (T, V), output logits (T, V)."""

        def __init__(self, vocab_size: int, hidden_size: int, dtype=torch.float64):
            super().__init__()
            self.rnn = torch.nn.RNN(vocab_size, hidden_size, nonlinearity="tanh", dtype=dtype)
            self.out = torch.nn.Linear(hidden_size, vocab_size, dtype=dtype)

        def forward(self, x, h0=None):
            """``x`` (T, V) -> logits (T, V) and hidden states (T, H)."""
            h, _ = self.rnn(x, None if h0 is None else h0[None])
            return self.out(h), h

    return TorchCharRNN


def torch_char_rnn(params, dtype=None):
    """A ``TorchCharRNN`` holding the numpy ``params`` (keys ``CHAR_RNN_KEYS``).

    The recurrent weights are copied with ``torch_bridge.params_to_torch``; ``weight_hy``
    (V, H) and ``bias_y`` (V,) become the linear layer's ``weight`` and ``bias``.
    ``dtype`` defaults to ``torch.float64`` so that the comparison with numpy is exact up
    to rounding. Introduced in chapter 3.
    """
    import torch

    params = check_char_rnn_params(params)
    hidden, vocab_size = params["weight_ih"].shape
    module = _module_class()(vocab_size, hidden, dtype=dtype or torch.float64)
    params_to_torch({key: params[key] for key in RNN_PARAM_KEYS}, module.rnn)
    with torch.no_grad():
        module.out.weight.copy_(torch.from_numpy(params["weight_hy"]))
        module.out.bias.copy_(torch.from_numpy(params["bias_y"]))
    return module


def char_params_from_torch(module) -> dict[str, np.ndarray]:
    """The parameters of a ``TorchCharRNN`` as a numpy dict with ``CHAR_RNN_KEYS`` (float64 copies).

    Introduced in chapter 3.
    """
    if not (hasattr(module, "rnn") and hasattr(module, "out")):
        raise TypeError(f"module must be a TorchCharRNN (made by torch_char_rnn), got {type(module).__name__}")
    params = params_from_torch(module.rnn)
    params["weight_hy"] = module.out.weight.detach().cpu().double().numpy().copy()
    params["bias_y"] = module.out.bias.detach().cpu().double().numpy().copy()
    return {key: params[key] for key in CHAR_RNN_KEYS}


def torch_loss_and_grads(params, x, targets, h0=None):
    """Loss, probabilities and gradients of the character RNN computed by PyTorch autograd.

    Same arguments as ``char_rnn.char_rnn_loss``: ``x`` (T, V) one-hot, ``targets`` (T,)
    (-1 = no target), ``h0`` (H,) or None. The loss is
    ``torch.nn.functional.cross_entropy(logits, targets, ignore_index=-1)`` (the mean).

    Returns ``(loss, probs, grads)``: a float, a (T, V) array, and a dict of numpy
    gradients with ``CHAR_RNN_KEYS`` (+ ``"h0"`` when ``h0`` was given). Introduced in chapter 3.
    """
    import torch

    module = torch_char_rnn(params)
    x = check_sequence(x, input_size=module.rnn.input_size)
    targets = check_targets(targets, x.shape[0], module.rnn.input_size)
    h0_tensor = None if h0 is None else torch.tensor(np.asarray(h0, dtype=np.float64), requires_grad=True)
    logits, _ = module(torch.from_numpy(x), h0_tensor)
    loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(targets), ignore_index=-1)
    loss.backward()
    grads = {key: value.grad.numpy().copy() for key, value in _named_tensors(module).items()}
    if h0_tensor is not None:
        grads["h0"] = h0_tensor.grad.numpy().copy()
    probs = torch.softmax(logits, dim=-1).detach().numpy()
    return float(loss.detach()), probs, grads


def _named_tensors(module) -> dict:
    """The module's parameter tensors under the numpy names."""
    named = {key: getattr(module.rnn, f"{key}_l0") for key in RNN_PARAM_KEYS}
    named["weight_hy"], named["bias_y"] = module.out.weight, module.out.bias
    return named


__all__ = ["torch_char_rnn", "char_params_from_torch", "torch_loss_and_grads"]
