"""Sphinx extension: serve the book's browser assets from the site itself.

MathJax, require.js and the ipywidgets HTML manager are installed from the npm registry
(package-lock.json, by ``bash .ci/setup``) into node_modules/. After a build this copies the
files the pages load into ``_build/html/_static/vendor/``, so the website reads with no
network at all. A missing install fails the build with the command that fixes it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

# destination under _static/vendor -> source under node_modules
ASSETS = {
    "mathjax": "mathjax/es5",
    "require.js": "requirejs/require.js",
    # Kept at its npm path: the manager finds its fonts through the path require.js gives it.
    "@jupyter-widgets/html-manager/dist": "@jupyter-widgets/html-manager/dist",
}


def _sources(app) -> dict[str, Path]:
    node_modules = Path(app.srcdir) / "node_modules"
    sources = {dest: node_modules / src for dest, src in ASSETS.items()}
    missing = [str(path) for path in sources.values() if not path.exists()]
    if missing:
        raise ExtensionError(
            f"browser assets are not installed ({', '.join(missing)}); run `bash .ci/setup` "
            "(or `npm ci`) before building the book"
        )
    return sources


def check_assets(app) -> None:
    if app.builder.format == "html":
        _sources(app)


def copy_assets(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    vendor = Path(app.outdir) / "_static" / "vendor"
    vendor.mkdir(parents=True, exist_ok=True)
    for dest, source in _sources(app).items():
        target = vendor / dest
        if source.is_dir():
            # Source maps are for debugging the libraries; readers do not need them.
            shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
        else:
            shutil.copy2(source, target)


def setup(app):
    app.connect("builder-inited", check_assets)
    app.connect("build-finished", copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
