"""Sphinx extension: each inline ``<script>`` once per page (works around a Sphinx 7.x bug).

``Sphinx.add_js_file(None, body=...)`` called after the builder's init (sphinx-thebe and
sphinx-togglebutton do) registers the script with filename ``None`` on the builder and ``''`` in the
registry, and the HTML builder adds it a second time; ``const THEBE_JS_URL`` declared twice is then a
``SyntaxError`` in every page's console. Fixed upstream in sphinx-doc/sphinx#13402 (Sphinx 8.2),
which jupyter-book 1.x cannot use. Registered in ``_config.yml`` under ``sphinx: local_extensions``.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def drop_repeated_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, keep = set(), []
    for js in scripts:
        key = (getattr(js, "filename", js) or "", getattr(js, "priority", 0),
               tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            keep.append(js)
    scripts[:] = keep  # the builder's own list: Sphinx restores it before the next page


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
