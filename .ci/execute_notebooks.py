"""Execute chapter notebooks in place, so their committed outputs are the real ones.

Usage: python .ci/execute_notebooks.py [notebook.ipynb ...]   (default: every notebook)

Outputs are never edited by hand; this is the one command that writes them. It keeps the
widget state (so sliders work on the website and in nbviewer) and strips the per-run
metadata (execution timestamps) that would make every run differ: widget model ids are
renamed after the order the widgets were made in, and the kernelspec is written as
JupyterLab writes it, so executing an unchanged chapter, or running and saving it in
JupyterLab, changes no metadata.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def strip_volatile_metadata(notebook) -> None:
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)


def kernelspec_as_jupyterlab_writes_it(name: str = "python3") -> dict:
    """The notebook's kernelspec as JupyterLab saves it: the installed kernel's display name
    ("Python 3 (ipykernel)"), so that running and saving a chapter in JupyterLab changes no metadata."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(name)
    return {"display_name": spec.display_name, "language": spec.language, "name": name}


def stable_widget_ids(notebook, name: str) -> str:
    """The notebook as text with every widget model id replaced by one that depends only on the
    chapter and where the model sits (ipywidgets draws random ids on every run, and the order in
    which a kernel's messages arrive may vary), so that executing an unchanged chapter again
    writes the same file. Models are numbered in the order they are reached from the cells'
    outputs, each model's references followed in the order of its (sorted) keys; models no
    output reaches come after, ordered by their content."""
    state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    state = state.get("state", {})
    order: list[str] = []

    def visit(model_id: str) -> None:
        if model_id in state and model_id not in order:
            order.append(model_id)
            for reference in re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state[model_id], sort_keys=True)):
                visit(reference)

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view:
                visit(view["model_id"])
    rest = [model_id for model_id in state if model_id not in order]
    rest.sort(key=lambda m: re.sub(r"[0-9a-f]{32}", "", json.dumps(state[m], sort_keys=True)))
    text = nbformat.writes(notebook)
    for k, model_id in enumerate(order + rest):
        text = text.replace(model_id, hashlib.md5(f"{name}:{k}".encode()).hexdigest())
    # written again so that the keys are sorted by the new ids, as nbformat and JupyterLab write them
    return nbformat.writes(nbformat.reads(text, as_version=4)) + "\n"


def execute(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   store_widget_state=True, record_timing=False).execute()
    elapsed = time.perf_counter() - started
    strip_volatile_metadata(notebook)
    notebook.metadata["kernelspec"] = kernelspec_as_jupyterlab_writes_it()
    path.write_text(stable_widget_ids(notebook, path.name), encoding="utf-8")
    return elapsed


def main(arguments: list[str]) -> None:
    paths = [Path(a).resolve() for a in arguments] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        print(f"  done in {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
