"""Chapter 3 benchmark: how fast the "Please" character RNN learns, and numpy against torch.

A measurement, not a test: it prints a markdown table and never fails on a number.

    .venv/bin/python benchmarks/bench_please_rnn.py [--seeds 10] [--repeats 5]

1. Updates and wall time until p(e | "Pleas") > 0.9, for the chapter's settings (hidden size
   10, Adagrad at lr 0.1), one row per seed; the time is the median over ``--repeats`` runs of
   the same seed (from initialisation to the first update that crosses 0.9, including the
   forward pass that measures p(e) after every update).
2. One forward + backward pass (loss and all gradients) at the chapter's sizes (T = 5, V = 5,
   H = 10): the numpy model (char_rnn_loss) against torch.nn.RNN + nn.Linear with autograd, in
   float64 (the chapter's comparison) and float32. Both are timed in the same run, each as the
   median of several timing rounds, and reported with their ratio.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import timeit

import numpy as np
import torch

from rnn_helpers.char_rnn import Adagrad, char_rnn_forward, char_rnn_loss, init_char_rnn
from rnn_helpers.torch_models import torch_char_rnn
from rnn_helpers.training import train
from rnn_helpers.vocab import Vocabulary

HIDDEN, LR, THRESHOLD, MAX_UPDATES = 10, 0.1, 0.9, 1000
VOCAB = Vocabulary(list("Pleas"))
X, TARGETS = VOCAB.one_hot("Pleas"), VOCAB.encode("lease")
E = int(VOCAB.encode("e")[0])


def train_to_threshold(seed: int) -> int:
    """Updates until p(e | "Pleas") > THRESHOLD (MAX_UPDATES if never)."""
    params = init_char_rnn(len(VOCAB), HIDDEN, seed)
    history = train(lambda p: char_rnn_loss(p, X, TARGETS), params, Adagrad(params, LR), MAX_UPDATES,
                    track={"p": lambda p: char_rnn_forward(X, p)[0][-1, E]},
                    stop_when=lambda h: h.tracked["p"][-1] > THRESHOLD)
    return history.updates


def time_training(seeds: int, repeats: int) -> list[tuple[int, int, float]]:
    rows = []
    for seed in range(seeds):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            updates = train_to_threshold(seed)
            times.append(time.perf_counter() - start)
        rows.append((seed, updates, statistics.median(times)))
    return rows


def time_one_pass(number: int = 200, rounds: int = 7) -> dict[str, float]:
    """Median seconds per forward + backward pass for numpy and torch (float64, float32)."""
    params = init_char_rnn(len(VOCAB), HIDDEN, 0)
    results = {"numpy (float64)": lambda: char_rnn_loss(params, X, TARGETS)}
    for name, dtype in (("torch.nn.RNN + autograd (float64)", torch.float64),
                        ("torch.nn.RNN + autograd (float32)", torch.float32)):
        module = torch_char_rnn(params, dtype=dtype)
        x_t, y_t = torch.from_numpy(X).to(dtype), torch.from_numpy(TARGETS)

        def step(module=module, x_t=x_t, y_t=y_t):
            module.zero_grad()
            logits, _ = module(x_t)
            torch.nn.functional.cross_entropy(logits, y_t).backward()

        results[name] = step
    timings = {}
    for name, fn in results.items():
        fn()  # warm up
        timings[name] = statistics.median(timeit.repeat(fn, number=number, repeat=rounds)) / number
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)

    print(f"# Chapter 3 benchmark: the \"Please\" character RNN\n")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{platform.machine()}, torch threads 1. Hidden size {HIDDEN}, Adagrad lr {LR}.\n")

    rows = time_training(args.seeds, args.repeats)
    print(f"## Training until p(e | \"Pleas\") > {THRESHOLD}\n")
    print("| seed | updates | time (ms, median of %d) |" % args.repeats)
    print("|---:|---:|---:|")
    for seed, updates, seconds in rows:
        print(f"| {seed} | {updates} | {seconds * 1e3:.1f} |")
    updates = [u for _, u, _ in rows]
    seconds = [s for _, _, s in rows]
    print(f"| **median** | **{statistics.median(updates):g}** | **{statistics.median(seconds) * 1e3:.1f}** |")
    print(f"\nmax updates over {len(rows)} seeds: {max(updates)}\n")

    timings = time_one_pass()
    numpy_time = timings["numpy (float64)"]
    print("## One forward + backward pass (T = 5, V = 5, H = 10), measured in one run\n")
    print("| implementation | time per pass (µs) | ratio to numpy |")
    print("|---|---:|---:|")
    for name, seconds in timings.items():
        print(f"| {name} | {seconds * 1e6:.0f} | {seconds / numpy_time:.2f} |")


if __name__ == "__main__":
    main()
