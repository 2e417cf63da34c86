"""Every chapter run the way Colab runs it, with nbval comparing every output: one execution per
notebook and ipywidgets version serves both checks (the notebook runs top to bottom in a fresh
environment without rnn_helpers, and its outputs are the committed ones).

    python tests/colab_like.py       prepare (below) and print the folder to give pytest --nbval
    python tests/colab_like.py kernel ENV WHEEL FLAVOR CONNECTION_FILE
                                     (the kernel spec's command: start a notebook's kernel)

Preparing makes, in _build/:
  - colab-envs/: the Colab-like stacks. The base is the book's own environment seen through a
    filtered view: a folder of links to the packages of .venv's site-packages, without rnn_helpers
    (installed there editable) and without ipywidgets, widgetsnbextension and jupyterlab_widgets;
    the same torch, numpy, matplotlib and kernel as the book's pinned requirements, without
    installing torch (1 GB) twice more. Each ipywidgets version (FLAVORS) is a thin layer over
    that view, made once and reused while the book's environment and the pins are unchanged. Beside
    them, the rnn_helpers wheel, built by pip from this checkout (as a git+ URL would be built),
    once per version of the package's source;
  - colab-notebooks/FLAVOR/NN_name/NN_name.ipynb: a copy of each chapter, outside notebooks/ as a
    downloaded notebook would be, whose only change is its kernel's name;
  - colab-kernels/kernels/: that kernel, one per copy (found through JUPYTER_PATH, which the root
    conftest.py points here). Its command is this file's ``kernel``, which starts ipykernel in the
    copy's own environment (NN_name/env) with nothing of the checkout's environment (PYTHON*,
    VIRTUAL_ENV, JUPYTER*, PIP_* variables, the user's site-packages) and RNN_BOOK_SOURCE pointing
    the setup cell at the wheel.

The root conftest.py makes that environment new, just before the notebook's kernel starts: an
empty venv that sees its ipywidgets layer and the view as its base packages (as Colab's
preinstalled packages are), checked to have the flavor's ipywidgets and no rnn_helpers; after the
last cell it checks that the setup cell installed rnn_helpers into it.

Colab has long lagged behind ipywidgets 8, so each chapter runs with ipywidgets 8 and with 7.7.
The ipywidgets 7.7 runs also hold numpy, OpenBLAS, MKL, oneDNN and PyTorch's own kernels to their
AVX2 code paths: AVX-512 and AVX2 code round the last bit differently, and the committed outputs
must not depend on the processor that made them (tests/nbval_sanitize.cfg lists the two training
runs chaotic enough to show it). On a processor with AVX-512 the two runs of a notebook thus take
the two code paths; on one without, both take AVX2.
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

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
ENVS = BUILD / "colab-envs"
COPIES = BUILD / "colab-notebooks"
KERNELS = BUILD / "colab-kernels"  # a JUPYTER_PATH entry: the specs are in its kernels/
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# What a Colab runtime already has, roughly: the scientific stack and a Jupyter kernel, no rnn_helpers.
# These come from the book's environment (the view), at the versions requirements.txt pins.
BASE = ["torch", "numpy", "matplotlib", "ipykernel"]
FLAVORS = {"ipywidgets8": "ipywidgets==8.1.8", "ipywidgets7": "ipywidgets==7.7.5"}
AVX2_ONLY = {  # the ipywidgets7 runs: every library held to its AVX2 code paths
    "NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_KNL AVX512_KNM AVX512_SKX AVX512_CLX "
                                "AVX512_CNL AVX512_ICL AVX512_SPR",
    "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "MKL_CBWR": "AVX2",
    "OPENBLAS_CORETYPE": "Haswell", "ONEDNN_MAX_CPU_ISA": "AVX2"}
AVX2_FLAVOR = "ipywidgets7"
# Entries of the book's site-packages that the view leaves out: the package under test (editable
# install: its .pth, finder and metadata) and the widget packages, which each layer brings itself.
LEFT_OUT = ("rnn_helpers", "__editable__", "ipywidgets", "widgetsnbextension", "jupyterlab_widgets")
# What the environment holds, read without importing rnn_helpers: the ipywidgets version and where
# rnn_helpers would be imported from.
INSTALLED = ("import importlib.metadata, importlib.util; print(importlib.metadata.version('ipywidgets')); "
             "spec = importlib.util.find_spec('rnn_helpers'); print(spec.origin if spec else 'missing')")
SITE_PACKAGES = Path("lib", f"python{sys.version_info.major}.{sys.version_info.minor}", "site-packages")


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


@contextmanager
def locked(name: str):
    """One process at a time for what several processes may build at once."""
    ENVS.mkdir(parents=True, exist_ok=True)
    with open(ENVS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def clean_environment(extra: dict | None = None) -> dict:
    """This process's environment variables without those that would let the checkout's Python
    setup in (PYTHONPATH would make rnn_helpers importable; PIP_* could send the install elsewhere),
    and without the user's site-packages."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "PIP_"))}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra or {})
    return env


def stack_view() -> Path:
    """A folder of links to the book environment's packages, minus LEFT_OUT, rebuilt whenever that
    environment's contents change. Added to a venv's path with site.addsitedir, so that the packages'
    own .pth files are honoured, as in a real site-packages."""
    site = Path(sysconfig.get_paths()["purelib"])  # this runs in the book's .venv
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


def new_venv(where: Path, base_site: Path, pth_name: str) -> Path:
    """An empty venv at ``where`` (no pip of its own) that sees ``base_site``'s packages as its base:
    importable, their .pth files honoured. Returns its python."""
    venv.create(where, with_pip=False, symlinks=True)
    (where / SITE_PACKAGES / pth_name).write_text(f"import site; site.addsitedir({str(base_site)!r})\n")
    return where / "bin" / "python"


def installed(python: Path, cwd: Path) -> tuple[str, str]:
    """The ipywidgets version ``python`` has and where it would import rnn_helpers from ("missing"
    if nowhere), asked with the environment variables the notebook's kernel gets."""
    version, origin = run(str(python), "-c", INSTALLED, cwd=cwd, env=clean_environment()).stdout.split()
    return version, origin


def flavor_base(flavor: str) -> Path:
    """The venv of one ipywidgets version over the view; rnn_helpers never in it. Returns its python."""
    view = stack_view()
    stamp = hashlib.sha256("\n".join([view.name, FLAVORS[flavor]]).encode()).hexdigest()
    home = ENVS / flavor
    python = home / "bin" / "python"
    with locked(flavor):
        if (home / ".stamp").exists() and (home / ".stamp").read_text() == stamp:
            return python
        shutil.rmtree(home, ignore_errors=True)
        new_venv(home, view, "colab_stack.pth")  # pip comes from the view
        run(str(python), "-m", "pip", "install", "--quiet", FLAVORS[flavor])
        run(str(python), "-c", "import " + ", ".join(BASE))
        _, origin = installed(python, ENVS)
        assert origin == "missing", f"rnn_helpers is importable in the Colab-like base {home}, from {origin}"
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


def kernel_name(flavor: str, chapter: Path) -> str:
    return f"colab-{flavor}-{chapter.stem}"


def copy_of(flavor: str, chapter: Path) -> Path:
    return COPIES / flavor / chapter.stem / chapter.name


def without_kernel(notebook: dict) -> dict:
    """The notebook less its kernel's name, the one thing a copy changes."""
    metadata = {key: value for key, value in notebook["metadata"].items() if key != "kernelspec"}
    return {**notebook, "metadata": metadata}


def prepare() -> Path:
    """Stacks, wheel, a copy of every chapter and its kernel spec, for each flavor. Returns COPIES."""
    bases = {flavor: flavor_base(flavor) for flavor in FLAVORS}
    wheel = package_wheel(bases["ipywidgets8"])
    shutil.rmtree(COPIES, ignore_errors=True)
    shutil.rmtree(KERNELS, ignore_errors=True)
    for flavor in FLAVORS:
        for chapter in CHAPTERS:
            name = kernel_name(flavor, chapter)
            copy = copy_of(flavor, chapter)
            copy.parent.mkdir(parents=True)
            notebook = json.loads(chapter.read_text())
            notebook["metadata"]["kernelspec"] = {"name": name, "display_name": f"Python 3 (Colab-like, {flavor})",
                                                  "language": "python"}
            copy.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
            spec = KERNELS / "kernels" / name
            spec.mkdir(parents=True)
            (spec / "kernel.json").write_text(json.dumps({
                "argv": [sys.executable, str(Path(__file__).resolve()), "kernel",
                         str(copy.parent / "env"), str(wheel), flavor, "{connection_file}"],
                "display_name": f"Python 3 (Colab-like, {flavor})", "language": "python"}, indent=1))
    return COPIES


def flavor_of(notebook: Path) -> str | None:
    """The flavor of a prepared copy, None for any other notebook."""
    try:
        flavor = notebook.resolve().relative_to(COPIES).parts[0]
    except ValueError:
        return None
    return flavor if flavor in FLAVORS else None


def make_fresh_environment(copy: Path) -> None:
    """Before a copy's kernel starts: a new environment for it (NN_name/env), checked to have its
    flavor's ipywidgets and no rnn_helpers; and the copy checked to be the chapter as committed."""
    flavor = flavor_of(copy)
    chapter = ROOT / "notebooks" / copy.name
    stale = "run `python tests/colab_like.py` (bash .ci/test does) to copy the chapters again"
    assert chapter.exists(), f"{copy} is a copy of {chapter}, which no longer exists: {stale}"
    assert without_kernel(json.loads(copy.read_text())) == without_kernel(json.loads(chapter.read_text())), \
        f"{copy} differs from {chapter.relative_to(ROOT)}: {stale}"
    env = copy.parent / "env"
    shutil.rmtree(env, ignore_errors=True)
    python = new_venv(env, ENVS / flavor / SITE_PACKAGES, "colab_preinstalled.pth")  # flavor_base's venv
    version, origin = installed(python, copy.parent)
    expected = FLAVORS[flavor].split("==")[1]
    assert version == expected, f"the {flavor} environment has ipywidgets {version}, not {expected}"
    assert origin == "missing", f"rnn_helpers must not be importable before the setup cell runs; it is, from {origin}"


def check_installed_by_setup_cell(copy: Path) -> None:
    """After a copy's last cell: the setup cell installed rnn_helpers into the notebook's own environment."""
    env = copy.parent / "env"
    _, origin = installed(env / "bin" / "python", copy.parent)
    assert origin.startswith(str(env / SITE_PACKAGES)), \
        f"the setup cell should have installed rnn_helpers into the notebook's own environment {env}, not {origin}"


def start_kernel(env: Path, wheel: str, flavor: str, connection_file: str) -> None:
    """The kernel spec's command: ipykernel in ``env``, with a clean set of environment variables."""
    extra = {"RNN_BOOK_SOURCE": wheel, **(AVX2_ONLY if flavor == AVX2_FLAVOR else {})}
    python = str(env / "bin" / "python")
    os.execve(python, [python, "-m", "ipykernel_launcher", "-f", connection_file], clean_environment(extra))


if __name__ == "__main__":
    if sys.argv[1:2] == ["kernel"]:
        start_kernel(Path(sys.argv[2]), *sys.argv[3:6])
    else:
        print(prepare().relative_to(ROOT))
