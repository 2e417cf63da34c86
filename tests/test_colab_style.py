"""Run every chapter the way Colab does: a fresh environment without rnn_helpers, the notebook
copied out of the repository, its setup cell installing the helper package.

The setup cell installs from RNN_BOOK_SOURCE, here pointed at a wheel built from this checkout.
Colab has long lagged behind ipywidgets 8, so each notebook runs once with the book's ipywidgets 8
and once with 7.7. Every chapter notebook (notebooks/NN_*.ipynb) is picked up by its name.

What costs time is done once, not once per notebook:
  - the Colab-like stack is the book's own environment seen through a filtered view: a folder of
    links to the packages of .venv's site-packages, without rnn_helpers (installed there editable)
    and without ipywidgets, widgetsnbextension and jupyterlab_widgets. The same torch, numpy,
    matplotlib and kernel as the book's pinned requirements, without installing torch (1 GB) twice
    more. Each ipywidgets version is a thin layer over that view, in _build/colab-envs/, made
    once and reused while the book's environment and the pins are unchanged;
  - the rnn_helpers wheel is built once per version of the package's source (pip's own build from
    the checkout, as a git+ URL would be built), cached beside them.
Each notebook run still gets an environment of its own in which rnn_helpers was never installed:
a new, empty venv that sees its ipywidgets layer and the view as its base packages (as Colab's
preinstalled packages are) and into which the setup cell installs rnn_helpers. So the runs are
independent and may run side by side (pytest-xdist, one worker per ipywidgets version); a file lock
keeps two workers from building the same thing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
ENVS = ROOT / "_build" / "colab-envs"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# What a Colab runtime already has, roughly: the scientific stack and a Jupyter kernel, no rnn_helpers.
# These come from the book's environment (the view below), at the versions requirements.txt pins.
BASE = ["torch", "numpy", "matplotlib", "ipykernel", "nbclient", "nbformat"]
WIDGETS = {"ipywidgets8": "ipywidgets==8.1.8", "ipywidgets7": "ipywidgets==7.7.5"}
# Entries of the book's site-packages that the view leaves out: the package under test (editable
# install: its .pth, finder and metadata) and the widget packages, which each layer brings itself.
LEFT_OUT = ("rnn_helpers", "__editable__", "ipywidgets", "widgetsnbextension", "jupyterlab_widgets")

# What the test reads of the notebook's own environment after the run: the ipywidgets version and
# where rnn_helpers was installed (without importing it).
INSTALLED = ("import importlib.metadata, importlib.util; print(importlib.metadata.version('ipywidgets')); "
             "spec = importlib.util.find_spec('rnn_helpers'); print(spec.origin if spec else 'missing')")

pytestmark = pytest.mark.colab


def run(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


@contextmanager
def locked(name: str):
    """One process at a time (pytest-xdist workers share _build/colab-envs)."""
    ENVS.mkdir(parents=True, exist_ok=True)
    with open(ENVS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def book_site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])  # pytest runs in the book's .venv


def stack_view() -> Path:
    """A folder of links to the book environment's packages, minus LEFT_OUT, rebuilt whenever that
    environment's contents change. Added to a venv's path with site.addsitedir, so that the packages'
    own .pth files are honoured, as in a real site-packages."""
    site = book_site_packages()
    entries = sorted(entry.name for entry in site.iterdir()
                     if not entry.name.startswith(LEFT_OUT) and entry.name != "__pycache__")
    stamp = hashlib.sha256("\n".join([str(site), *entries]).encode()).hexdigest()[:16]
    view = ENVS / f"stack-{stamp}"
    with locked("stack"):
        if not (view / ".complete").exists():
            for old in ENVS.glob("stack-*"):
                shutil.rmtree(old, ignore_errors=True)
            view.mkdir(parents=True)
            for name in entries:
                (view / name).symlink_to(site / name)
            (view / ".complete").write_text("\n".join(entries))
    return view


def add_base(python: Path, base_site: str, file_name: str) -> None:
    """Make ``base_site`` a base of the venv of ``python``: its packages importable, its .pth honoured."""
    own_site = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    Path(own_site, file_name).write_text(f"import site; site.addsitedir({base_site!r})\n")


def environment(name: str) -> Path:
    """A venv with the Colab-like base (the view) and the given ipywidgets; rnn_helpers never in it."""
    view = stack_view()
    stamp = hashlib.sha256("\n".join([view.name, WIDGETS[name]]).encode()).hexdigest()
    home = ENVS / name
    python = home / "bin" / "python"
    with locked(name):
        if (home / ".stamp").exists() and (home / ".stamp").read_text() == stamp:
            return python
        shutil.rmtree(home, ignore_errors=True)
        venv.create(home, with_pip=False, symlinks=True)  # pip comes from the view
        add_base(python, str(view), "colab_stack.pth")
        run(str(python), "-m", "pip", "install", "--quiet", WIDGETS[name])
        run(str(python), "-c", "import " + ", ".join(BASE))
        leaked = subprocess.run([str(python), "-c", "import rnn_helpers"], capture_output=True, cwd=ENVS,
                                env={"PATH": os.environ.get("PATH", "")})
        assert leaked.returncode != 0, f"rnn_helpers is importable in the Colab-like base {home}"
        (home / ".stamp").write_text(stamp)
    return python


def package_wheel(python: Path) -> Path:
    """The rnn_helpers wheel built from this checkout by pip (with build isolation, as Colab's
    install from the repository builds it), once per version of the package's source."""
    files = [ROOT / "pyproject.toml", *sorted((ROOT / "rnn_helpers").rglob("*.py"))]
    digest = hashlib.sha256(b"".join(path.relative_to(ROOT).as_posix().encode() + path.read_bytes() for path in files))
    home = ENVS / f"wheel-{digest.hexdigest()[:16]}"
    with locked("wheel"):
        wheels = sorted(home.glob("rnn_helpers-*.whl"))
        if not wheels:
            for old in ENVS.glob("wheel-*"):
                shutil.rmtree(old, ignore_errors=True)
            source = home / "source"  # a clean copy: no build/ or egg-info left in the checkout
            shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
                ".git", ".venv", "node_modules", "_build", "notebooks", "benchmarks", "*.egg-info", "build", "__pycache__"))
            run(str(python), "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(home), str(source))
            shutil.rmtree(source)
            wheels = sorted(home.glob("rnn_helpers-*.whl"))
    assert len(wheels) == 1, f"expected one rnn_helpers wheel in {home}, found {wheels}"
    return wheels[0]


def fresh_environment(base_python: Path, where: Path) -> Path:
    """A new venv that sees ``base_python``'s packages as preinstalled and has nothing of its own."""
    venv.create(where, with_pip=False, symlinks=True)
    python = where / "bin" / "python"
    base_site = run(str(base_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    add_base(python, base_site, "colab_preinstalled.pth")
    return python


@pytest.fixture(scope="session")
def colab_bases():
    """Both Colab-like stacks and the package wheel, made (or found up to date) once per test run."""
    bases = {name: environment(name) for name in sorted(WIDGETS)}
    return bases, package_wheel(bases["ipywidgets8"])


def kernel_of(python: Path, where: Path) -> KernelManager:
    """A kernel manager that starts its kernel with ``python`` (the notebook's own environment),
    through a kernel spec of its own in ``where``. Only the kernel runs there: nbclient, which
    drives it, stays in the test process (in Colab it is the front end, not the runtime)."""
    spec = where / "colab-like"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (Colab-like)", "language": "python"}))
    return KernelManager(kernel_name="colab-like", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(where)]))


def run_in_fresh_environment(colab_bases, widgets, notebook, tmp_path):
    bases, wheel = colab_bases
    widgets_version = WIDGETS[widgets].split("==")[1]
    python = fresh_environment(bases[widgets], tmp_path / "env")
    work = tmp_path / "work"
    work.mkdir()
    # Nothing of the checkout's environment leaks in (PYTHONPATH would make rnn_helpers importable).
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    missing = subprocess.run([str(python), "-c", "import rnn_helpers"], capture_output=True, cwd=work, env=env)
    assert missing.returncode != 0, "rnn_helpers must not be importable before the setup cell runs"

    copy = work / notebook.name  # outside the repository, as a downloaded notebook would be
    shutil.copy(notebook, copy)
    env["RNN_BOOK_SOURCE"] = str(wheel)
    executed = nbformat.read(copy, as_version=4)
    client = NotebookClient(executed, km=kernel_of(python, tmp_path / "kernels"), timeout=600,
                            resources={"metadata": {"path": str(work)}})
    try:
        client.execute(env=env)
    except CellExecutionError as error:
        pytest.fail(f"{notebook.name} failed in a Colab-like environment:\n{str(error)[-4000:]}")
    versions = run(str(python), "-c", INSTALLED, cwd=work, env=env).stdout.split()
    assert versions[0] == widgets_version, f"the kernel had ipywidgets {versions[0]}, not {widgets_version}"
    assert versions[1].startswith(str(tmp_path / "env")), \
        f"the setup cell should have installed rnn_helpers into the notebook's own environment, not {versions[1]}"


# One class per ipywidgets version: pytest-xdist (--dist loadscope) sends each class to a worker,
# so the two sets of runs go side by side.
@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
class TestWithIpywidgets8:
    def test_notebook_runs_top_to_bottom_in_a_fresh_colab_like_environment(self, colab_bases, notebook, tmp_path):
        run_in_fresh_environment(colab_bases, "ipywidgets8", notebook, tmp_path)


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
class TestWithIpywidgets7:
    def test_notebook_runs_top_to_bottom_in_a_fresh_colab_like_environment(self, colab_bases, notebook, tmp_path):
        run_in_fresh_environment(colab_bases, "ipywidgets7", notebook, tmp_path)
