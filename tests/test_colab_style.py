"""Run every chapter the way Colab does: a fresh environment without rnn_helpers, the notebook
copied out of the repository, its setup cell installing the helper package.

The setup cell installs from RNN_BOOK_SOURCE, here pointed at this checkout. Colab has long lagged
behind ipywidgets 8, so each notebook runs once with the book's ipywidgets 8 and once with 7.7.
The environments are kept in _build/colab-envs/ and reused while their requirements are unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "_build" / "colab-envs"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# What a Colab runtime already has, roughly: the scientific stack and a Jupyter kernel, no rnn_helpers.
BASE = ["torch==2.13.0", "numpy", "matplotlib", "ipykernel", "nbclient", "nbformat"]
WIDGETS = {"ipywidgets8": "ipywidgets==8.1.8", "ipywidgets7": "ipywidgets==7.7.5"}

EXECUTE = r"""
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
import ipywidgets
print("ipywidgets", ipywidgets.__version__)
"""

pytestmark = pytest.mark.colab


def run(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def environment(name: str) -> Path:
    """A venv with the Colab-like base and the given ipywidgets; rnn_helpers never installed in advance."""
    requirements = BASE + [WIDGETS[name]]
    stamp = hashlib.sha256("\n".join(requirements).encode()).hexdigest()
    home = ENVS / name
    python = home / "bin" / "python"
    if (home / ".stamp").exists() and (home / ".stamp").read_text() == stamp:
        return python
    shutil.rmtree(home, ignore_errors=True)
    venv.create(home, with_pip=True)
    run(str(python), "-m", "pip", "install", "--quiet", *requirements)
    (home / ".stamp").write_text(stamp)
    return python


@pytest.fixture(scope="module", params=sorted(WIDGETS))
def colab_python(request):
    return environment(request.param), WIDGETS[request.param].split("==")[1]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_in_a_fresh_colab_like_environment(colab_python, notebook, tmp_path):
    python, widgets_version = colab_python
    run(str(python), "-m", "pip", "uninstall", "--quiet", "--yes", "rnn_helpers")
    missing = subprocess.run([str(python), "-c", "import rnn_helpers"], capture_output=True, cwd=tmp_path)
    assert missing.returncode != 0, "rnn_helpers must not be importable before the setup cell runs"

    copy = tmp_path / notebook.name  # outside the repository, as a downloaded notebook would be
    shutil.copy(notebook, copy)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env["RNN_BOOK_SOURCE"] = str(ROOT)
    result = subprocess.run([str(python), "-c", EXECUTE, str(copy), str(tmp_path)], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=900)
    assert result.returncode == 0, f"{notebook.name} failed in a Colab-like environment:\n{result.stderr[-4000:]}"
    assert f"ipywidgets {widgets_version}" in result.stdout
    installed = subprocess.run([str(python), "-c", "import rnn_helpers, sys; print(rnn_helpers.__file__)"],
                               capture_output=True, text=True, cwd=tmp_path)
    assert installed.returncode == 0 and "site-packages" in installed.stdout, \
        "the setup cell should have installed rnn_helpers into the environment"
