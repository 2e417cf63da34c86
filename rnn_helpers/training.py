"""A small, deterministic training loop, and a table of what a model predicts at each step.

Introduced in chapter 3. The loop prints its progress as fixed-decimal numbers only (no
times, no random draws), so the same code prints the same lines on every run, which is
what lets nbval compare a notebook's output with a fresh run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._validate import check_ndim, real_array


@dataclass
class History:
    """What ``train`` recorded. Index k means "after k updates" (k = 0 is before training).

    ``losses`` has one entry per record; ``tracked[name]`` has one entry per record for
    every quantity given to ``train`` in ``track``; ``updates`` is how many updates ran.
    """

    losses: list[float] = field(default_factory=list)
    tracked: dict[str, list[float]] = field(default_factory=dict)
    updates: int = 0


def _line(update: int, loss: float, values: Mapping[str, float], decimals: int) -> str:
    parts = [f"update {update:3d}", f"loss {loss:.{decimals}f}"]
    parts += [f"{name} {value:.{decimals}f}" for name, value in values.items()]
    return " | ".join(parts)


def train(loss_and_grads: Callable, params: dict, optimizer, updates: int, log_every: int = 0,
          track: Mapping[str, Callable] | None = None, stop_when: Callable[[History], bool] | None = None,
          decimals: int = 4, out: Callable[[str], None] = print) -> History:
    """Run up to ``updates`` optimizer steps on ``params`` (changed in place).

    Parameters
    ----------
    loss_and_grads : callable, params -> (loss: float, grads: dict like params)
    params : dict of numpy arrays
    optimizer : object with ``step(params, grads)``, e.g. ``char_rnn.Adagrad``
    updates : int >= 0
    log_every : int
        Print a progress line before training, every ``log_every`` updates and after the
        last one; 0 prints nothing.
    track : dict name -> callable(params) -> float, optional
        Extra quantities recorded (and printed) alongside the loss.
    stop_when : callable(History) -> bool, optional
        Checked after every record; training stops early when it returns True.
    decimals : int
        Decimals of the printed numbers.

    Returns a ``History``. The loss recorded after k updates is computed with the
    parameters after k updates. Introduced in chapter 3.
    """
    if not isinstance(updates, (int, np.integer)) or updates < 0:
        raise ValueError(f"updates must be a non-negative integer; got {updates!r}")
    if not isinstance(log_every, (int, np.integer)) or log_every < 0:
        raise ValueError(f"log_every must be a non-negative integer (0 = silent); got {log_every!r}")
    track = dict(track or {})
    history = History(tracked={name: [] for name in track})

    def record(loss: float) -> bool:
        k = len(history.losses)
        history.losses.append(float(loss))
        values = {name: float(fn(params)) for name, fn in track.items()}
        for name, value in values.items():
            history.tracked[name].append(value)
        finished = stop_when is not None and stop_when(history)
        if log_every and (k % log_every == 0 or k == updates or finished):
            out(_line(k, loss, values, decimals))
        return finished

    loss, grads = loss_and_grads(params)
    if record(loss):
        return history
    for _ in range(updates):
        optimizer.step(params, grads)
        history.updates += 1
        loss, grads = loss_and_grads(params)
        if record(loss):
            break
    return history


def prediction_table(probs, tokens: Sequence[str], inputs: Sequence[str], targets: Sequence[str] | None = None,
                     decimals: int = 2) -> str:
    """A text table of p(next token) at every step, one row per step.

    ``probs`` (T, V); ``tokens`` the V column names; ``inputs`` the T tokens read; ``targets``
    (optional, T tokens) adds a column with the probability given to the correct next token.
    Introduced in chapter 3.
    """
    probs = real_array(probs, "probs")
    check_ndim(probs, "probs", {2: "(T, V)"})
    steps, width = probs.shape
    if len(tokens) != width or len(inputs) != steps or (targets is not None and len(targets) != steps):
        raise ValueError(
            f"probs has shape {probs.shape}: tokens needs {width} entries and inputs (and targets) {steps}; "
            f"got {len(tokens)}, {len(inputs)}" + ("" if targets is None else f", {len(targets)}")
        )
    unknown = [token for token in (targets or []) if token not in tokens]
    if unknown:
        raise ValueError(f"targets must be tokens of {list(tokens)}; got {unknown[0]!r}")
    cell = decimals + 3
    header = f"{'step':>4}  {'read':>4}  " + " ".join(f"{token:>{cell}}" for token in tokens)
    if targets is not None:
        header += f"  {'next':>4}  {'p(next)':>7}"
    lines = [header]
    for t in range(steps):
        row = f"{t + 1:>4}  {inputs[t]:>4}  " + " ".join(f"{p:>{cell}.{decimals}f}" for p in probs[t])
        if targets is not None:
            row += f"  {targets[t]:>4}  {probs[t, list(tokens).index(targets[t])]:>7.{decimals}f}"
        lines.append(row)
    return "\n".join(lines)


__all__ = ["History", "train", "prediction_table"]
