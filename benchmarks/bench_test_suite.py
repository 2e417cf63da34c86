"""How long the whole test suite takes, two commits side by side: a measurement, never a test.

    .venv/bin/python benchmarks/bench_test_suite.py BEFORE AFTER [--rounds 2] [--fresh] [--warm [--reuse]]

Each commit is cloned (``git clone --no-local`` of this repository, then ``git checkout``) into a
directory of its own under /tmp/bench-suite/. Two kinds of run, each timed as the wall clock of
the command a contributor or CI types:

- ``--fresh``: ``CI=true bash .ci/run`` in a new clone: installing the environment, building the
  site and every test, as CI does on a new machine (Chromium, a system package, is already here).
- ``--warm``: ``bash .ci/test`` in a clone whose environment, site and Colab-like stacks are already
  made (one unrecorded run first), as a contributor runs it many times a day; the pytest part is
  read from pytest's own summary lines ("... passed in 123.45s"), summed over the script's pytest
  runs.

The runs see this shell's environment (only the variables that point at another Python are
removed): on a machine that sets PYTHONDONTWRITEBYTECODE, as the image of the development machine
does, both commits run with it.
The rounds alternate between the two commits (BEFORE, AFTER, BEFORE, AFTER, ...) so that both see
the same load of the machine; the table gives every run, then the medians. The machine's load
average (1 min) is printed with each run: a figure taken under load says so.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/bench-suite")
PYTEST_SUMMARY = re.compile(r"(\d+) passed.* in ([\d.]+)s")


def clone(ref: str, name: str) -> Path:
    where = WORK / name
    shutil.rmtree(where, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(where)], check=True)
    subprocess.run(["git", "-C", str(where), "checkout", "--quiet", ref], check=True)
    return where


def timed(command: list[str], where: Path, log: Path, extra_env: dict | None = None) -> dict:
    # The caller's environment as CI would see it, less what points at this checkout's Python
    # (PYTHONDONTWRITEBYTECODE and the like stay: they change what a run costs).
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
           and not key.startswith(("VIRTUAL_ENV", "JUPYTER"))}
    env.update(extra_env or {})
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with open(log, "w") as out:
        result = subprocess.run(command, cwd=where, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    text = log.read_text(errors="replace")
    pytest_runs = PYTEST_SUMMARY.findall(text)
    return {"seconds": seconds, "ok": result.returncode == 0, "load": load,
            # every pytest run of the script (before issue 19's merge, .ci/test ran a second nbval
            # on the AVX2 paths on a processor with AVX-512)
            "pytest": sum(float(seconds) for _, seconds in pytest_runs) if pytest_runs else None,
            "tests": sum(int(count) for count, _ in pytest_runs) if pytest_runs else None}


def row(kind: str, ref: str, run: dict) -> str:
    pytest_part = f"{run['pytest']:.0f} s ({run['tests']} tests)" if run["pytest"] is not None else "-"
    status = "passed" if run["ok"] else "FAILED"
    return f"| {kind} | {ref} | {run['seconds']:.0f} s | {pytest_part} | {run['load']:.1f} | {status} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="warm runs: keep the clones of an earlier call (checked out at the given "
                             "commits) and skip their first, unrecorded run")
    args = parser.parse_args()
    refs = {"before": args.before, "after": args.after}
    lines = ["| run | commit | wall clock | pytest | load (1 min) | result |", "|---|---|---:|---:|---:|---|"]
    results: dict[tuple, list] = {}
    for kind in [k for k, wanted in (("fresh", args.fresh), ("warm", args.warm)) if wanted]:
        clones = {}
        if kind == "warm":
            for label, ref in refs.items():
                if args.reuse and (WORK / f"warm-{label}").exists():
                    clones[label] = WORK / f"warm-{label}"
                    subprocess.run(["git", "-C", str(clones[label]), "fetch", "--quiet", str(ROOT)], check=True)
                    subprocess.run(["git", "-C", str(clones[label]), "checkout", "--quiet", ref], check=True)
                    continue
                clones[label] = clone(ref, f"warm-{label}")
                timed(["bash", ".ci/test"], clones[label], WORK / f"warm-{label}-first.log")
        for number in range(args.rounds):
            for label, ref in refs.items():
                if kind == "fresh":
                    where = clone(ref, f"fresh-{label}")
                    run = timed(["bash", ".ci/run"], where, WORK / f"fresh-{label}-{number}.log", {"CI": "true"})
                    shutil.rmtree(where, ignore_errors=True)
                else:
                    run = timed(["bash", ".ci/test"], clones[label], WORK / f"warm-{label}-{number}.log")
                results.setdefault((kind, label), []).append(run)
                lines.append(row(kind, ref, run))
                print(lines[-1], flush=True)
    lines += ["", "| run | commit | median wall clock | median pytest |", "|---|---|---:|---:|"]
    for (kind, label), runs in results.items():
        pytest_times = [run["pytest"] for run in runs if run["pytest"] is not None]
        pytest_median = f"{statistics.median(pytest_times):.0f} s" if pytest_times else "-"
        lines.append(f"| {kind} | {refs[label]} | {statistics.median(run['seconds'] for run in runs):.0f} s | "
                     f"{pytest_median} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
