"""The built book: the student edition serves no solution and no hidden test, anywhere in its tree; the
instructor edition shows every solution (``tests/test_secrets.py`` checks the committed files).

Reads ``_build/html`` (``python3 dev.py book``) and ``_build/instructor/_build/html``
(``python3 dev.py book --instructor``), which ``python3 dev.py test`` builds before it runs ``pytest
tests/browser``; needs no browser. Every file of the student edition is searched, as text: the pages
(their HTML, and their text without the tags, where highlighted code is one line again), the
downloadable sources ``_sources`` (the exercise pages' Markdown, the chapter notebooks), ``_downloads``,
the search index and the static files, for every distinctive line of the masters' solutions, hidden tests
and explanations (:func:`vaessl_lib.course.assign.secrets`; lines that the chapters themselves show, such as
``with torch.no_grad():``, do not count).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from vaessl_lib.course.assign import instructor_page, leaks, notebook_text, read_master, secrets

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
INSTRUCTOR_HTML = ROOT / "_build" / "instructor" / "_build" / "html"
MASTERS = sorted((ROOT / "exercises").glob("*.ipynb"))
PAGES = "book/exercises"


def _built(folder: Path, command: str) -> Path:
    if not (folder / "index.html").is_file():
        pytest.fail(f"{folder} is missing: run `{command}` first", pytrace=False)
    return folder


def _chapters() -> str:
    """What the book shows outside its exercise pages: the chapter notebooks and the chapters' text."""
    texts = [notebook_text(nbformat.read(p, as_version=4)) for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "book").glob("*.md"))]
    return "\n".join(texts)


@pytest.fixture(scope="module")
def hidden():
    return secrets(MASTERS, public=_chapters())


def _page_text(markup: str) -> str:
    """A page's text as a reader sees it: no tags (highlighted code is one line again), entities decoded."""
    text = re.sub(r"<(script|style)\b.*?</\1>", "", markup, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _text(path: Path) -> str | None:
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:          # images, fonts
        return None
    texts = [raw]
    if path.suffix == ".html":
        texts.append(_page_text(raw))
    elif path.suffix == ".ipynb":
        try:
            texts.append(notebook_text(nbformat.reads(raw, as_version=4)))
        except Exception:               # not a notebook after all: its raw text is searched
            pass
    return "\n".join(texts)


def test_the_student_edition_serves_no_solution_and_no_hidden_test(hidden):
    site = _built(HTML, "python3 dev.py book")
    names = [p.stem for p in MASTERS]
    # the tree searched is the book's: every exercise page and its downloadable source are in it
    for name in names:
        assert (site / PAGES / f"{name}.html").is_file(), name
        assert list((site / "_sources" / PAGES).glob(f"{name}.*")), name
    searched, leaked = 0, {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        text = _text(path)
        if text is None:
            continue
        searched += 1
        found = leaks(text, hidden)
        if found:
            leaked[str(path.relative_to(site))] = [(s.assignment, s.question, s.what, s.line) for s in found[:5]]
    assert searched > 50 and not leaked, f"the student edition shows solutions or hidden tests: {leaked}"


def test_the_student_editions_exercise_sources_are_the_committed_student_pages():
    site = _built(HTML, "python3 dev.py book")
    for master in MASTERS:
        (source,) = (site / "_sources" / PAGES).glob(f"{master.stem}.*")
        text = source.read_text(encoding="utf-8")
        assert text == (ROOT / PAGES / f"{master.stem}.md").read_text(encoding="utf-8"), source.name
        assert "{solution}" not in text


def _plain(text: str) -> str:
    """Prose as Sphinx prints it: typographic quotes and dashes back to ASCII, whitespace collapsed."""
    for fancy, ascii_ in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                          ("\u2014", "---"), ("\u2013", "--"), ("\u2026", "...")):
        text = text.replace(fancy, ascii_)
    return " ".join(text.split())


def test_the_instructor_edition_shows_every_solution_and_explanation(hidden):
    site = _built(INSTRUCTOR_HTML, "python3 dev.py book --instructor")
    prose = 0
    for path in MASTERS:
        master = read_master(path)
        page = _page_text((site / PAGES / f"{master.name}.html").read_text(encoding="utf-8"))
        mine = [s for s in hidden if s.assignment == master.name]
        solutions = [s for s in mine if s.what == "solution"]
        assert solutions and leaks(page, solutions) == solutions, \
            f"{master.name}: solution lines missing from the instructor edition: {[s.line for s in solutions if s.line not in page]}"
        # explanation lines without Markdown in them read the same on the page
        plain = [s for s in mine if s.what == "explanation" and not re.search(r"[`$*_\[\]\\<>]|--", s.line)]
        missing = [s.line for s in plain if _plain(s.line) not in _plain(page)]
        assert not missing, f"{master.name}: explanation lines missing from the instructor edition: {missing}"
        prose += len(plain)
        # its downloadable source is the instructor page, solutions and explanations included
        (source,) = (site / "_sources" / PAGES).glob(f"{master.name}.*")
        assert source.read_text(encoding="utf-8") == \
            instructor_page(path, ROOT / "notebooks" / "exercises" / path.name), source.name
        assert not leaks(page, [s for s in mine if s.what == "hidden test"]), master.name
    assert prose > 0
