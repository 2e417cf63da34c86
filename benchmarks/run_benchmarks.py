"""Measure the book: each chapter's execution time and peak memory, and a clean build of the site.

Usage: .venv/bin/python benchmarks/run_benchmarks.py [--repeat N] [--no-build]

Prints a markdown table. Each notebook runs in a fresh process and kernel; the time is the
median over the repeats, the memory the kernel's peak resident set size. It also times one
fixed training run (``REFERENCE_RUN``), so that tables made on different machines can be
compared. This is a
measurement, not a test: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Runs in a child process so that RUSAGE_CHILDREN holds only this notebook's kernel.
EXECUTE_ONE = r"""
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
started = time.perf_counter()
NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
elapsed = time.perf_counter() - started
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: KiB
print(json.dumps({"seconds": elapsed, "peak_mib": peak_kib / 1024}))
"""


def execute(notebook: Path) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / notebook.name  # executing a copy leaves the committed outputs alone
        shutil.copy(notebook, copy)
        result = subprocess.run([PYTHON, "-c", EXECUTE_ONE, str(copy), str(notebook.parent)],
                                capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# How fast is this machine? One training run with a fixed amount of work, the configuration
# the chapter-5 time budget was written with (it took 3-5 s a run on that machine): an LSTM
# with 16 units and forget-gate bias 3 at lag 50, 500 Adam updates of batch 64, clipping 1.0,
# one thread, early stopping off. Tables from different machines compare through it.
REFERENCE_RUN = r"""
import time
from rnn_helpers.long_lag import TrainConfig, make_model, train_model
model = make_model("lstm", keep_bias=3.0, seed=0)
started = time.perf_counter()
train_model(model, 50, TrainConfig(steps=500, patience=100_000), seed=0)
print(time.perf_counter() - started)
"""


def reference_run_seconds(repeat: int) -> float:
    runs = [float(subprocess.run([PYTHON, "-c", REFERENCE_RUN], capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]) for _ in range(repeat)]
    return statistics.median(runs)


def clean_build_seconds() -> float:
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "jupyter-book"), "build", str(ROOT), "--path-output", scratch],
                       cwd=ROOT, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="executions per notebook (median reported)")
    parser.add_argument("--no-build", action="store_true", help="skip the clean build")
    args = parser.parse_args()

    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    rows, total_time, peak = [], 0.0, 0.0
    for notebook in notebooks:
        runs = [execute(notebook) for _ in range(args.repeat)]
        seconds = statistics.median(run["seconds"] for run in runs)
        memory = max(run["peak_mib"] for run in runs)
        total_time += seconds
        peak = max(peak, memory)
        rows.append(f"| {notebook.name} | {seconds:.1f} | {memory:.0f} |")
        print(f"measured {notebook.name}", file=sys.stderr, flush=True)

    reference = reference_run_seconds(args.repeat)
    print(f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; median of {args.repeat} runs.")
    print(f"Machine speed: the reference training run (500 LSTM updates at lag 50) took {reference:.2f} s; "
          "3-5 s on the machine the time budgets were written for.\n")
    print("| notebook | execution time (s, median) | kernel peak memory (MiB) |")
    print("|---|---:|---:|")
    print("\n".join(rows))
    print(f"| **all chapters** | **{total_time:.1f}** | **{peak:.0f}** (largest) |")
    if not args.no_build:
        print(f"\nClean build of the website (executes every chapter once): {clean_build_seconds():.0f} s")


if __name__ == "__main__":
    main()
