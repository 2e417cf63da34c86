"""Apply each of issue 20's six surviving bugs to a copy of rnn_helpers and run its new test.

Usage: ``PYTHONPATH=$PWD .venv/bin/python benchmarks/issue20_mutations.py``. Each mutation
must make its test in tests/test_mutation_survivors.py fail; the real code makes it pass.
The copy lives in a temporary folder; the worktree is never changed.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

# (file, original text, mutated text, test name)
MUTATIONS = [
    ("activations.py", "(a > 0).astype(np.float64)", "(a >= 0).astype(np.float64)",
     "test_relu_passes_no_gradient_at_exactly_zero_as_torch_does"),
    ("bigram.py", "current = int(vocab.encode(start)[-1])", "current = int(vocab.encode(start)[0])",
     "test_bigram_generate_continues_from_the_last_character_of_start"),
    ("vocab.py", "return self.one_hot(sequence).sum(axis=0)", "return self.one_hot(sequence).max(axis=0)",
     "test_bag_of_words_counts_repeated_words"),
    ("long_lag.py", "unit = int(np.argmax(np.abs(correlation)))", "unit = int(np.argmax(correlation))",
     "test_memory_unit_finds_a_negatively_correlated_unit"),
    ("torch_bridge.py", "                if np.any(params[key] != 0):", "                if False:",
     "test_params_to_torch_refuses_nonzero_biases_for_a_module_without_bias"),
    ("sequence_tasks.py", "h0=h_enc[-1])", "h0=h_enc[0])",
     "test_encode_decode_starts_the_decoder_from_the_encoders_last_state"),
]


def run(package_root: pathlib.Path, test: str) -> bool:
    """True if the test passes with the package (and tests) under ``package_root``."""
    command = [sys.executable, "-m", "pytest", f"tests/test_mutation_survivors.py::{test}",
               "-p", "no:cacheprovider", "-q"]
    env = {"PYTHONPATH": str(package_root), "PATH": "/usr/bin:/bin"}
    # Run from package_root: `python -m` puts the working folder first on sys.path.
    return subprocess.run(command, cwd=package_root, env=env, capture_output=True).returncode == 0


def main() -> int:
    failures = 0
    for file, original, mutated, test in MUTATIONS:
        with tempfile.TemporaryDirectory() as folder:
            copy = pathlib.Path(folder)
            shutil.copytree(ROOT / "rnn_helpers", copy / "rnn_helpers")
            shutil.copytree(ROOT / "tests", copy / "tests", ignore=shutil.ignore_patterns("browser"))
            shutil.copy(ROOT / "pyproject.toml", copy)
            source = (copy / "rnn_helpers" / file).read_text()
            assert source.count(original) == 1, (file, original)
            (copy / "rnn_helpers" / file).write_text(source.replace(original, mutated))
            killed = not run(copy, test)
        passes_on_real_code = run(ROOT, test)
        ok = killed and passes_on_real_code
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {file}: {original!r} -> {mutated!r}: "
              f"mutant {'killed' if killed else 'SURVIVED'}, real code {'passes' if passes_on_real_code else 'FAILS'}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
