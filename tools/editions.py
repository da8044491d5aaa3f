"""Sphinx extension: the student and the instructor edition of the book from one source.

``VAESSL_EDITION`` picks the edition:

* ``student`` (the default; the published book): the exercise pages are the committed
  ``book/exercises/<name>.md``, which ``python -m vaessl_lib assign`` writes without any solution, so no
  page, downloadable source (``_sources``) or search index of this edition holds one. A page there that
  has a ``{solution}`` block anyway is a build warning (an error with ``-W``), and sphinx-exercise's
  ``hide_solutions`` is on as well;
* ``instructor``: while Sphinx reads ``book/exercises/<name>.md`` it is given the instructor page
  instead (:func:`vaessl_lib.course.assign.instructor_page`: the same page made from the master
  ``exercises/<name>.ipynb`` with each solution and its explanation as a drop-down under its exercise),
  the downloadable source of the page is that page too, and every page says it is the instructor
  edition. The instructor pages exist only inside the instructor build (``_build/instructor``), never
  in the repository.

``python3 dev.py book`` builds the student edition into ``_build/html``;
``python3 dev.py book --instructor`` builds the instructor edition into ``_build/instructor/_build/html``.
Registered in ``_config.yml`` under ``sphinx: local_extensions``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

EDITIONS = ("student", "instructor")
EXERCISE_PAGES = "book/exercises/"          # docnames of the pages `assign` writes
SOLUTION_BLOCK = re.compile(r"^:{3,}\s*\{solution\}", re.M)

logger = logging.getLogger(__name__)


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


def _sources_of(app: Sphinx, name: str) -> tuple[Path, Path]:
    """The master and the student notebook of the exercise page ``book/exercises/<name>``."""
    root = Path(app.srcdir)
    return root / "exercises" / f"{name}.ipynb", root / "notebooks" / "exercises" / f"{name}.ipynb"


def _instructor_page(app: Sphinx, docname: str) -> str | None:
    from vaessl_lib.course.assign import instructor_page

    master, student = _sources_of(app, docname[len(EXERCISE_PAGES):])
    if not (master.is_file() and student.is_file()):
        logger.warning(f"no master {master.relative_to(app.srcdir)} or student edition "
                       f"{student.relative_to(app.srcdir)} for this page: the instructor edition cannot show "
                       f"its solutions", location=docname)
        return None
    return instructor_page(master, student)


def exercise_page_source(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: the instructor page in place of the student one (instructor edition); a warning
    for a solution in a student page (student edition)."""
    if not docname.startswith(EXERCISE_PAGES):
        return
    if edition() == "student":
        if SOLUTION_BLOCK.search(source[0]):
            logger.warning("this exercise page holds a {solution} block, which the student edition's "
                           "downloadable source would show: run `python3 dev.py exercises`", location=docname)
        return
    page = _instructor_page(app, docname)
    if page is not None:
        source[0] = page
        for path in _sources_of(app, docname[len(EXERCISE_PAGES):]):
            app.env.note_dependency(str(path))       # a changed master re-reads the page


def instructor_sources(app: Sphinx, exception) -> None:
    """``build-finished`` (instructor edition): the exercise pages' downloadable sources are the
    instructor pages that were built (Sphinx copies the file on disk, the student page)."""
    if exception is not None or edition() != "instructor" or app.builder.format != "html":
        return
    folder = Path(app.outdir) / "_sources"
    for docname in sorted(d for d in app.env.found_docs if d.startswith(EXERCISE_PAGES)):
        copies = [p for p in folder.glob(f"{docname}.*") if p.is_file()]
        page = _instructor_page(app, docname) if copies else None
        for copy in copies if page is not None else []:
            copy.write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", apply_edition, priority=900)
    app.connect("source-read", exercise_page_source)
    app.connect("build-finished", instructor_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
