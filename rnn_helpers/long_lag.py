"""The long-lag memory task: remember the first input through a sequence of distractions.

Introduced in chapter 5. Every sequence has T steps (the *lag*). Step 1 carries one bit,
+1 or -1, and a marker that says "this is the one to remember"; steps 2 to T carry random
+1/-1 values without the marker, which look exactly like the bit and are pure distraction.
After reading step T a model must answer with the bit of step 1, so whatever it stored at
step 1 must survive T - 1 updates of its state. Guessing scores 50 %.

The module has four parts, used in this order by the chapter:

* ``long_lag_batch``: the data, with fixed seeds (time first, like the rest of the book:
  x is (T, batch, 2), y is (batch,));
* ``make_model``: a tanh RNN, an LSTM or a GRU with about the same number of parameters
  (``DEFAULT_HIDDEN``), followed by a linear read-out of the last hidden state; for the
  LSTM and the GRU, an optional bias on the gate that keeps the old state;
* ``train_model`` and ``test_accuracy``: a deterministic training loop (one torch thread,
  seeded data, seeded initial weights) and the score on a fixed test set;
* ``run_experiment`` and ``results_table``: every model at every lag, as a table.

torch is imported inside the functions that need it, so ``rnn_helpers`` imports without it.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

INPUT_SIZE = 2  # (value, marker)
KINDS = ("rnn", "lstm", "gru")
# Hidden sizes that give the three models about the same number of parameters (within 10 %):
# rnn 1,185, lstm 1,297, gru 1,207 (recurrent layer plus the read-out).
DEFAULT_HIDDEN = {"rnn": 32, "lstm": 16, "gru": 18}
# PyTorch stacks the gates of one layer along the first axis of its weights; the gate that
# keeps the old state is the second block in both layouts: LSTM (i, f, g, o), GRU (r, z, n).
KEEP_GATE = {"lstm": ("f", 1), "gru": ("z", 1)}
TEST_SEED = 2024  # the test sequences are the same for every model and every run
TEST_SIZE = 1000
# torch.manual_seed seeds one generator for the whole process: two threads that create
# models at the same moment would draw each other's initial weights. make_model holds this.
_SEEDED_INIT = threading.Lock()


def _check_int(value, name: str, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise TypeError (not a whole number) / ValueError (out of range)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r}")
    if value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {limits}, got {value}")
    return int(value)


def _check_real(value, name: str, low: float, high: float, open_low: bool = False) -> float:
    """Return ``value`` as a finite float in [low, high] ((low, high] if ``open_low``), or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    too_low = value <= low if open_low else value < low
    if not np.isfinite(value) or too_low or value > high:
        bracket = "(" if open_low else "["
        raise ValueError(f"{name} must be a finite number in {bracket}{low}, {high}], got {value}")
    return value


def long_lag_batch(lag: int, batch: int, rng: np.random.Generator):
    """A batch of the long-lag task.

    Parameters
    ----------
    lag : int, 1 to 1000
        T, the number of steps; the bit sits at step 1 and the answer is due after step T.
    batch : int, at least 1
        How many sequences.
    rng : numpy.random.Generator
        The source of randomness (``np.random.default_rng(seed)``), so the same seed gives
        the same batch.

    Returns
    -------
    x : float32 array, (T, batch, 2)
        ``x[:, :, 0]`` the values (+1 or -1 at every step), ``x[:, :, 1]`` the marker (1 at
        step 1, 0 elsewhere).
    y : float32 array, (batch,)
        The bit to recall: 1.0 if the first value was +1, 0.0 if it was -1.

    Introduced in chapter 5.
    """
    lag = _check_int(lag, "lag", 1, 1000)
    batch = _check_int(batch, "batch", 1)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")
    values = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(lag, batch))
    x = np.zeros((lag, batch, INPUT_SIZE), dtype=np.float32)
    x[:, :, 0] = values
    x[0, :, 1] = 1.0
    y = (values[0] > 0).astype(np.float32)
    return x, y


def test_set(lag: int, size: int = TEST_SIZE):
    """The fixed test sequences for a lag: ``long_lag_batch(lag, size, default_rng(TEST_SEED))``.

    Training draws from other seeds, so a model is scored on sequences it has (almost surely)
    never seen. Introduced in chapter 5.
    """
    size = _check_int(size, "size", 1)
    return long_lag_batch(lag, size, np.random.default_rng(TEST_SEED))


def _classifier_class():
    import torch

    class LastStepClassifier(torch.nn.Module):
        """A recurrent layer, then a linear read-out of its last hidden state.

        ``forward(x)``: x (T, batch, 2) -> logits (batch,); the logit is positive when the
        model answers "the first bit was +1".
        """

        def __init__(self, kind: str, hidden: int):
            super().__init__()
            layers = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
            options = {"nonlinearity": "tanh"} if kind == "rnn" else {}
            self.kind = kind
            self.recurrent = layers[kind](INPUT_SIZE, hidden, **options)
            self.readout = torch.nn.Linear(hidden, 1)

        def forward(self, x):
            h, _ = self.recurrent(x)  # (T, batch, hidden)
            return self.readout(h[-1]).squeeze(-1)  # (batch,)

    return LastStepClassifier


def make_model(kind: str, hidden: int | None = None, keep_bias: float | None = None, seed: int = 0):
    """A freshly initialised classifier for the long-lag task.

    Returns a ``torch.nn.Module``; ``forward`` maps x (T, batch, 2) to logits (batch,).
    Introduced in chapter 5.

    Parameters
    ----------
    kind : {"rnn", "lstm", "gru"}
        A tanh RNN, an LSTM or a GRU layer (``torch.nn`` modules, float32).
    hidden : int, optional
        The hidden size; ``DEFAULT_HIDDEN[kind]`` (32, 16, 18) gives the three kinds about
        the same number of parameters.
    keep_bias : float, optional
        Only for "lstm" and "gru": the bias of the gate that keeps the old state (the LSTM's
        forget gate f, the GRU's update gate z). It is written into ``bias_ih`` and
        ``bias_hh`` is set to 0 for that gate, so the gate's total bias is exactly
        ``keep_bias``. ``None`` keeps PyTorch's initialisation, where the bias is a small
        random number and the gate starts near 0.5.
    seed : int
        Seeds ``torch.manual_seed`` for the initial weights.
    """
    import torch

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    hidden = DEFAULT_HIDDEN[kind] if hidden is None else _check_int(hidden, "hidden", 1, 4096)
    seed = _check_int(seed, "seed", 0)
    if keep_bias is not None:
        if kind not in KEEP_GATE:
            raise ValueError("keep_bias applies to the gate that keeps the old state, which only 'lstm' and 'gru' have; "
                             f"got kind={kind!r} with keep_bias={keep_bias!r}")
        keep_bias = _check_real(keep_bias, "keep_bias", -20.0, 20.0)
    with _SEEDED_INIT:
        torch.manual_seed(seed)
        model = _classifier_class()(kind, hidden)
    if keep_bias is not None:
        block = slice(KEEP_GATE[kind][1] * hidden, (KEEP_GATE[kind][1] + 1) * hidden)
        with torch.no_grad():
            model.recurrent.bias_ih_l0[block] = keep_bias
            model.recurrent.bias_hh_l0[block] = 0.0
    return model


def count_parameters(model) -> int:
    """The number of trainable numbers in a torch module. Introduced in chapter 5."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


@dataclass(frozen=True)
class TrainConfig:
    """How every model is trained (the same for all of them, so the comparison is fair).

    ``steps``: the most Adam updates a run may take; ``batch``: fresh sequences per update;
    ``lr``: Adam's learning rate; ``clip``: the largest gradient norm (larger ones are scaled
    down to it); ``patience``: a run stops early once this many batches in a row were all
    answered correctly.
    """

    steps: int = 500
    batch: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    patience: int = 20

    def __post_init__(self):
        _check_int(self.steps, "steps", 1, 100_000)
        _check_int(self.batch, "batch", 1, 100_000)
        _check_real(self.lr, "lr", 0.0, 1.0, open_low=True)
        _check_real(self.clip, "clip", 0.0, 1e6, open_low=True)
        _check_int(self.patience, "patience", 1)


@dataclass
class TrainResult:
    """What one training run did: ``updates`` taken, whether it ``stopped_early`` (solved),
    the training ``losses`` (one per update) and ``clipped``, how many updates had a
    gradient norm above ``TrainConfig.clip`` and were scaled down."""

    updates: int
    stopped_early: bool
    losses: list[float] = field(default_factory=list)
    clipped: int = 0


@contextmanager
def one_thread():
    """Run torch on one thread inside the ``with`` block, and restore the thread count after it.

    With one thread the order of every floating-point sum is fixed, so training and scoring
    give the same numbers on every run. Introduced in chapter 5.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class Adam:
    """Adam, written out: the update of ``torch.optim.Adam`` with its defaults.

    For every parameter p with gradient g, at update t::

        m <- m + (1 - beta1) (g - m)          v <- beta2 v + (1 - beta2) g^2
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    with beta1 = 0.9, beta2 = 0.999, eps = 1e-8. ``torch.optim.Adam`` computes the same
    numbers (the unit tests compare them update by update), but creating it imports
    ``torch._dynamo``, which takes seconds on a small machine, and this chapter trains a dozen
    models inside its time budget. Introduced in chapter 5.
    """

    def __init__(self, parameters, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        import torch

        self.parameters = [p for p in parameters if p.requires_grad]
        self.lr = _check_real(lr, "lr", 0.0, 1.0, open_low=True)
        self.beta1, self.beta2 = (_check_real(b, "betas[...]", 0.0, 1.0) for b in betas)
        self.eps = _check_real(eps, "eps", 0.0, 1.0, open_low=True)
        self.first = [torch.zeros_like(p) for p in self.parameters]  # m: running mean of the gradient
        self.second = [torch.zeros_like(p) for p in self.parameters]  # v: running mean of its square
        self.updates = 0

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = None

    def step(self) -> None:
        import torch

        self.updates += 1
        step_size = self.lr / (1 - self.beta1**self.updates)
        correction = (1 - self.beta2**self.updates) ** 0.5
        with torch.no_grad():
            for p, m, v in zip(self.parameters, self.first, self.second):
                if p.grad is None:
                    continue
                m.lerp_(p.grad, 1 - self.beta1)
                v.mul_(self.beta2).addcmul_(p.grad, p.grad, value=1 - self.beta2)
                p.addcdiv_(m, (v.sqrt() / correction).add_(self.eps), value=-step_size)


def _check_model(model) -> None:
    import torch

    if not isinstance(model, torch.nn.Module) or not hasattr(model, "recurrent"):
        raise TypeError(f"model must come from make_model(...), got {type(model).__name__}")


def train_model(model, lag: int, config: TrainConfig = TrainConfig(), seed: int = 0) -> TrainResult:
    """Train ``model`` (in place) on fresh batches of the long-lag task.

    Adam (``Adam``, the same update as ``torch.optim.Adam``) with gradient-norm clipping and
    binary cross-entropy on the last step's logit.
    The batches come from ``np.random.default_rng(seed)``, and torch runs on one thread
    while training (restored afterwards), so a run gives the same numbers every time.

    Returns a ``TrainResult``. Introduced in chapter 5.
    """
    import torch

    _check_model(model)
    lag = _check_int(lag, "lag", 1, 1000)
    seed = _check_int(seed, "seed", 0)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if seed == TEST_SEED:
        raise ValueError(f"seed {TEST_SEED} draws the test set; train with another seed")
    rng = np.random.default_rng(seed)
    optimizer = Adam(model.parameters(), lr=config.lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses, perfect_in_a_row, clipped = [], 0, 0
    model.train()
    with one_thread():
        for update in range(1, config.steps + 1):
            x, y = long_lag_batch(lag, config.batch, rng)
            x, y = torch.from_numpy(x), torch.from_numpy(y)
            logits = model(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            clipped += bool(norm > config.clip)
            optimizer.step()
            losses.append(loss.item())
            all_right = bool(((logits > 0).float() == y).all())
            perfect_in_a_row = perfect_in_a_row + 1 if all_right else 0
            if perfect_in_a_row >= config.patience:
                return TrainResult(update, True, losses, clipped)
    return TrainResult(config.steps, False, losses, clipped)


def test_accuracy(model, lag: int) -> float:
    """The share of the fixed test sequences (``test_set(lag)``) answered correctly, in [0, 1].

    Introduced in chapter 5.
    """
    import torch

    _check_model(model)
    x, y = test_set(_check_int(lag, "lag", 1, 1000))
    model.eval()
    with torch.no_grad(), one_thread():
        answers = (model(torch.from_numpy(x)) > 0).numpy()
    return float(np.mean(answers == (y > 0.5)))


# Not a test despite its name: keep pytest from collecting it when a test imports it.
test_accuracy.__test__ = False
test_set.__test__ = False


@dataclass(frozen=True)
class ModelSpec:
    """One contender: ``kind`` ("rnn", "lstm", "gru"), ``hidden`` (None: ``DEFAULT_HIDDEN``),
    ``keep_bias`` (see ``make_model``)."""

    kind: str
    hidden: int | None = None
    keep_bias: float | None = None


@dataclass
class Experiment:
    """What ``run_experiment`` returns.

    ``rows``: one dict per run with ``model`` (the label), ``lag``, ``parameters``,
    ``accuracy`` (test, in [0, 1]), ``updates``, ``solved`` (stopped early) and ``clipped``
    (how many updates were scaled down by the gradient clipping);
    ``models``: the trained modules, keyed by (label, lag);
    ``losses``: the training losses, keyed by (label, lag).
    """

    rows: list[dict] = field(default_factory=list)
    models: dict = field(default_factory=dict)
    losses: dict = field(default_factory=dict)

    def accuracy(self, label: str, lag: int) -> float:
        """The test accuracy of one run."""
        for row in self.rows:
            if row["model"] == label and row["lag"] == lag:
                return row["accuracy"]
        raise KeyError(f"no run for model {label!r} at lag {lag}")


def run_line(row: Mapping) -> str:
    """The progress line printed after one run: numbers with fixed decimals, no times.

    A run counts as solved when it stopped early (``TrainConfig.patience`` perfect batches).
    """
    ending = f"solved at update {row['updates']}" if row["solved"] else f"unsolved after {row['updates']}"
    return f"lag {row['lag']:2d} | {row['model']:<20} | test accuracy {100 * row['accuracy']:5.1f} % | {ending}"


def default_workers() -> int:
    """Two parallel runs where this process may use two cores or more, else one."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 2 if cores >= 2 else 1


def run_experiment(specs: Mapping[str, ModelSpec], lags: Sequence[int], config: TrainConfig = TrainConfig(),
                   seed: int = 0, progress: Callable[[str], None] | None = print,
                   skip: Callable[[str, int], bool] | None = None, workers: int | None = None) -> Experiment:
    """Train every model of ``specs`` at every lag and score it on the test set.

    Returns an ``Experiment``. Introduced in chapter 5.

    Parameters
    ----------
    specs : dict label -> ModelSpec
        The contenders, in the order of the table's columns.
    lags : list of int
        The lags T, in the order of the table's rows.
    config : TrainConfig
        The same budget for every run.
    seed : int
        Seeds every run's initial weights and training batches (the same for all runs, so
        every model sees the same batches at a given lag).
    progress : callable or None
        Called with one line (``run_line``) after each run, in the order of the table;
        ``None`` for silence.
    skip : callable (label, lag) -> bool, optional
        Runs for which it returns True are left out (to save time).
    workers : int, 1 to 16, or None
        How many runs train at the same time, each in its own Python thread on one torch
        thread. torch lets go of Python's global lock inside its operations, so on a machine
        with two cores ``workers=2`` finishes the experiment sooner. None (the default) uses
        two where the process may use two cores or more (Colab's free machines have two),
        else one. The numbers do not depend on it: every run has its own seeds and its own
        model, and the rows, the lines and the losses come out in the same order.
    """
    if not isinstance(specs, Mapping) or not specs:
        raise TypeError(f"specs must be a non-empty dict label -> ModelSpec, got {type(specs).__name__}")
    for label, spec in specs.items():
        if not isinstance(spec, ModelSpec):
            raise TypeError(f"specs[{label!r}] must be a ModelSpec, got {type(spec).__name__}")
    lags = [_check_int(lag, "lags[...]", 1, 1000) for lag in lags]
    if not lags:
        raise ValueError("lags must hold at least one lag")
    workers = default_workers() if workers is None else _check_int(workers, "workers", 1, 16)
    runs = [(label, spec, lag) for lag in lags for label, spec in specs.items()
            if skip is None or not skip(label, lag)]

    def run(job):
        label, spec, lag = job
        model = make_model(spec.kind, spec.hidden, spec.keep_bias, seed=seed)
        result = train_model(model, lag, config, seed=seed)
        row = {"model": label, "lag": lag, "parameters": count_parameters(model),
               "accuracy": test_accuracy(model, lag), "updates": result.updates, "solved": result.stopped_early,
               "clipped": result.clipped}
        return row, model, result.losses

    experiment = Experiment()
    # one_thread() is entered here first, so that with several workers no run can restore the
    # thread count of another while that one is still training.
    with one_thread(), ThreadPoolExecutor(workers) as pool:
        for row, model, losses in pool.map(run, runs):  # map yields in the order of runs
            experiment.rows.append(row)
            experiment.models[(row["model"], row["lag"])] = model
            experiment.losses[(row["model"], row["lag"])] = losses
            if progress is not None:
                progress(run_line(row))
    return experiment


def results_table(experiment: Experiment, fmt: str = "markdown", decimals: int = 1) -> str:
    """The experiment as a table: one row per lag, one column per model, test accuracy in each cell.

    The header gives every model's parameter count; a run that was skipped shows "–".
    ``decimals`` (0 to 3) is how many decimals each percentage shows: the chapter uses 0,
    because a run that learns the task through a tipping point (lag 50) ends at 99.9 % on
    one processor and 100.0 % on another.
    ``fmt`` is "markdown" (text) or "html" (a ``<table>`` with header cells, which notebooks
    and the website both render as a table; "lag T" and each "(N params)" do not wrap). Introduced in chapter 5.
    """
    import html

    if not isinstance(experiment, Experiment) or not experiment.rows:
        raise ValueError("experiment must be the result of run_experiment with at least one run")
    if fmt not in ("markdown", "html"):
        raise ValueError(f"fmt must be one of ['markdown', 'html'], got {fmt!r}")
    labels = list(dict.fromkeys(row["model"] for row in experiment.rows))
    lags = sorted({row["lag"] for row in experiment.rows})
    parameters = {row["model"]: row["parameters"] for row in experiment.rows}
    decimals = _check_int(decimals, "decimals", 0, 3)
    cells = {(row["model"], row["lag"]): f"{100 * row['accuracy']:.{decimals}f} %" for row in experiment.rows}
    headers = ["lag T"] + [f"{label} ({parameters[label]:,} params)" for label in labels]
    body = [[str(lag)] + [cells.get((label, lag), "–") for label in labels] for lag in lags]
    if fmt == "markdown":
        lines = ["| " + " | ".join(headers) + " |", "|---:|" + "---:|" * len(labels)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    # No line break inside "lag T" or "(1,185 params)": narrow columns wrapped them badly.
    nowrap = [text.replace("lag T", "lag\u00a0T").replace(" params)", "\u00a0params)") for text in headers]
    head = "".join(f'<th scope="col">{html.escape(text)}</th>' for text in nowrap)
    rows = "".join(f'<tr><th scope="row">{row[0]}</th>' + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[1:])
                   + "</tr>" for row in body)
    return (f'<table class="long-lag-results"><caption>Test accuracy on 1,000 fixed test sequences '
            f"(chance is 50 %)</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


# ---------------------------------------------------------------------------------------
# Pictures of the task and of the results, and a look inside a trained LSTM.


def plot_task_example(x, y, ax=None):
    """Draw one sequence of the task: the bit at step 1, the distractions, the answer due at step T.

    ``x``: (T, 2) one sequence from ``long_lag_batch`` (``x[:, k]``); ``y``: its target (0 or 1).
    Returns the Axes. Introduced in chapter 5.
    """
    import matplotlib.pyplot as plt

    from ._validate import check_ndim, real_array
    from .plots import PALETTE

    x = real_array(x, "x")
    check_ndim(x, "x", {2: "(T, 2), one sequence"})
    if x.shape[1] != INPUT_SIZE:
        raise ValueError(f"x must have {INPUT_SIZE} features (value, marker) in its last axis; got shape {x.shape}")
    steps = x.shape[0]
    if ax is None:
        _, ax = plt.subplots(figsize=(9.4, 2.9))
    t = np.arange(1, steps + 1)
    ax.bar(t[1:], x[1:, 0], color=PALETTE["sky"], width=0.7, label="distraction: a random ±1, no marker")
    ax.bar(t[:1], x[:1, 0], color=PALETTE["orange"], width=0.7, hatch="//", edgecolor="black",
           label="step 1: the bit to remember, with the marker")
    answer = "+1" if float(np.asarray(y)) > 0.5 else "-1"
    ax.annotate(f"answer due after step {steps}:\nthe bit of step 1, {answer}", xy=(steps + 0.6, 0),
                xytext=(steps - 0.4, 2.2),
                ha="right", va="center", fontsize=10, arrowprops={"arrowstyle": "-|>", "color": "0.3"})
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set_xlim(0.2, steps + 0.8)
    ax.set_ylim(-1.3, 2.7)
    ax.set_yticks([-1, 0, 1])
    ax.set_xticks(t if steps <= 25 else t[::5])
    ax.set_xlabel("step $t$")
    ax.set_ylabel("value input")
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax


def plot_results(experiment: Experiment, ax=None):
    """Test accuracy (%) of every model at every lag, as grouped bars, with chance at 50 %.

    Returns the Axes. Introduced in chapter 5.
    """
    import matplotlib.pyplot as plt

    from .plots import grouped_bars

    if not isinstance(experiment, Experiment) or not experiment.rows:
        raise ValueError("experiment must be the result of run_experiment with at least one run")
    labels = list(dict.fromkeys(row["model"] for row in experiment.rows))
    lags = sorted({row["lag"] for row in experiment.rows})
    missing = [(label, lag) for label in labels for lag in lags if (label, lag) not in experiment.models]
    if missing:
        raise ValueError(f"plot_results needs every model at every lag; missing runs {missing}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9.4, 3.6))
    series = {label: np.array([100 * experiment.accuracy(label, lag) for lag in lags]) for label in labels}
    grouped_bars(ax, series, [f"T = {lag}" for lag in lags], ylabel="test accuracy (%)")
    ax.axhline(50, color="0.2", linewidth=1.0, linestyle="--")
    ax.text(1.005, 50, "chance", transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=9)
    ax.set_ylim(0, 118)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.legend(loc="upper center", ncol=len(labels), fontsize=9, frameon=False, bbox_to_anchor=(0.5, 1.02))
    ax.figure.tight_layout()
    return ax


def lstm_gate_traces(model, x) -> dict:
    """Run a trained LSTM classifier's layer with the book's numpy ``lstm_forward``, keeping every gate.

    Parameters
    ----------
    model : a module from ``make_model("lstm", ...)``
    x : array, (T, batch, 2), e.g. from ``long_lag_batch``

    Returns
    -------
    traces : dict
        ``i``, ``f``, ``g``, ``o``, ``c``, ``h``, arrays (T, batch, hidden), and
        ``max_diff_vs_torch``, the largest ``|h_numpy - h_torch|`` over all steps (the same
        weights run by ``torch.nn.LSTM``; a float32 module, so expect about 1e-7).

    Introduced in chapter 5.
    """
    import torch

    from .numpy_lstm import lstm_forward
    from .torch_bridge import params_from_torch

    _check_model(model)
    if model.kind != "lstm":
        raise ValueError(f"model must be an LSTM classifier (make_model('lstm')), got kind {model.kind!r}")
    from ._validate import check_ndim, real_array

    x = real_array(x, "x")
    check_ndim(x, "x", {3: "(T, batch, 2)"})
    h, _, cache = lstm_forward(x, params_from_torch(model.recurrent))
    with torch.no_grad(), one_thread():
        h_torch, _ = model.recurrent(torch.from_numpy(x.astype(np.float32)))
    gates = cache["gates"]
    traces = {name: gates[:, :, k, :] for k, name in enumerate(("i", "f", "g", "o"))}
    traces.update(c=cache["c"], h=h, max_diff_vs_torch=float(np.abs(h - h_torch.numpy()).max()))
    return traces


def memory_unit(traces: dict, y) -> tuple[int, float]:
    """The unit whose last cell state best tells the two answers apart.

    Returns ``(unit, correlation)``: the index of the unit whose c_T has the largest
    absolute correlation with the target (+1/-1) over the batch, and that correlation.
    Introduced in chapter 5.
    """
    from ._validate import real_array

    if not isinstance(traces, dict) or "c" not in traces:
        raise TypeError("traces must be the dict lstm_gate_traces(model, x) returns (with the cell states 'c')")
    c_last = traces["c"][-1]  # (batch, hidden)
    target = 2.0 * real_array(y, "y") - 1.0
    if target.shape != c_last.shape[:1]:
        raise ValueError(f"y must have one target per sequence, shape {c_last.shape[:1]}; got {target.shape}")
    centred = c_last - c_last.mean(axis=0)
    t_centred = target - target.mean()
    denominator = np.sqrt((centred**2).sum(axis=0) * (t_centred**2).sum())
    correlation = np.divide(centred.T @ t_centred, denominator, out=np.zeros(c_last.shape[1]), where=denominator > 0)
    unit = int(np.argmax(np.abs(correlation)))
    return unit, float(correlation[unit])


def describe_memory_unit(traces: dict, x, y, unit: int) -> dict:
    """Numbers that say how one unit keeps the bit, over a batch of sequences.

    Parameters
    ----------
    traces : dict from ``lstm_gate_traces`` for ``x``
    x : array, (T, batch, 2); y : array, (batch,) the targets (0 or 1)
    unit : int, e.g. from ``memory_unit``

    Returns
    -------
    description : dict
        ``gate_means``, the mean of i, f, o of the unit at step 1 and over steps 2..T
        (a dict gate name -> (step 1, later)); ``candidate_vs_bit`` and ``candidate_vs_input``,
        the correlation, over steps 2..T, of the unit's candidate g_t with the bit (+1/-1) and
        with the current distraction v_t; ``cell_by_bit``, a dict step -> (mean c for bit +1,
        mean c for bit -1) at steps 1, 10 (if T >= 10) and T; ``units_that_know``, how many
        units have an absolute correlation of c_T with the bit above 0.9.

    Introduced in chapter 5.
    """
    from ._validate import real_array

    x = real_array(x, "x")
    y = real_array(y, "y")
    steps, batch, hidden = traces["c"].shape
    if x.shape != (steps, batch, INPUT_SIZE) or y.shape != (batch,):
        raise ValueError(f"x and y must match the traces: x {(steps, batch, INPUT_SIZE)} and y {(batch,)}; "
                         f"got {x.shape} and {y.shape}")
    unit = _check_int(unit, "unit", 0, hidden - 1)
    if steps < 2:
        raise ValueError("describe_memory_unit needs sequences of at least 2 steps")
    bit = 2.0 * y - 1.0
    candidate = traces["g"][1:, :, unit]
    correlation = lambda a, b: float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    positive = y > 0.5
    c_last = traces["c"][-1]
    knows = sum(abs(correlation(c_last[:, j], bit)) > 0.9 for j in range(hidden) if np.std(c_last[:, j]) > 0)
    return {
        "gate_means": {name: (float(traces[name][0, :, unit].mean()), float(traces[name][1:, :, unit].mean()))
                       for name in ("i", "f", "o")},
        "candidate_vs_bit": correlation(candidate, np.broadcast_to(bit, candidate.shape)),
        "candidate_vs_input": correlation(candidate, x[1:, :, 0]),
        "cell_by_bit": {step: (float(traces["c"][step - 1, positive, unit].mean()),
                               float(traces["c"][step - 1, ~positive, unit].mean()))
                        for step in sorted({1, min(10, steps), steps})},
        "units_that_know": int(knows),
    }


def plot_training_losses(losses, ax=None, title: str = ""):
    """Training loss per update for several runs, on a log scale. Returns the Axes.

    ``losses``: dict label -> list of losses (``Experiment.losses`` values). A run that
    stopped early ends early. The dotted line is log 2 = 0.693, the loss of a 50 % guess.
    Introduced in chapter 5.
    """
    import matplotlib.pyplot as plt

    from .plots import SERIES_COLOURS, finish_line_chart

    curves = {label: np.asarray(values, dtype=float) for label, values in losses.items()}
    for label, values in curves.items():  # check everything before drawing anything
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"losses[{label!r}] must be a non-empty list of numbers; got shape {values.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9.4, 3.4))
    styles = ["-", "--", "-.", ":"]
    for k, (label, values) in enumerate(curves.items()):
        # The first curve is drawn widest, so that it still shows where a later one lies on top of it.
        ax.plot(np.arange(1, values.size + 1), values, styles[k % 4], color=SERIES_COLOURS[k % len(SERIES_COLOURS)],
                linewidth=3.0 if k == 0 else 1.4, label=label)
    ax.axhline(np.log(2), color="0.4", linewidth=0.9, linestyle=":")
    ax.text(1.005, np.log(2), "guessing:\nlog 2", transform=ax.get_yaxis_transform(), ha="left", va="center",
            fontsize=8, color="0.3")
    ax.set_yscale("log")
    low = min(float(values.min()) for values in curves.values())
    ticks = [t for t in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0) if low / 2 <= t <= 1.0]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("update")
    ax.set_ylabel("training loss")
    return finish_line_chart(ax, title)


def plot_gate_heatmaps(traces: dict, y, unit: int, lines: int = 12):
    """Where a trained LSTM keeps the bit: forget gates, the cell-state gap, one unit's c_t.

    Top panel: the forget gate f_t of every unit (rows) at every step (columns), averaged
    over all sequences of the batch (colour scale 0 to 1). Middle panel: the *cell-state
    gap*, the mean c_t over the sequences with bit +1 minus the mean over those with bit -1,
    per unit and step, on a diverging scale (0 white, positive blue, negative orange, the
    colours of the lines below): a unit that carries the bit lights up. The memory unit's row is framed in both. Bottom panel: that unit's cell state c_t
    over time for the first ``lines`` sequences, coloured by their answer. The batch must
    hold both answers. Drawn narrow with large type, so that it stays readable on a phone.
    Returns the figure. Introduced in chapter 5.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Rectangle

    from .plots import PALETTE

    steps, batch, hidden = traces["c"].shape
    target = np.asarray(y) > 0.5
    if target.shape != (batch,) or target.all() or not target.any():
        raise ValueError(f"y must hold one target per sequence, shape ({batch},), with both answers; "
                         f"got shape {target.shape} with {int(target.sum())} sequences of bit +1")
    unit = _check_int(unit, "unit", 0, hidden - 1)
    lines = _check_int(lines, "lines", 1)
    gap = traces["c"][:, target, :].mean(axis=1) - traces["c"][:, ~target, :].mean(axis=1)  # (T, hidden)
    largest = float(np.abs(gap).max()) or 1.0
    fig = plt.figure(figsize=(6.4, 8.6))
    grid = fig.add_gridspec(3, 2, width_ratios=[30, 1], height_ratios=[1, 1, 1.15], wspace=0.05, hspace=0.5)
    axes = [fig.add_subplot(grid[0, 0])]
    axes += [fig.add_subplot(grid[row, 0], sharex=axes[0]) for row in (1, 2)]
    extent = (0.5, steps + 0.5, hidden - 0.5, -0.5)
    # The gap's colours are those of the lines below: blue where bit +1 has the larger c_t.
    diverging = LinearSegmentedColormap.from_list("gap", [PALETTE["orange"], "white", PALETTE["blue"]])
    panels = [(traces["f"].mean(axis=1), "cividis", 0.0, 1.0, "forget gate $f_t$ (mean)", "$f_t$"),
              (gap, diverging, -largest, largest, "cell-state gap, bit +1 minus bit -1", "gap")]
    for k, (values, cmap, low, high, title, bar_label) in enumerate(panels):
        ax = axes[k]
        image = ax.imshow(values.T, aspect="auto", cmap=cmap, vmin=low, vmax=high, extent=extent,
                          interpolation="nearest")
        # Drawn just outside the row, so that the row's own colours stay visible.
        ax.add_patch(Rectangle((0.5, unit - 0.75), steps, 1.5, fill=False, edgecolor=PALETTE["vermillion"],
                               linewidth=1.8, clip_on=False))
        ax.set_ylabel("unit", fontsize=12)
        ax.set_title(title, fontsize=13, loc="left")
        # A tick every 4 units, and on the framed unit (the neighbour ticks next to it are dropped).
        ticks = {t for t in range(0, hidden, 4) if abs(t - unit) > 1} | {0, unit, hidden - 1}
        ax.set_yticks(sorted(ticks))
        ax.tick_params(labelbottom=True, labelsize=11)
        colour_bar = fig.colorbar(image, cax=fig.add_subplot(grid[k, 1]))
        colour_bar.set_label(bar_label, fontsize=12)
        colour_bar.ax.tick_params(labelsize=10)
    ax = axes[-1]
    t = np.arange(1, steps + 1)
    for k in range(min(lines, batch)):
        colour, style = (PALETTE["blue"], "-") if target[k] else (PALETTE["orange"], "--")
        ax.plot(t, traces["c"][:, k, unit], style, color=colour, linewidth=1.5)
    ax.plot([], [], "-", color=PALETTE["blue"], label="bit +1")
    ax.plot([], [], "--", color=PALETTE["orange"], label="bit -1")
    ax.axhline(0, color="0.5", linewidth=0.7)
    ax.set_title(f"cell state $c_t$ of unit {unit}", fontsize=13, loc="left")
    ax.set_ylabel("$c_t$", fontsize=12)
    ax.set_xlabel("step $t$", fontsize=12)
    # The panels share the x-axis, so these ticks label the steps of every panel.
    ax.set_xticks([1, *range(5, steps + 1, 5)] if steps >= 5 else list(range(1, steps + 1)))
    ax.tick_params(labelsize=11)
    ax.legend(fontsize=11, frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.subplots_adjust(left=0.11, right=0.9, top=0.96, bottom=0.07)
    return fig


__all__ = [
    "INPUT_SIZE",
    "KINDS",
    "DEFAULT_HIDDEN",
    "KEEP_GATE",
    "TEST_SEED",
    "long_lag_batch",
    "test_set",
    "make_model",
    "count_parameters",
    "TrainConfig",
    "TrainResult",
    "one_thread",
    "Adam",
    "train_model",
    "test_accuracy",
    "ModelSpec",
    "Experiment",
    "run_line",
    "default_workers",
    "run_experiment",
    "results_table",
    "plot_task_example",
    "plot_results",
    "lstm_gate_traces",
    "memory_unit",
    "describe_memory_unit",
    "plot_training_losses",
    "plot_gate_heatmaps",
]
