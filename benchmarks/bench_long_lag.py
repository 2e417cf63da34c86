"""Chapter 5 benchmark: the long-lag experiment's training runs, one by one and in total.

A measurement, not a test: it prints markdown tables and never fails on a number.

    .venv/bin/python benchmarks/bench_long_lag.py [--repeats 3] [--seeds 0,1,2,3,4] [--chapter]

1. Every training run the chapter makes (tanh RNN, LSTM with forget bias 3 and LSTM with
   default initialisation at lags 5, 10, 20 and 50; the GRU with update bias 3 at lag 20),
   plus the GRU at lag 50 of exercise 5, with the chapter's budget of at most 300 updates:
   updates taken, test accuracy, and the wall time of the run (``make_model`` +
   ``train_model`` + ``test_accuracy``) as the median over ``--repeats`` repetitions of the
   same deterministic run, and per update. The total is the sum of the medians of the runs
   the chapter makes.
2. The chapter's twelve-run experiment with ``workers=1`` and ``workers=2`` (two runs at a
   time in threads): wall time and speed-up.
3. The same runs with a budget of 500 updates: does the chapter's table change?
4. With ``--seeds``: the test accuracy of every model at lags 20 and 50 for each seed (budget
   300), to show which results hold beyond seed 0; also a tanh RNN with 64 units (the exercise
   on network size).
5. With ``--chapter``: the wall time of executing notebooks/05_lstm.ipynb in a fresh kernel
   (a copy, so the committed outputs stay as they are), median over ``--repeats``.

torch runs on one thread throughout, as in the chapter.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from rnn_helpers.long_lag import ModelSpec, TrainConfig, make_model, run_experiment, test_accuracy, train_model

ROOT = Path(__file__).resolve().parent.parent
CHAPTER_BUDGET, LONGER_BUDGET = 300, 500
LAGS = (5, 10, 20, 50)
SPECS = {
    "tanh RNN": ModelSpec("rnn"),
    "LSTM, forget bias 3": ModelSpec("lstm", keep_bias=3.0),
    "LSTM, default init": ModelSpec("lstm"),
}
GRU = ("GRU, update bias 3", ModelSpec("gru", keep_bias=3.0))
BIG_RNN = ("tanh RNN, 64 units", ModelSpec("rnn", hidden=64))  # the exercise on network size
# (label, spec, lag, made by the chapter?)
RUNS = [(label, spec, lag, True) for lag in LAGS for label, spec in SPECS.items()]
RUNS += [(GRU[0], GRU[1], 20, True), (GRU[0], GRU[1], 50, False)]


def one_run(spec: ModelSpec, lag: int, budget: int, seed: int = 0) -> dict:
    start = time.perf_counter()
    model = make_model(spec.kind, spec.hidden, spec.keep_bias, seed=seed)
    result = train_model(model, lag, TrainConfig(steps=budget), seed=seed)
    accuracy = test_accuracy(model, lag)
    return {"seconds": time.perf_counter() - start, "updates": result.updates, "accuracy": accuracy,
            "solved": result.stopped_early}


def timed_runs(budget: int, repeats: int) -> list[dict]:
    rows = []
    for label, spec, lag, in_chapter in RUNS:
        runs = [one_run(spec, lag, budget) for _ in range(repeats)]
        if len({(r["updates"], r["accuracy"]) for r in runs}) != 1:
            print(f"warning: {label} at lag {lag} was not deterministic across repeats", file=sys.stderr)
        seconds = statistics.median(r["seconds"] for r in runs)
        rows.append({"label": label, "lag": lag, "in_chapter": in_chapter, "seconds": seconds, **runs[0]})
        print(f"measured {label} at lag {lag} (budget {budget})", file=sys.stderr, flush=True)
    return rows


def experiment_seconds(workers: int, repeats: int) -> float:
    """Wall time of the chapter's twelve-run experiment (``run_experiment``), median of repeats."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_experiment(SPECS, LAGS, TrainConfig(steps=CHAPTER_BUDGET), seed=0, progress=None, workers=workers)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def chapter_seconds(repeats: int) -> float:
    notebook = ROOT / "notebooks" / "05_lstm.ipynb"
    code = ("import sys, time, nbformat\nfrom nbclient import NotebookClient\n"
            "nb = nbformat.read(sys.argv[1], as_version=4)\nstart = time.perf_counter()\n"
            "NotebookClient(nb, timeout=600, kernel_name='python3', resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
            "print(time.perf_counter() - start)")
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / notebook.name
            shutil.copy(notebook, copy)
            result = subprocess.run([sys.executable, "-c", code, str(copy), str(notebook.parent)],
                                    capture_output=True, text=True, check=True)
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of each run (median reported)")
    parser.add_argument("--seeds", default="", help="comma-separated seeds for the seed table, e.g. 0,1,2,3,4")
    parser.add_argument("--chapter", action="store_true", help="also time executing the chapter notebook")
    args = parser.parse_args()
    torch.set_num_threads(1)

    print("# Chapter 5 benchmark: the long-lag experiment\n")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} cores, torch threads 1; batch 64, Adam lr 3e-3, clip 1.0.\n")

    rows = timed_runs(CHAPTER_BUDGET, args.repeats)
    print(f"## Each run, budget {CHAPTER_BUDGET} updates (time: median of {args.repeats})\n")
    print("| run | lag | in the chapter | updates | test accuracy | time (s) | ms per update |")
    print("|---|---:|:---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['label']} | {row['lag']} | {'yes' if row['in_chapter'] else 'exercise'} | {row['updates']} | "
              f"{100 * row['accuracy']:.1f} % | {row['seconds']:.2f} | {1e3 * row['seconds'] / row['updates']:.1f} |")
    chapter_total = sum(row["seconds"] for row in rows if row["in_chapter"])
    print(f"| **the chapter's {sum(r['in_chapter'] for r in rows)} runs** | | | | | **{chapter_total:.1f}** | |\n")

    one, two = experiment_seconds(1, args.repeats), experiment_seconds(2, args.repeats)
    print(f"## The chapter's experiment (12 runs), one run at a time or two (median of {args.repeats})\n")
    print("| workers | wall time (s) |\n|---:|---:|")
    print(f"| 1 | {one:.2f} |\n| 2 | {two:.2f} |\n\nSpeed-up with two workers: {one / two:.2f} times.\n")

    longer = timed_runs(LONGER_BUDGET, 1)
    print(f"## Budget {CHAPTER_BUDGET} against {LONGER_BUDGET} updates (one run each)\n")
    print(f"| run | lag | accuracy, {CHAPTER_BUDGET} | accuracy, {LONGER_BUDGET} | updates, {LONGER_BUDGET} | time, {LONGER_BUDGET} (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for short, long in zip(rows, longer):
        print(f"| {short['label']} | {short['lag']} | {100 * short['accuracy']:.1f} % | {100 * long['accuracy']:.1f} % | "
              f"{long['updates']} | {long['seconds']:.2f} |")
    same = all(short["solved"] == long["solved"] for short, long in zip(rows, longer))
    print(f"\nSame runs solved with both budgets: {'yes' if same else 'no'}. "
          f"Total time of the chapter's runs with {LONGER_BUDGET}: "
          f"{sum(r['seconds'] for r in longer if r['in_chapter']):.1f} s.\n")

    if args.seeds:
        seeds = [int(s) for s in args.seeds.split(",")]
        print(f"## Test accuracy by seed, budget {CHAPTER_BUDGET}\n")
        print("| run | lag | " + " | ".join(f"seed {s}" for s in seeds) + " |")
        print("|---|---:|" + "---:|" * len(seeds))
        for label, spec in [*SPECS.items(), GRU, BIG_RNN]:
            for lag in (20, 50):
                cells = [f"{100 * one_run(spec, lag, CHAPTER_BUDGET, seed)['accuracy']:.1f} %" for seed in seeds]
                print(f"| {label} | {lag} | " + " | ".join(cells) + " |", flush=True)
        print()

    if args.chapter:
        print(f"## The chapter notebook\n\nExecuting notebooks/05_lstm.ipynb in a fresh kernel: "
              f"{chapter_seconds(args.repeats):.1f} s (median of {args.repeats}).")


if __name__ == "__main__":
    main()
