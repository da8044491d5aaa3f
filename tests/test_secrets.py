"""What a student can reach holds no solution and no hidden test (the committed files; the built book is
checked by ``tests/browser/test_secrets.py`` once ``dev.py test`` has built it).

The secrets are the distinctive lines of every master's solutions, hidden tests and explanations
(:func:`vaessl_lib.course.assign.secrets`: long enough to say something, no comment, ``def`` or import, and in no
cell that the student edition shows anyway). The student's files are the exercise pages
``book/exercises/*.md`` (the student edition of the book is built from them and serves them for download
as ``_sources``), the student notebooks ``notebooks/exercises/*.ipynb`` and the visible tests shipped in
the package, ``vaessl_lib/course/exercise_tests/``. The instructor edition's pages are made while it is built
(``tools/editions.py``), from the same function as ``assign``'s pages plus the solutions.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from vaessl_lib.course.assign import (Layout, assign, instructor_page, leaks, notebook_text, read_master,
                               render_page, secrets, solution_as_shown)
from vaessl_lib.errors import VaesslError

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted((ROOT / "exercises").glob("*.ipynb"))
SOLUTION_BLOCK = re.compile(r"^::::\{solution\}.*?^::::\n\n?", re.M | re.S)   # with the blank line after it


@pytest.fixture(scope="module")
def hidden():
    return secrets(MASTERS)


def _student_files() -> list[Path]:
    files = sorted((ROOT / "book" / "exercises").glob("*.md")) + sorted((ROOT / "notebooks" / "exercises").glob("*.ipynb"))
    files += sorted(p for p in (ROOT / "vaessl_lib" / "course" / "exercise_tests").rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts)
    return files


def _text(path: Path) -> str:
    if path.suffix == ".ipynb":
        return notebook_text(nbformat.read(path, as_version=4))
    return path.read_text(encoding="utf-8")


def test_every_question_has_secrets_to_look_for(hidden):
    """Else the checks below would prove nothing for it: each question has distinctive lines of its
    solution, its hidden tests and its explanation."""
    for path in MASTERS:
        master = read_master(path)
        for q in master.questions:
            kinds = {s.what for s in hidden if (s.assignment, s.question) == (master.name, q.name)}
            assert kinds == {"solution", "hidden test", "explanation"}, (master.name, q.name, kinds)


def test_no_student_file_holds_a_solution_or_a_hidden_test(hidden):
    files = _student_files()
    assert len([f for f in files if f.suffix == ".md"]) == len(MASTERS)
    assert len([f for f in files if f.suffix == ".ipynb"]) == len(MASTERS)
    found = {str(f.relative_to(ROOT)): leaks(_text(f), hidden) for f in files}
    leaked = {f: [(s.assignment, s.question, s.what, s.line) for s in found[f]] for f in found if found[f]}
    assert not leaked, f"solution or hidden-test lines in student files: {leaked}"
    for page in (ROOT / "book" / "exercises").glob("*.md"):
        assert "{solution}" not in page.read_text(), f"{page.name}: rerun `python3 dev.py exercises`"
    for tests in (ROOT / "vaessl_lib" / "course" / "exercise_tests").rglob("*.py"):
        assert "hidden=True" not in tests.read_text(), tests


def test_the_instructor_page_is_the_student_page_plus_each_solution_and_its_explanation(hidden):
    repo = Layout.repo(ROOT)
    for path in MASTERS:
        master = read_master(path)
        page = instructor_page(path, repo.student / path.name)
        blocks = SOLUTION_BLOCK.findall(page)
        assert len(blocks) == len(master.questions), path.name
        for q, block in zip(master.questions, blocks):
            assert block.startswith(f"::::{{solution}} {master.name}-{q.name}\n:class: dropdown\n"), block[:80]
            assert solution_as_shown(q.solution) in block and q.explanation in block, (path.name, q.name)
            assert "BEGIN SOLUTION" not in block
        assert SOLUTION_BLOCK.sub("", page).rstrip("\n") + "\n" == (repo.pages / f"{master.name}.md").read_text(), \
            f"{path.name}: the instructor page differs from the student page by more than its solutions"
        # every solution and explanation secret of the master is on its instructor page
        mine = [s for s in hidden if s.assignment == master.name and s.what != "hidden test"]
        assert mine and leaks(page, mine) == mine, path.name
        assert not leaks(page, [s for s in hidden if s.what == "hidden test"]), path.name


def test_the_leak_check_sees_a_solution_on_a_page():
    """The negative control: a page rendered with its solutions is caught, by the check and by ``assign``."""
    path = ROOT / "exercises" / "vae_intuition_exercises.ipynb"
    master = read_master(path)
    found = secrets([path])
    assert not leaks(render_page(master, "x.ipynb"), found)
    shown = leaks(render_page(master, "x.ipynb", solutions=True), found)
    assert {s.question for s in shown if s.what == "solution"} == {q.name for q in master.questions}


def test_assign_writes_nothing_when_a_student_product_would_leak(tmp_path, monkeypatch):
    import vaessl_lib.course.assign as assign_module

    (tmp_path / "m").mkdir()
    master = ROOT / "exercises" / "vae_intuition_exercises.ipynb"
    (tmp_path / "m" / master.name).write_bytes(master.read_bytes())
    real = assign_module.render_page
    monkeypatch.setattr(assign_module, "render_page", lambda m, rel, solutions=False: real(m, rel, solutions=True))
    layout = Layout.under(tmp_path / "out")
    with pytest.raises(VaesslError, match="the student edition would show q1's solution line"):
        assign(tmp_path / "m", layout, log=lambda line: None)
    assert not layout.student.exists() and not layout.pages.exists()


def _editions(monkeypatch, edition: str):
    """tools/editions.py (the book's Sphinx extension) with ``VAESSL_EDITION`` set, and a stand-in app."""
    import importlib.util
    import types

    pytest.importorskip("sphinx")
    monkeypatch.setenv("VAESSL_EDITION", edition)
    spec = importlib.util.spec_from_file_location("vaessl_editions", ROOT / "tools" / "editions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    deps: list[str] = []
    app = types.SimpleNamespace(srcdir=str(ROOT), env=types.SimpleNamespace(note_dependency=deps.append))
    return module, app, deps


def test_the_instructor_build_reads_the_instructor_page_in_place_of_the_student_page(monkeypatch):
    editions, app, deps = _editions(monkeypatch, "instructor")
    name = "vae_intuition_exercises"
    source = [(ROOT / "book" / "exercises" / f"{name}.md").read_text()]
    editions.exercise_page_source(app, f"book/exercises/{name}", source)
    assert source[0] == instructor_page(ROOT / "exercises" / f"{name}.ipynb", ROOT / "notebooks" / "exercises" / f"{name}.ipynb")
    assert str(ROOT / "exercises" / f"{name}.ipynb") in deps      # an edited master re-reads the page
    chapter = ["# A chapter"]
    editions.exercise_page_source(app, "book/intro", chapter)
    assert chapter == ["# A chapter"]


def test_the_student_build_warns_about_a_solution_on_an_exercise_page(monkeypatch):
    editions, app, _ = _editions(monkeypatch, "student")
    warned = []
    monkeypatch.setattr(editions.logger, "warning", lambda msg, **kw: warned.append(msg))
    name = "vae_intuition_exercises"
    page = (ROOT / "book" / "exercises" / f"{name}.md").read_text()
    source = [page]
    editions.exercise_page_source(app, f"book/exercises/{name}", source)
    assert source == [page] and not warned                     # the committed page: read as it is
    with_solutions = instructor_page(ROOT / "exercises" / f"{name}.ipynb", ROOT / "notebooks" / "exercises" / f"{name}.ipynb")
    editions.exercise_page_source(app, f"book/exercises/{name}", [with_solutions])
    assert warned and "{solution}" in warned[0]
