"""Sphinx extension: give the bibliography list valid ARIA roles.

docutils writes each bibliography entry as ``<div class="citation" role="doc-biblioentry">``
inside ``<div role="list">``. ARIA 1.2 deprecates ``doc-biblioentry`` and a list must hold list
items, so axe-core reports both. Each entry is a list item of the bibliography list; say so.
"""

from __future__ import annotations


def use_listitem_role(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('class="citation" id=', 'class="citation" role="listitem" id=') \
                              .replace(' role="doc-biblioentry"', "")


def setup(app):
    # Early: 'html-page-context' stops at the first handler that returns a template name.
    app.connect("html-page-context", use_listitem_role, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
