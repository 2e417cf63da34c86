"""Short, real training runs that show vanishing and exploding gradients, and clipping.

Introduced in chapter 4. Every run learns the same kind of task, one whose answer depends
only on the *first* input:

    x_1 = +1 or -1 (the answer), x_2 ... x_T ~ N(0, noise^2) (distractions);
    target: x_1, read from the last hidden state h_T.

The network is a tanh RNN written as an explicit loop in torch (so the gradient that
reaches every hidden state h_t can be recorded), with a linear readout:

    h_t = tanh(W_ih x_t + b + W_hh h_{t-1}),    prediction = V h_T + c.

``loss="bce"`` treats the task as classification (is x_1 positive?), ``loss="mse"`` as
regression onto x_1. Runs are deterministic for a given seed (torch on one thread).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_choice

DIVERGED_LOSS = 1e6  # a run whose loss passes this (or stops being finite) is stopped and called diverged


@dataclass(frozen=True)
class RunConfig:
    """The settings of one training run (Introduced in chapter 4).

    steps: sequence length T (the time lag between x_1 and the answer); hidden: hidden units;
    noise: standard deviation of the distracting inputs x_2..x_T; iterations: parameter
    updates; batch: sequences per update; optimizer: "adam" or "sgd"; lr: learning rate;
    loss: "bce" or "mse"; clip: gradient-norm threshold (None: no clipping);
    recurrent_norm: if set, W_hh starts as this number times a random orthogonal matrix
    (largest singular value = recurrent_norm), else PyTorch's default initialisation;
    record_at: iterations at which the per-step gradients dL/dh_t are recorded; seed.
    """

    steps: int = 30
    hidden: int = 16
    noise: float = 1.0
    iterations: int = 200
    batch: int = 32
    optimizer: str = "adam"
    lr: float = 0.01
    loss: str = "bce"
    clip: float | None = None
    recurrent_norm: float | None = None
    record_at: tuple[int, ...] = (0,)
    seed: int = 0

    def __post_init__(self):
        for name in ("steps", "hidden", "iterations", "batch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
        for name in ("noise", "lr", "clip", "recurrent_norm"):
            value = getattr(self, name)
            if value is None and name in ("clip", "recurrent_norm"):
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number; got {value!r}")
            if value < 0 or (value == 0 and name != "noise"):
                raise ValueError(f"{name} must be {'>= 0' if name == 'noise' else 'positive'}; got {value!r}")
        check_choice(self.optimizer, "optimizer", ("adam", "sgd"))
        check_choice(self.loss, "loss", ("bce", "mse"))
        if any(not 0 <= i < self.iterations for i in self.record_at):
            raise ValueError(f"record_at must hold iterations from 0 to {self.iterations - 1}; got {self.record_at}")


@dataclass
class RunResult:
    """What a run produced (Introduced in chapter 4).

    losses: (n,) loss of every update made (n = iterations, or fewer if it diverged);
    grad_norms: (n,) norm of the full parameter gradient before clipping;
    step_grad_norms: {iteration: (T,) array, ||dL/dh_t|| for t = 1..T};
    diverged_at: the update at which the loss passed DIVERGED_LOSS or stopped being finite, else None;
    accuracy: share of 2000 fresh test sequences whose sign of x_1 the model gets right
    (None if it diverged).
    """

    config: RunConfig
    losses: np.ndarray
    grad_norms: np.ndarray
    step_grad_norms: dict = field(default_factory=dict)
    diverged_at: int | None = None
    accuracy: float | None = None


def memory_batch(generator, size: int, steps: int, noise: float):
    """A batch of the task: x (T, size, 1) float64 and targets x_1 (size,) in {-1, +1}.

    ``generator`` is a ``torch.Generator``. Introduced in chapter 4.
    """
    import torch

    answer = torch.randint(0, 2, (size,), generator=generator).double() * 2 - 1
    x = torch.randn(steps, size, 1, generator=generator, dtype=torch.float64) * noise
    x[0, :, 0] = answer
    return x, answer


def init_params(config: RunConfig) -> dict:
    """Parameters as float64 torch leaves: W_ih (H, 1), W_hh (H, H), b (H,), V (1, H), c (1,).

    PyTorch's default (uniform +-1/sqrt(H), as ``torch.nn.RNN`` and ``torch.nn.Linear``; b is
    the sum of two such vectors, like nn.RNN's bias_ih + bias_hh)
    unless ``config.recurrent_norm`` sets W_hh to that multiple of a random orthogonal matrix.
    Introduced in chapter 4.
    """
    import torch

    torch.manual_seed(config.seed)
    hidden = config.hidden
    bound = 1.0 / math.sqrt(hidden)

    def uniform(*shape):
        return (torch.rand(*shape, dtype=torch.float64) * 2 - 1) * bound

    params = {"W_ih": uniform(hidden, 1), "W_hh": uniform(hidden, hidden), "b": uniform(hidden) + uniform(hidden),
              "V": uniform(1, hidden), "c": uniform(1)}
    if config.recurrent_norm is not None:
        q, r = torch.linalg.qr(torch.randn(hidden, hidden, dtype=torch.float64))
        params["W_hh"] = config.recurrent_norm * q * torch.sign(torch.diagonal(r))
    return {key: value.requires_grad_() for key, value in params.items()}


def forward(params: dict, x, keep_states: bool = False):
    """Prediction (batch,) for x (T, batch, 1), and the hidden states if ``keep_states``.

    With ``keep_states`` every h_t keeps its gradient after ``backward()`` (``h.grad`` is
    dL/dh_t, shape (batch, H)). Introduced in chapter 4.
    """
    import torch

    inputs = x @ params["W_ih"].T + params["b"]  # (T, batch, H): every input term at once
    h = torch.zeros(x.shape[1], params["W_hh"].shape[0], dtype=torch.float64)
    states = []
    recurrent = params["W_hh"].T
    for t in range(x.shape[0]):
        h = torch.tanh(torch.addmm(inputs[t], h, recurrent))
        if keep_states:
            h.retain_grad()
            states.append(h)
    prediction = (h @ params["V"].T + params["c"]).squeeze(1)
    return prediction, states


def loss_of(prediction, target, kind: str):
    """Mean loss of a batch: binary cross-entropy on the sign of x_1, or squared error onto x_1."""
    import torch

    if kind == "bce":
        return torch.nn.functional.binary_cross_entropy_with_logits(prediction, (target > 0).double())
    return ((prediction - target) ** 2).mean()


def gradient_norm(params: dict) -> float:
    """The norm of all parameter gradients together, sqrt(sum of squares). Introduced in chapter 4."""
    return math.sqrt(sum(float((p.grad**2).sum()) for p in params.values()))


def clip_gradients(params: dict, threshold: float) -> float:
    """Pascanu et al.'s rule: if ||g|| > threshold, rescale g to threshold * g / ||g||.

    ``g`` is all parameter gradients together; the rescaling keeps its direction. Changes
    the ``.grad`` tensors in place and returns the norm *before* clipping.
    Introduced in chapter 4.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not threshold > 0:
        raise ValueError(f"threshold must be a positive number; got {threshold!r}")
    norm = gradient_norm(params)
    if norm > threshold:
        for p in params.values():
            p.grad.mul_(threshold / norm)
    return norm


def evaluate(params: dict, config: RunConfig, size: int = 2000) -> float:
    """Share of ``size`` fresh sequences (fixed seed) where the sign of the prediction is the sign of x_1."""
    import torch

    x, answer = memory_batch(torch.Generator().manual_seed(10_000 + config.seed), size, config.steps, config.noise)
    with torch.no_grad():
        prediction, _ = forward(params, x)
    return float(((prediction > 0) == (answer > 0)).double().mean())


class Optimizer:
    """Plain SGD or Adam, written out (a few lines each) instead of ``torch.optim``.

    The update is the textbook one and equals ``torch.optim.SGD`` / ``torch.optim.Adam`` with
    their default settings; writing it out also spares the chapter the seconds that
    ``torch.optim`` needs to import its compiler machinery on first use.
    Introduced in chapter 4.
    """

    def __init__(self, params: dict, kind: str = "adam", lr: float = 0.01, betas=(0.9, 0.999), eps: float = 1e-8):
        import torch

        check_choice(kind, "kind", ("adam", "sgd"))
        self.params, self.kind, self.lr, self.betas, self.eps = params, kind, lr, betas, eps
        self.count = 0
        self.first = {key: torch.zeros_like(p) for key, p in params.items()}
        self.second = {key: torch.zeros_like(p) for key, p in params.items()}

    def step(self) -> None:
        import torch

        self.count += 1
        beta1, beta2 = self.betas
        with torch.no_grad():
            for key, p in self.params.items():
                if self.kind == "sgd":
                    p -= self.lr * p.grad
                    continue
                self.first[key].mul_(beta1).add_(p.grad, alpha=1 - beta1)
                self.second[key].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                first = self.first[key] / (1 - beta1**self.count)
                second = self.second[key] / (1 - beta2**self.count)
                p -= self.lr * first / (second.sqrt() + self.eps)

    def zero_grad(self) -> None:
        for p in self.params.values():
            p.grad = None


def train(config: RunConfig) -> RunResult:
    """Train one run and record what the chapter plots. Introduced in chapter 4."""
    import torch

    torch.set_num_threads(1)
    params = init_params(config)
    optimizer = Optimizer(params, config.optimizer, config.lr)
    generator = torch.Generator().manual_seed(config.seed)
    losses, grad_norms, step_grad_norms = [], [], {}
    diverged_at = None
    for iteration in range(config.iterations):
        x, answer = memory_batch(generator, config.batch, config.steps, config.noise)
        record = iteration in config.record_at
        prediction, states = forward(params, x, keep_states=record)
        loss = loss_of(prediction, answer, config.loss)
        value = float(loss.detach())
        if not math.isfinite(value) or value > DIVERGED_LOSS:
            diverged_at = iteration
            break
        optimizer.zero_grad()
        loss.backward()
        if record:
            step_grad_norms[iteration] = np.array([float(h.grad.norm()) for h in states])
        norm = clip_gradients(params, config.clip) if config.clip is not None else gradient_norm(params)
        if not math.isfinite(norm):
            diverged_at = iteration
            break
        optimizer.step()
        losses.append(value)
        grad_norms.append(norm)
    accuracy = None if diverged_at is not None else evaluate(params, config)
    return RunResult(config, np.array(losses), np.array(grad_norms), step_grad_norms, diverged_at, accuracy)


def gradient_ratio_at_init(steps: int, hidden: int, seed: int = 0, batch: int = 64, noise: float = 1.0) -> float:
    """||dL/dh_1|| / ||dL/dh_T|| of a freshly initialised network (no training): how much of the
    learning signal reaches the first step. Introduced in chapter 4."""
    import torch

    torch.set_num_threads(1)
    config = RunConfig(steps=steps, hidden=hidden, seed=seed, batch=batch, noise=noise, iterations=1)
    params = init_params(config)
    x, answer = memory_batch(torch.Generator().manual_seed(seed), batch, steps, noise)
    prediction, states = forward(params, x, keep_states=True)
    loss_of(prediction, answer, "bce").backward()
    return float(states[0].grad.norm()) / float(states[-1].grad.norm())


__all__ = [
    "DIVERGED_LOSS",
    "RunConfig",
    "RunResult",
    "memory_batch",
    "init_params",
    "forward",
    "loss_of",
    "gradient_norm",
    "clip_gradients",
    "evaluate",
    "Optimizer",
    "train",
    "gradient_ratio_at_init",
]
