"""A character-level RNN in numpy: read one character per step, predict the next at every step.

Introduced in chapter 3. The model is a vanilla recurrent layer (``numpy_rnn.rnn_forward``)
followed by an output layer that turns each hidden state into one score per character::

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_ih + b_hh)       (hidden,)
    z_t = W_hy h_t + b_y                                      (V,)
    p_t = softmax(z_t)                                        (V,)
    L   = mean over the steps with a target of -log p_t[target_t]

The parameters are one flat dict (``CHAR_RNN_KEYS``) in PyTorch's names and layouts:
``weight_ih`` (H, V) is W_xh, ``weight_hh`` (H, H) is W_hh, ``bias_ih`` and ``bias_hh``
(H,) add up to the one bias b of the equation (PyTorch keeps two), ``weight_hy`` (V, H)
and ``bias_y`` (V,) form the output layer (``torch.nn.Linear(H, V)``'s weight and bias).
Inputs and outputs share one vocabulary of V characters, so a prediction can be fed back
in as the next input (see ``generate``).
"""

from __future__ import annotations

import numpy as np

from ._validate import (
    check_generation_options,
    check_params,
    check_positive_number,
    check_seed,
    check_vocab,
    check_shape,
    real_array,
)
from .losses import check_targets, softmax, softmax_cross_entropy
from .numpy_rnn import RNN_PARAM_KEYS, check_rnn_params, rnn_backward, rnn_forward
from .sequences import check_sequence

CHAR_RNN_KEYS = RNN_PARAM_KEYS + ("weight_hy", "bias_y")


def init_char_rnn(vocab_size: int, hidden_size: int, seed: int) -> dict[str, np.ndarray]:
    """Random parameters for a character RNN with V = ``vocab_size`` and H = ``hidden_size``.

    Every entry is drawn uniformly from [-1/sqrt(H), 1/sqrt(H)], the rule ``torch.nn.RNN``
    uses for its own initial weights, from ``numpy.random.default_rng(seed)``.
    Shapes as in the module docstring. Introduced in chapter 3.
    """
    for name, value in (("vocab_size", vocab_size), ("hidden_size", hidden_size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    rng = check_seed(seed)
    bound = 1.0 / np.sqrt(hidden_size)
    shapes = {
        "weight_ih": (hidden_size, vocab_size),
        "weight_hh": (hidden_size, hidden_size),
        "bias_ih": (hidden_size,),
        "bias_hh": (hidden_size,),
        "weight_hy": (vocab_size, hidden_size),
        "bias_y": (vocab_size,),
    }
    return {key: rng.uniform(-bound, bound, shape) for key, shape in shapes.items()}


def check_char_rnn_params(params) -> dict[str, np.ndarray]:
    """Validate a character RNN's parameters (keys ``CHAR_RNN_KEYS``) and return float64 copies.

    Introduced in chapter 3.
    """
    params = check_params(params, CHAR_RNN_KEYS)
    check_rnn_params({key: params[key] for key in RNN_PARAM_KEYS})
    hidden, vocab_size = params["weight_ih"].shape
    check_shape(params["weight_hy"], "params['weight_hy']", (vocab_size, hidden),
                f"(V, H): one row of scores per character, V = {vocab_size} and H = {hidden} from weight_ih")
    check_shape(params["bias_y"], "params['bias_y']", (vocab_size,), f"(V,) with V = {vocab_size} from weight_ih")
    return params


def char_rnn_forward(x, params, h0=None):
    """Run the character RNN over one sequence.

    Parameters
    ----------
    x : array, (T, V)
        One-hot rows, e.g. ``vocab.one_hot("Pleas")``.
    params : dict with ``CHAR_RNN_KEYS``
    h0 : array, (H,), optional
        The state before the first character; zeros if omitted.

    Returns
    -------
    probs : array, (T, V)
        p_t, the predicted distribution of the character after step t.
    h : array, (T, H)
        The hidden state after every step.
    cache : dict
        What ``char_rnn_backward`` needs (also holds ``logits``, (T, V)).

    Introduced in chapter 3.
    """
    params = check_char_rnn_params(params)
    x = check_sequence(x, input_size=params["weight_ih"].shape[1])
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D (T, V), one sequence of one-hot rows; got shape {x.shape}")
    h, rnn_cache = rnn_forward(x, {key: params[key] for key in RNN_PARAM_KEYS}, h0)
    logits = h @ params["weight_hy"].T + params["bias_y"]  # (T, V)
    # The cache keeps rnn_forward's own h, not the copy handed to the caller, so writing
    # into the returned h (or logits) never changes the gradients of char_rnn_backward.
    cache = {"rnn": rnn_cache, "h": rnn_cache["h"], "logits": logits.copy(), "params": params}
    return softmax(logits), h, cache


def char_rnn_backward(dlogits, cache) -> dict[str, np.ndarray]:
    """Backpropagation through time for ``char_rnn_forward``.

    ``dlogits`` (T, V) is dL/dz_t for every step (from ``softmax_cross_entropy``). Returns
    the gradient of every parameter (``CHAR_RNN_KEYS``, same shapes) and of ``h0`` (H,).

    The output layer is handled here; the recurrence by ``numpy_rnn.rnn_backward``::

        dW_hy = sum_t dz_t h_t^T,   db_y = sum_t dz_t,   dL/dh_t (direct) = W_hy^T dz_t

    Introduced in chapter 3.
    """
    if not isinstance(cache, dict) or not {"rnn", "h", "logits", "params"} <= set(cache):
        raise TypeError(
            "cache must be the dict char_rnn_forward returns third: "
            f"`probs, h, cache = char_rnn_forward(x, params)`; got {type(cache).__name__}"
        )
    h, params = cache["h"], cache["params"]
    dlogits = real_array(dlogits, "dlogits")
    check_shape(dlogits, "dlogits", cache["logits"].shape, "the shape of the forward pass's logits, (T, V)")
    grads = {
        "weight_hy": dlogits.T @ h,  # (V, H)
        "bias_y": dlogits.sum(axis=0),  # (V,)
    }
    dh = dlogits @ params["weight_hy"]  # (T, H): what each step's output sends into h_t
    rnn_grads = rnn_backward(dh, cache["rnn"])
    for key in RNN_PARAM_KEYS:
        grads[key] = rnn_grads[key]
    grads["h0"] = rnn_grads["h0"]
    return {key: grads[key] for key in CHAR_RNN_KEYS + ("h0",)}


def char_rnn_loss(params, x, targets, h0=None):
    """Forward pass, loss and backward pass in one call: what one training update needs.

    ``x`` (T, V) one-hot inputs, ``targets`` (T,) integer indices of the next characters
    (-1 for a step without a target). Returns ``(loss, grads)``: the mean cross-entropy
    over the steps with a target, and a dict of gradients with the keys and shapes of
    ``params`` (``CHAR_RNN_KEYS``). Introduced in chapter 3.
    """
    probs, _, cache = char_rnn_forward(x, params, h0)
    targets = check_targets(targets, probs.shape[0], probs.shape[1])
    loss, dlogits, _ = softmax_cross_entropy(cache["logits"], targets)
    grads = char_rnn_backward(dlogits, cache)
    grads.pop("h0")
    return loss, grads


def state_gradient_norms(params, x, targets, h0=None) -> np.ndarray:
    """How strongly each step's loss reaches back into each hidden state: (T, T).

    Entry [t, k] is the Euclidean norm of dL_t/dh_k, where L_t = -log p_t[targets[t]] is
    the loss of step t alone (zero if step t has no target). It is zero for k > t: a loss
    never depends on later states. Computed with the recursion of backpropagation through
    time, dL_t/dh_k = W_hh^T (dL_t/dh_{k+1} * (1 - h_{k+1}^2)), started from
    dL_t/dh_t = W_hy^T (p_t - onehot(targets[t])). Introduced in chapter 3.
    """
    probs, h, cache = char_rnn_forward(x, params, h0)
    steps, vocab_size = probs.shape
    targets = check_targets(targets, steps, vocab_size)
    params = cache["params"]
    norms = np.zeros((steps, steps))
    for t in range(steps):
        if targets[t] == -1:
            continue
        dz = probs[t].copy()
        dz[targets[t]] -= 1.0
        dh = params["weight_hy"].T @ dz
        norms[t, t] = np.linalg.norm(dh)
        for k in range(t - 1, -1, -1):
            dh = params["weight_hh"].T @ (dh * (1.0 - h[k + 1] ** 2))
            norms[t, k] = np.linalg.norm(dh)
    return norms


def _checked_gradients(like: dict, params, grads) -> dict[str, np.ndarray]:
    """``grads`` as float64 arrays, once ``params`` and ``grads`` are known to be dicts with the
    keys and shapes of ``like`` (the optimizer's own arrays) holding finite numbers only.
    An optimizer checks everything before it changes anything: a NaN would turn its parameter
    into NaN."""
    for name, value in (("params", params), ("grads", grads)):
        if not isinstance(value, dict):
            raise TypeError(f"{name} must be a dict of numpy arrays; got {type(value).__name__}")
        if set(value) != set(like):
            raise ValueError(f"{name} must have the keys {sorted(like)}; got {sorted(value)}")
    checked = {}
    for key, reference in like.items():
        check_shape(real_array(params[key], f"params['{key}']"), f"params['{key}']", reference.shape,
                    "the shape the optimizer was built with")
        grad = real_array(grads[key], f"grads['{key}']")
        check_shape(grad, f"grads['{key}']", reference.shape, f"the shape of params['{key}']")
        checked[key] = grad
    return checked


class Adagrad:
    """Adagrad, exactly as ``torch.optim.Adagrad(params, lr=lr)`` with its other settings
    (``eps``, no decay) at their defaults; note that torch's default ``lr`` is 0.01, ours 0.1.

    For every parameter array p with gradient g, each ``step`` does::

        s <- s + g * g            (the running sum of squared gradients, per entry)
        p <- p - lr * g / (sqrt(s) + eps)

    so every weight gets its own step size, large while its gradients have been small.
    ``step`` changes the arrays of ``params`` in place. Introduced in chapter 3.
    """

    def __init__(self, params, lr: float = 0.1, eps: float = 1e-10):
        if not isinstance(params, dict) or not params:
            raise TypeError(f"params must be a non-empty dict of numpy arrays; got {type(params).__name__}")
        self.lr = check_positive_number(lr, "lr")
        self.eps = check_positive_number(eps, "eps")
        self.sums = {key: np.zeros_like(np.asarray(value, dtype=np.float64)) for key, value in params.items()}

    def step(self, params, grads) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys and shapes)."""
        checked = _checked_gradients(self.sums, params, grads)
        for key, total in self.sums.items():
            grad = checked[key]
            total += grad * grad
            params[key] -= self.lr * grad / (np.sqrt(total) + self.eps)


class GradientDescent:
    """Plain gradient descent, as ``torch.optim.SGD(params, lr=lr)`` with its other settings
    at their defaults: every ``step`` does ``p <- p - lr * g`` for every parameter array,
    in place, with one learning rate for all. Checks its input like ``Adagrad``.
    Introduced in chapter 3 (its exercise comparing it with Adagrad).
    """

    def __init__(self, params, lr: float = 0.1):
        self._shapes = Adagrad(params, lr=lr)  # the same checks of params and lr
        self.lr = self._shapes.lr

    def step(self, params, grads) -> None:
        """Update every array of ``params`` in place from ``grads`` (same keys and shapes)."""
        for key, grad in _checked_gradients(self._shapes.sums, params, grads).items():
            params[key] -= self.lr * grad


def generate(params, vocab, start: str, length: int, mode: str = "argmax", seed: int | None = None,
             stop: str | None = None) -> str:
    """Let the model write: feed ``start``, then feed back each character it picks.

    Returns ``start`` followed by the generated characters. Introduced in chapter 3.

    Parameters
    ----------
    params : dict with ``CHAR_RNN_KEYS``
    vocab : rnn_helpers.vocab.Vocabulary with V tokens
    start : str, at least one character of the vocabulary
    length : int
        How many characters to add at most.
    mode : "argmax" (the most likely character, deterministic) or "sample" (drawn from p_t
        with ``numpy.random.default_rng(seed)``; ``seed`` is then required).
    stop : str, optional
        A token that ends the text as soon as it is produced (an end-of-word mark).
    """
    rng = check_generation_options(mode, seed, length)
    params = check_char_rnn_params(params)
    check_vocab(vocab)
    if params["weight_ih"].shape[1] != len(vocab):
        raise ValueError(f"vocab has {len(vocab)} tokens but the model reads {params['weight_ih'].shape[1]}")
    probs, h, _ = char_rnn_forward(np.eye(len(vocab))[vocab.encode(start, name="start")], params)
    text, state, p = list(start), h[-1], probs[-1]
    for _ in range(length):
        index = int(np.argmax(p)) if mode == "argmax" else int(rng.choice(len(vocab), p=p))
        token = vocab.tokens[index]
        text.append(token)
        if token == stop:
            break
        probs, h, _ = char_rnn_forward(vocab.one_hot([token]), params, state)
        state, p = h[-1], probs[-1]
    return "".join(text)


__all__ = [
    "CHAR_RNN_KEYS",
    "init_char_rnn",
    "check_char_rnn_params",
    "char_rnn_forward",
    "char_rnn_backward",
    "char_rnn_loss",
    "state_gradient_norms",
    "Adagrad",
    "GradientDescent",
    "generate",
]
