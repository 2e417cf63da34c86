"""The machinery of the Colab-like runs (tests/colab_like.py, the root conftest.py's hooks): what the
notebook's kernel is started with, and which notebooks count as Colab-like copies. The runs
themselves are nbval's, over _build/colab-notebooks/ (bash .ci/test)."""

from __future__ import annotations

import json

import pytest

import colab_like


def test_the_kernel_sees_nothing_of_the_checkouts_python_setup(monkeypatch):
    for key, value in {"PYTHONPATH": "/work/main", "PYTHONHOME": "/x", "VIRTUAL_ENV": "/work/main/.venv",
                       "JUPYTER_PATH": "/k", "PIP_TARGET": "/elsewhere", "PIP_USER": "1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", "/root")
    env = colab_like.clean_environment({"RNN_BOOK_SOURCE": "/w.whl"})
    assert not [key for key in env if key.startswith(("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER", "PIP_"))]
    assert env["PYTHONNOUSERSITE"] == "1"
    assert env["RNN_BOOK_SOURCE"] == "/w.whl" and env["HOME"] == "/root"


@pytest.mark.parametrize("flavor, avx2", [("ipywidgets8", False), ("ipywidgets7", True)])
def test_the_ipywidgets7_runs_are_held_to_avx2_and_both_install_from_the_wheel(monkeypatch, flavor, avx2):
    started = {}
    monkeypatch.setattr(colab_like.os, "execve", lambda python, argv, env: started.update(argv=argv, env=env))
    colab_like.start_kernel(colab_like.COPIES / flavor / "05_lstm" / "env", "/w.whl", flavor, "/run/k.json")
    python = str(colab_like.COPIES / flavor / "05_lstm" / "env" / "bin" / "python")
    assert started["argv"] == [python, "-m", "ipykernel_launcher", "-f", "/run/k.json"]
    assert started["env"]["RNN_BOOK_SOURCE"] == "/w.whl"
    held = {key: started["env"].get(key) for key in colab_like.AVX2_ONLY}
    assert held == (colab_like.AVX2_ONLY if avx2 else dict.fromkeys(colab_like.AVX2_ONLY))
    assert started["env"].get("ATEN_CPU_CAPABILITY") == ("avx2" if avx2 else None)


def test_only_the_prepared_copies_are_colab_like():
    copy = colab_like.copy_of("ipywidgets7", colab_like.CHAPTERS[0])
    assert colab_like.flavor_of(copy) == "ipywidgets7"
    assert colab_like.flavor_of(colab_like.CHAPTERS[0]) is None
    assert colab_like.flavor_of(colab_like.COPIES / "ipywidgets6" / "x" / "x.ipynb") is None


def test_a_copy_may_differ_from_its_chapter_in_its_kernel_only():
    chapter = json.loads(colab_like.CHAPTERS[0].read_text())
    renamed = {**chapter, "metadata": {**chapter["metadata"], "kernelspec": {"name": "colab-ipywidgets8-01"}}}
    assert colab_like.without_kernel(renamed) == colab_like.without_kernel(chapter)
    edited = json.loads(json.dumps(chapter))
    edited["cells"][0]["source"] = "print('changed')"
    assert colab_like.without_kernel(edited) != colab_like.without_kernel(chapter)
