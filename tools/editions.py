"""Sphinx extension: the student and the instructor edition of the book from one source.

The exercise pages (``book/exercises/``, written by ``python -m vaessl_lib assign``) hold each
exercise's solution in a sphinx-exercise ``{solution}`` directive. ``VAESSL_EDITION`` picks the edition:

* ``student`` (the default; the published book): sphinx-exercise's ``hide_solutions`` drops every
  solution from the pages;
* ``instructor``: solutions stay, as drop-downs under their exercises, and every page says it is the
  instructor edition.

``python3 dev.py book`` builds the student edition into ``_build/html``;
``python3 dev.py book --instructor`` builds the instructor edition into ``_build/instructor/_build/html``.
Registered in ``_config.yml`` under ``sphinx: local_extensions``.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

EDITIONS = ("student", "instructor")


def edition() -> str:
    name = os.environ.get("VAESSL_EDITION", "student").strip().lower() or "student"
    if name not in EDITIONS:
        raise ConfigError(f"VAESSL_EDITION must be one of {', '.join(EDITIONS)}, got {name!r}")
    return name


def apply_edition(app: Sphinx, config) -> None:
    name = edition()
    config.hide_solutions = name == "student"
    config.html_context = {**(config.html_context or {}), "vaessl_edition": name}
    if name == "instructor":
        theme = dict(config.html_theme_options or {})
        theme["announcement"] = "Instructor edition: the exercises' solutions are shown as drop-downs."
        config.html_theme_options = theme
        config.html_title = f"{config.html_title or config.project} (instructor edition)"


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", apply_edition, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
