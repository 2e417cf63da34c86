"""Short, real training runs that show vanishing and exploding gradients, and clipping.

Introduced in chapter 4. Every run learns the same kind of task, one whose answer depends
only on the *first* input::

    x_1 = +1 or -1 (the answer), x_2 ... x_T ~ N(0, noise^2) (distractions);
    target: x_1, read from the last hidden state h_T.

The network is a tanh RNN with a linear read-out of its last state::

    h_t = tanh(W_ih x_t + b + W_hh h_{t-1}),    prediction = V h_T + c,

trained with backpropagation through time written out in numpy (``loss_and_gradients``,
checked against torch autograd and finite differences in the tests). Writing it out lets a
run record the gradient dL/dh_t that reaches every hidden state, and keeps a 200-update run
well under a second. ``loss="bce"`` treats the task as classification (is x_1 positive?),
``loss="mse"`` as regression onto x_1. Runs are deterministic for a given seed.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_choice

DIVERGED_LOSS = 1e6  # a run whose loss passes this (or stops being finite) is stopped and called diverged
PARAM_KEYS = ("W_ih", "W_hh", "b", "V", "c")


@dataclass(frozen=True)
class RunConfig:
    """The settings of one training run (Introduced in chapter 4).

    steps: sequence length T (the time lag between x_1 and the answer); hidden: hidden units;
    noise: standard deviation of the distracting inputs x_2..x_T; iterations: parameter
    updates; batch: sequences per update; optimizer: "adam" or "sgd"; lr: learning rate;
    loss: "bce" or "mse"; clip: gradient-norm threshold (None: no clipping);
    recurrent_norm: if set, W_hh starts as this number times a random orthogonal matrix
    (every singular value = recurrent_norm), else uniform in +-1/sqrt(hidden) like PyTorch's
    ``torch.nn.RNN``; record_at: iterations at which the per-step gradients dL/dh_t are
    recorded; seed.
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
        for name, minimum in (("steps", 1), ("hidden", 1), ("iterations", 1), ("batch", 1), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
                raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")
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


def memory_batch(rng: np.random.Generator, size: int, steps: int, noise: float):
    """A batch of the task: x (T, size, 1) and targets x_1 (size,), each +1 or -1.

    Introduced in chapter 4.
    """
    answer = rng.integers(0, 2, size) * 2.0 - 1.0
    x = rng.normal(0.0, noise, (steps, size, 1)) if noise > 0 else np.zeros((steps, size, 1))
    x[0, :, 0] = answer
    return x, answer


def init_params(config: RunConfig) -> dict[str, np.ndarray]:
    """Parameters W_ih (H, 1), W_hh (H, H), b (H,), V (1, H), c (1,), float64.

    Uniform in +-1/sqrt(H), the initialisation of ``torch.nn.RNN`` and ``torch.nn.Linear``
    (b, like nn.RNN's bias_ih + bias_hh, is the sum of two such vectors), unless
    ``config.recurrent_norm`` sets W_hh to that multiple of a random orthogonal matrix.
    Introduced in chapter 4.
    """
    rng = np.random.default_rng(config.seed)
    hidden = config.hidden
    bound = 1.0 / math.sqrt(hidden)

    def uniform(*shape):
        return rng.uniform(-bound, bound, shape)

    params = {"W_ih": uniform(hidden, 1), "W_hh": uniform(hidden, hidden), "b": uniform(hidden) + uniform(hidden),
              "V": uniform(1, hidden), "c": uniform(1)}
    if config.recurrent_norm is not None:
        q, r = np.linalg.qr(rng.normal(size=(hidden, hidden)))
        params["W_hh"] = config.recurrent_norm * q * np.sign(np.diag(r))
    return params


def forward(params: dict, x: np.ndarray):
    """Run the network over x (T, batch, 1). Returns the prediction (batch,) and the states
    h_0 ... h_T as one array (T + 1, batch, H), h_0 = 0. Introduced in chapter 4."""
    steps, batch, _ = x.shape
    inputs = x @ params["W_ih"].T + params["b"]  # (T, batch, H): every input term at once
    states = np.zeros((steps + 1, batch, params["W_hh"].shape[0]))
    recurrent = params["W_hh"].T
    for t in range(steps):
        states[t + 1] = np.tanh(inputs[t] + states[t] @ recurrent)
    prediction = states[-1] @ params["V"][0] + params["c"][0]
    return prediction, states


def _loss(prediction: np.ndarray, target: np.ndarray, kind: str):
    """Mean loss over the batch and its derivative with respect to the prediction."""
    if kind == "mse":
        error = prediction - target
        return float(np.mean(error**2)), 2.0 * error / error.shape[0]
    label = (target > 0).astype(np.float64)
    # binary cross-entropy with logits, written to stay finite for any logit
    loss = np.mean(np.maximum(prediction, 0) - prediction * label + np.log1p(np.exp(-np.abs(prediction))))
    probability = np.exp(-np.logaddexp(0.0, -prediction))  # sigmoid without overflow
    return float(loss), (probability - label) / prediction.shape[0]


def loss_and_gradients(params: dict, x: np.ndarray, target: np.ndarray, kind: str = "bce"):
    """The mean loss of a batch, the gradients of every parameter, and ||dL/dh_t|| per step.

    Backpropagation through time: dL/dh_T comes from the read-out; each step back multiplies
    by tanh'(a_t) = 1 - h_t^2 and by W_hh^T, and adds the step's share to the weight gradients.

    Returns
    -------
    loss : float
    grads : dict with the keys and shapes of ``params``
    step_norms : array (T,), the norm of dL/dh_t (over the whole batch) for t = 1..T

    Introduced in chapter 4.
    """
    kind = check_choice(kind, "kind", ("bce", "mse"))
    prediction, states = forward(params, x)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run may overflow; train() stops it
        loss, d_prediction = _loss(prediction, target, kind)
        grads = {key: np.zeros_like(value) for key, value in params.items()}
        grads["V"][0] = d_prediction @ states[-1]
        grads["c"][0] = d_prediction.sum()
        d_h = np.outer(d_prediction, params["V"][0])  # dL/dh_T, (batch, H)
        steps = x.shape[0]
        step_norms = np.empty(steps)
        d_pre = np.empty_like(states[1:])  # dL/da_t for every step
        for t in range(steps, 0, -1):
            step_norms[t - 1] = np.linalg.norm(d_h)
            d_pre[t - 1] = d_h * (1.0 - states[t] ** 2)
            d_h = d_pre[t - 1] @ params["W_hh"]
        hidden = states.shape[-1]
        flat = d_pre.reshape(-1, hidden)
        grads["W_hh"] = flat.T @ states[:-1].reshape(-1, hidden)
        grads["W_ih"] = flat.T @ x.reshape(-1, 1)
        grads["b"] = flat.sum(axis=0)
    return loss, grads, step_norms


def gradient_norm(grads: dict) -> float:
    """The norm of all parameter gradients together, sqrt(sum of squares). Introduced in chapter 4."""
    with np.errstate(over="ignore"):
        return math.sqrt(sum(float(np.sum(g**2)) for g in grads.values()))


def clip_gradients(grads: dict, threshold: float) -> float:
    """Pascanu et al.'s rule: if ||g|| > threshold, rescale g to threshold * g / ||g||.

    ``g`` is all parameter gradients together; the rescaling keeps its direction. Changes
    the arrays of ``grads`` in place and returns the norm *before* clipping.
    Introduced in chapter 4.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not threshold > 0:
        raise ValueError(f"threshold must be a positive number; got {threshold!r}")
    norm = gradient_norm(grads)
    if math.isfinite(norm) and norm > threshold:
        for g in grads.values():
            g *= threshold / norm
    return norm


class Optimizer:
    """Plain gradient descent or Adam, written out; the same updates as ``torch.optim.SGD`` and
    ``torch.optim.Adam`` with their default settings. Introduced in chapter 4."""

    def __init__(self, params: dict, kind: str = "adam", lr: float = 0.01, betas=(0.9, 0.999), eps: float = 1e-8):
        check_choice(kind, "kind", ("adam", "sgd"))
        self.params, self.kind, self.lr, self.betas, self.eps = params, kind, lr, betas, eps
        self.count = 0
        self.first = {key: np.zeros_like(p) for key, p in params.items()}
        self.second = {key: np.zeros_like(p) for key, p in params.items()}

    def step(self, grads: dict) -> None:
        """Update every parameter in place from ``grads`` (same keys and shapes)."""
        self.count += 1
        beta1, beta2 = self.betas
        for key, p in self.params.items():
            g = grads[key]
            if self.kind == "sgd":
                p -= self.lr * g
                continue
            self.first[key] = beta1 * self.first[key] + (1 - beta1) * g
            self.second[key] = beta2 * self.second[key] + (1 - beta2) * g * g
            first = self.first[key] / (1 - beta1**self.count)
            second = self.second[key] / (1 - beta2**self.count)
            p -= self.lr * first / (np.sqrt(second) + self.eps)


def evaluate(params: dict, config: RunConfig, size: int = 2000) -> float:
    """Share of ``size`` fresh sequences (fixed seed) where the sign of the prediction is the sign of x_1."""
    x, answer = memory_batch(np.random.default_rng(10_000 + config.seed), size, config.steps, config.noise)
    prediction, _ = forward(params, x)
    return float(np.mean((prediction > 0) == (answer > 0)))


def train(config: RunConfig) -> RunResult:
    """Train one run and record what the chapter plots. Introduced in chapter 4."""
    params = init_params(config)
    optimizer = Optimizer(params, config.optimizer, config.lr)
    rng = np.random.default_rng(config.seed + 1)
    losses, grad_norms, step_grad_norms = [], [], {}
    diverged_at = None
    for iteration in range(config.iterations):
        x, answer = memory_batch(rng, config.batch, config.steps, config.noise)
        loss, grads, step_norms = loss_and_gradients(params, x, answer, config.loss)
        norm = gradient_norm(grads)
        if not (math.isfinite(loss) and loss <= DIVERGED_LOSS and math.isfinite(norm)):
            diverged_at = iteration
            break
        if iteration in config.record_at:
            step_grad_norms[iteration] = step_norms
        if config.clip is not None:
            clip_gradients(grads, config.clip)
        optimizer.step(grads)
        losses.append(loss)
        grad_norms.append(norm)
    accuracy = None if diverged_at is not None else evaluate(params, config)
    return RunResult(config, np.array(losses), np.array(grad_norms), step_grad_norms, diverged_at, accuracy)


def gradient_ratio_at_init(steps: int, hidden: int, seeds=(0, 1, 2), batch: int = 16, noise: float = 1.0) -> float:
    """||dL/dh_1|| / ||dL/dh_T|| of freshly initialised networks (no training): how much of the
    learning signal reaches the first step. The geometric mean over one network per seed (the
    ratio spans orders of magnitude, so its logarithm is what is averaged). Introduced in chapter 4."""
    logs = []
    for seed in seeds:
        config = RunConfig(steps=steps, hidden=hidden, seed=seed, batch=batch, noise=noise, iterations=1)
        x, answer = memory_batch(np.random.default_rng(seed + 1), batch, steps, noise)
        _, _, step_norms = loss_and_gradients(init_params(config), x, answer, "bce")
        logs.append(math.log(step_norms[0] / step_norms[-1]))
    return math.exp(sum(logs) / len(logs))


def plot_step_gradients(results: dict, floor: float = 1e-12):
    """One panel per run: ||dL/dh_t|| / ||dL/dh_T|| against the step t, one line per recorded
    iteration. ``results`` maps a panel title to a ``RunResult``. Values below ``floor`` are
    drawn at the floor. Returns the figure. Introduced in chapter 4."""
    import matplotlib.pyplot as plt

    from .plots import SERIES_COLOURS

    fig, axes = plt.subplots(1, len(results), figsize=(9.4, 3.6), sharey=True, squeeze=False)
    for ax, (title, result) in zip(axes[0], results.items()):
        for i, (iteration, norms) in enumerate(sorted(result.step_grad_norms.items())):
            steps = np.arange(1, norms.shape[0] + 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(norms[-1] > 0, norms / norms[-1], 0.0)
            ax.plot(steps, np.maximum(ratio, floor), color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    marker="o", markersize=2.5, label=f"update {iteration}")
        ax.set(yscale="log", xlabel="step t (x₁ is read at t = 1)", title=title, ylim=(floor / 10, 1e3))
        ax.axhline(1.0, color="0.3", linestyle=":", linewidth=1)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    axes[0][0].set_ylabel(r"$\|\partial L/\partial h_t\| \,/\, \|\partial L/\partial h_T\|$")
    axes[0][0].set_yticks(10.0 ** np.arange(np.ceil(np.log10(floor)), 1, 3))
    for ax in axes[0]:
        ax.minorticks_off()
    fig.tight_layout()
    return fig


def plot_clipping(runs: dict, threshold: float):
    """Left: the loss of every update for each run (log scale), a cross where a run diverged.
    Right: the gradient norm before clipping, with the clipping threshold. ``runs`` maps a label
    to a ``RunResult``. Returns the figure. Introduced in chapter 4."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator

    from .plots import PALETTE, SERIES_COLOURS

    fig, (left, right) = plt.subplots(1, 2, figsize=(9.4, 3.6))
    for i, (label, result) in enumerate(runs.items()):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        updates = np.arange(result.losses.shape[0])
        left.plot(updates, result.losses, color=colour, label=label, linewidth=1.2)
        right.plot(updates, result.grad_norms, color=colour, label=label, linewidth=1.2)
        if result.diverged_at is not None:
            left.plot(updates[-1], result.losses[-1], marker="X", markersize=10, color=colour, linestyle="none")
            left.annotate(f"diverged: next loss above $10^{{{round(math.log10(DIVERGED_LOSS))}}}$",
                          (updates[-1], result.losses[-1]),
                          xytext=(12, 0), textcoords="offset points", va="center", fontsize=8.5, color=colour)
    right.axhline(threshold, color=PALETTE["black"], linestyle="--", linewidth=1, label=f"clipping threshold {threshold:.2f}")
    left.set(yscale="log", xlabel="update", ylabel="loss (squared error)", title="loss")
    right.set(yscale="log", xlabel="update", ylabel="gradient norm before clipping", title="gradient norm")
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))  # a few labelled decades, no minor ticks:
        ax.minorticks_off()  # hundreds of minor ticks over many decades make drawing slow
    right.legend(fontsize=8, frameon=False, loc="upper right")
    fig.tight_layout()
    return fig


__all__ = [
    "plot_step_gradients",
    "plot_clipping",
    "DIVERGED_LOSS",
    "RunConfig",
    "RunResult",
    "PARAM_KEYS",
    "memory_batch",
    "init_params",
    "forward",
    "loss_and_gradients",
    "gradient_norm",
    "clip_gradients",
    "evaluate",
    "Optimizer",
    "train",
    "gradient_ratio_at_init",
]
