"""Sphinx extension: drop repeated copies of the same inline script from each page.

sphinx-thebe and sphinx-togglebutton register their inline configuration scripts again on
every read phase (once with filename None, once with ""), so a page receives
``const THEBE_JS_URL = ...`` twice and the second copy raises "Identifier has already been
declared" in the browser. Identical script entries are redundant by definition; keep the first.
"""

from __future__ import annotations


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # An inline script is registered with filename None or "" depending on the caller.
        key = (script.filename or "", repr(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: the builder keeps appending to this very list (MathJax, widgets) after us.
    scripts[:] = unique


def setup(app):
    # Early: 'html-page-context' stops at the first handler that returns a template name.
    app.connect("html-page-context", drop_duplicate_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
