"""Sphinx extension: let the environment variable BOOK_EXECUTE choose whether notebooks run.

_config.yml says ``execute_notebooks: force``: a reader's or contributor's build shows what the
code computes today. The test run (.ci/test) builds with ``BOOK_EXECUTE=off`` instead: the site
then shows the notebooks' committed outputs, and the same run's nbval re-executes every notebook
and fails if any committed output differs from what the code computes (or if a cell raises), so
the notebooks are executed once per run instead of twice. Values: myst-nb's execution modes
(``off``, ``force``, ``auto``, ``cache``, ``inline``).
"""

from __future__ import annotations

import os

MODES = ("off", "force", "auto", "cache", "inline")


def choose_execution_mode(app, config) -> None:
    mode = os.environ.get("BOOK_EXECUTE")
    if not mode:
        return
    if mode not in MODES:
        raise ValueError(f"BOOK_EXECUTE must be one of {', '.join(MODES)}; got {mode!r}")
    config.nb_execution_mode = mode


def setup(app):
    app.connect("config-inited", choose_execution_mode)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
