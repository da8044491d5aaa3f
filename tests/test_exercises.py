"""The graded exercises: masters, student editions, shipped visible tests, book pages, and grading.

The slow test at the end is the CI check the exercises promise: it grades, with the documented command,
every master's solution edition (must score 100%), every student edition with its stubs untouched (must
run to the end and score 0), and every master with each answer replaced by a deliberately wrong one (each
question must score 0).  ``tests/test_grading.py`` tests the grader itself (rows, names, attacks).
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import nbformat
import pytest

from vaessl_lib import VaesslError
from vaessl_lib.course.assign import KINDS, Layout, solution_as_shown, assign, read_master, wrong_answer_notebook
from vaessl_lib.course import exercises
from vaessl_lib.course.exercises import TESTS_ROOT, assignments, grader_for
from vaessl_lib.release import colab_url, pip_spec

from test_cli import cli

ROOT = Path(__file__).resolve().parents[1]
MASTERS = sorted((ROOT / "exercises").glob("*.ipynb"))
CHAPTER_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REBUILD = "run `python3 dev.py exercises` and commit what it writes"


def _sources(nb) -> list[tuple[str, str, list]]:
    return [(c.cell_type, c.source, sorted(c.metadata.get("tags", []))) for c in nb.cells]


@pytest.fixture(scope="module")
def parsed():
    return {p.stem: read_master(p) for p in MASTERS}


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    """``assign`` on the committed masters, into a temporary folder laid out like the repository."""
    out = tmp_path_factory.mktemp("assigned")
    layout = Layout(out / "student", out / "tests", out / "pages", out / "build")
    masters = assign(ROOT / "exercises", layout, log=lambda line: None)
    return layout, {m.name: m for m in masters}


# ----------------------------------------------------------------------------------------- the exercise set
def test_every_chapter_notebook_has_at_least_three_exercises_and_18_in_all(parsed):
    assert CHAPTER_NOTEBOOKS
    for nb in CHAPTER_NOTEBOOKS:
        assert f"{nb.stem}_exercises" in parsed, f"notebooks/{nb.name} has no exercises/{nb.stem}_exercises.ipynb"
    counts = {name: len(m.questions) for name, m in parsed.items()}
    assert all(n >= 3 for n in counts.values()), counts
    assert sum(counts.values()) >= 18, counts
    kinds = {q.kind for m in parsed.values() for q in m.questions}
    assert kinds == set(KINDS), f"the exercises mix implement, predict and numeric questions, got {kinds}"


def test_predict_questions_fold_the_experiment_that_answers_them(parsed):
    """A predict question's experiment (the first code cell after its block) prints inside
    ``vaessl_lib.reveal.reveal``: folded until the reader opens it, so that "Run all" gives nothing away."""
    for path in MASTERS:
        cells = nbformat.read(path, as_version=4).cells
        ends = [i for i, c in enumerate(cells) if c.cell_type == "raw" and c.source.startswith("# IGNORE")
                and "kind: predict" in c.source]
        assert ends, f"{path.name} has no predict question"
        for i in ends:
            experiment = next(c for c in cells[i + 1:] if c.cell_type == "code")
            body = [line for line in experiment.source.splitlines() if line.strip()]
            printing = [line for line in body if "print(" in line]
            assert printing, f"{path.name}: the cell after a predict question shows no result"
            assert "with reveal(" in experiment.source and all(line.startswith("    ") for line in printing), \
                f"{path.name}: print the answer to a predict question inside `with reveal():`"


def test_every_question_has_visible_and_hidden_tests_a_title_and_a_wrong_answer(parsed):
    for m in parsed.values():
        for q in m.questions:
            assert q.public_tests >= 1 and q.hidden_tests >= 1, (m.name, q.name)
            assert q.title and q.prompt and q.solution and q.wrong.strip() and q.explanation, (m.name, q.name)
            assert q.wrong.strip() != q.solution.strip(), (m.name, q.name)


def test_committed_student_editions_visible_tests_and_pages_are_what_the_masters_give(assigned):
    layout, masters = assigned
    repo = Layout.repo(ROOT)
    assert sorted(p.stem for p in repo.student.glob("*.ipynb")) == sorted(masters), REBUILD
    assert assignments() == sorted(masters), REBUILD
    for name in masters:
        fresh = nbformat.read(layout.student / f"{name}.ipynb", as_version=4)
        committed = nbformat.read(repo.student / f"{name}.ipynb", as_version=4)
        assert _sources(committed) == _sources(fresh), f"notebooks/exercises/{name}.ipynb: {REBUILD}"
        for test in (layout.tests / name).glob("*.py"):
            assert (repo.tests / name / test.name).read_text() == test.read_text(), f"{name}/{test.name}: {REBUILD}"
        assert sorted(p.name for p in (repo.tests / name).glob("*.py")) == \
            sorted(p.name for p in (layout.tests / name).glob("*.py")), REBUILD
        assert (repo.pages / f"{name}.md").read_text() == (layout.pages / f"{name}.md").read_text(), \
            f"book/exercises/{name}.md: {REBUILD}"


def test_student_editions_carry_no_solutions_and_the_package_no_hidden_tests(assigned):
    layout, masters = assigned
    for name, master in masters.items():
        student = (ROOT / "notebooks" / "exercises" / f"{name}.ipynb").read_text()
        assert "SOLUTION" not in student and "# IGNORE" not in student and "vaessl:" not in student, name
        nb = nbformat.read(ROOT / "notebooks" / "exercises" / f"{name}.ipynb", as_version=4)
        answers = "\n".join(c.source for c in nb.cells if "otter_answer_cell" in c.metadata.get("tags", []))
        for q in master.questions:
            body = [ln.strip() for ln in solution_as_shown(q.solution).splitlines()
                    if ln.strip() and not ln.strip().startswith(("def ", "#", '"""'))]
            assert body and not [ln for ln in body if ln in answers], \
                f"{name} {q.name}: a line of the solution is in an answer cell of the student edition"
            assert q.stub.strip() and q.stub.strip() in answers, (name, q.name)
        shipped = "".join(p.read_text() for p in (TESTS_ROOT / name).glob("*.py"))
        assert "hidden=True" not in shipped and "hidden=False" in shipped, name
        with zipfile.ZipFile(layout.build / "autograder" / f"{name}.zip") as zf:
            graded = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("tests/"))
        assert graded.count("hidden=True") == sum(q.hidden_tests for q in master.questions), name


def test_student_editions_open_in_colab_and_install_the_checker_there():
    for path in sorted((ROOT / "notebooks" / "exercises").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first_md = next(c for c in nb.cells if c.cell_type == "markdown")
        assert colab_url(f"notebooks/exercises/{path.name}") in first_md.source
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        assert "google.colab" in code[0] and f'"{pip_spec("exercises")}"' in code[0], path.name
        assert f'grader_for("{path.stem}")' in code[1], path.name
        assert nb.metadata["otter"]["assignment_name"] == path.stem
        assert all(not c.outputs for c in nb.cells if c.cell_type == "code"), path.name
        checks = [c for c in code if c.startswith("grader.check(")]
        assert len(checks) == len(read_master(ROOT / "exercises" / path.name).questions), path.name


def test_every_exercise_page_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    for master in MASTERS:
        assert f"book/exercises/{master.stem}" in toc, master.name


# ------------------------------------------------------------------------------------- student-side helpers
def test_grader_for_uses_the_shipped_visible_tests_and_reports_unknown_names():
    name = assignments()[0]
    grader = grader_for(name)
    assert Path(grader._tests_dir) == exercises.tests_dir(name) == TESTS_ROOT / name
    with pytest.raises(VaesslError, match="no exercises named 'nope'; the package has: "):
        grader_for("nope")


def test_a_wrong_visible_check_returns_an_object_whose_passed_all_is_false(parsed, tmp_path, monkeypatch):
    """``grader.check`` only displays its verdict: what it returns is what CI can assert on."""
    import torch

    monkeypatch.chdir(tmp_path)                                 # otter may leave a log file in the cwd
    q1 = parsed["vae_intuition_exercises"].questions[0]
    grader = grader_for("vae_intuition_exercises")
    env: dict = {"torch": torch}
    exec(q1.wrong, env)                                         # a deliberately wrong reparameterize
    assert grader.check("q1", env).passed_all is False
    exec(q1.solution, env)
    assert grader.check("q1", env).passed_all is True


# ---------------------------------------------------------------------------------------- masters, errors
def _master(tmp_path, cells, name="demo"):
    v = nbformat.v4
    config = ("# ASSIGNMENT CONFIG\nname: demo\ninit_cell: false\nexport_cell: false\nrun_tests: false\n"
              "tests:\n  files: true\n  ok_format: false\n")
    nb = v.new_notebook(cells=[v.new_raw_cell(config), v.new_markdown_cell("# Demo"), *cells])
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _question(hidden=True, note=True, prompt="**Question 1 (implement).** Write f."):
    v = nbformat.v4
    cells = [v.new_raw_cell("# BEGIN QUESTION\nname: q1\npoints: 2"), v.new_markdown_cell(prompt),
             v.new_raw_cell("# BEGIN SOLUTION"), v.new_code_cell("def f(x):\n    return x  # SOLUTION"),
             v.new_raw_cell("# END SOLUTION"), v.new_raw_cell("# BEGIN TESTS"),
             v.new_code_cell("def test_one(f):\n    assert f(1) == 1")]
    if hidden:
        cells.append(v.new_code_cell("# HIDDEN\ndef test_two(f):\n    assert f(2) == 2"))
    cells += [v.new_raw_cell("# END TESTS"), v.new_raw_cell("# END QUESTION")]
    if note:
        cells.append(v.new_raw_cell("# IGNORE\nvaessl:\n  question: q1\n  kind: implement\n  title: F\n"
                                    "  explanation: x\n  wrong: |\n    def f(x):\n        return 0\n"))
    return cells


def test_read_master_parses_questions_and_says_what_a_question_lacks(tmp_path):
    master = read_master(_master(tmp_path, _question()))
    (q,) = master.questions
    assert (q.name, q.points, q.kind, q.public_tests, q.hidden_tests) == ("q1", 2.0, "implement", 1, 1)
    assert "return x" in q.solution and "return 0" in q.wrong and master.title == "Demo"
    with pytest.raises(VaesslError, match="q1 needs a hidden test"):
        read_master(_master(tmp_path, _question(hidden=False)))
    with pytest.raises(VaesslError, match="needs a kind .*a title, a deliberately wrong answer"):
        read_master(_master(tmp_path, _question(note=False)))
    with pytest.raises(VaesslError, match="assignment name must be the file name 'other'"):
        read_master(_master(tmp_path, _question(), name="other"))
    # one name per exercise: the prompt says "Question n" with n its place, and the checker's name is qn
    with pytest.raises(VaesslError, match=r"question 1 must be named q1 and its prompt start with"):
        read_master(_master(tmp_path, _question(prompt="**Question 2 (implement).** Write f.")))


def test_wrong_answer_notebook_swaps_the_answers_and_nothing_else(tmp_path):
    master = read_master(_master(tmp_path, _question()))
    v = nbformat.v4
    solution = v.new_notebook(cells=[
        v.new_code_cell("def f(x):\n    return x", metadata={"tags": ["otter_assign_solution_cell"]}),
        v.new_code_cell('grader.check("q1")')])
    wrong = wrong_answer_notebook(solution, master)
    assert [c.source for c in wrong.cells] == ["def f(x):\n    return 0", 'grader.check("q1")']
    assert solution.cells[0].source == "def f(x):\n    return x"      # the original is untouched


def test_cli_errors_are_one_line(tmp_path):
    res = cli("grade", str(tmp_path / "nowhere"), "--masters", str(ROOT / "exercises"))
    assert res.returncode == 2 and res.stderr.strip().startswith("error: ") and "Traceback" not in res.stderr
    assert "is not a folder of submitted notebooks" in res.stderr
    res = cli("grade", str(tmp_path), "--autograders", str(tmp_path))
    assert res.returncode == 2 and "no autograder zips" in res.stderr and "Traceback" not in res.stderr
    res = cli("assign", "--masters", str(tmp_path))
    assert res.returncode == 2 and "is not the exercises/ folder of a checkout" in res.stderr
    res = cli("assign", "--masters", str(tmp_path), "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "no master notebooks" in res.stderr


# --------------------------------------------------------------------------- the CI check: grade them all
def test_masters_score_full_marks_stubs_score_zero_and_wrong_answers_score_zero(assigned, tmp_path):
    """With the instructor's command: ``python -m vaessl_lib grade SUBMISSIONS --autograders ... --jobs 2``."""
    layout, masters = assigned
    subs = tmp_path / "submissions"
    for student in ("alice", "bob", "carol"):
        (subs / student).mkdir(parents=True)
    for name, master in masters.items():
        solution = nbformat.read(layout.build / "solutions" / f"{name}.ipynb", as_version=4)
        nbformat.write(solution, subs / "alice" / f"{name}.ipynb")                       # the master's answers
        (subs / "bob" / f"{name}.ipynb").write_bytes((layout.student / f"{name}.ipynb").read_bytes())  # stubs
        nbformat.write(wrong_answer_notebook(solution, master), subs / "carol" / f"{name}.ipynb")
    out = tmp_path / "grades.csv"
    res = cli("grade", str(subs), "--autograders", str(layout.build / "autograder"), "--out", str(out),
              "--jobs", "2", "--no-progress")
    rows = list(csv.DictReader(out.open())) if out.exists() else []
    errors = [(r["student"], r["assignment"], r["error"]) for r in rows if r["error"]]
    assert res.returncode == 0 and not errors, f"{errors}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    assert len(rows) == 3 * len(masters)
    by = {(r["student"], r["assignment"]): r for r in rows}
    for name, master in masters.items():
        questions = [q.name for q in master.questions]
        full, stub, wrong = by["alice", name], by["bob", name], by["carol", name]
        assert full["percent"] == "100.0", (name, full)
        assert float(full["possible"]) == sum(q.points for q in master.questions)
        assert all(float(stub[q]) == 0 for q in questions), (name, stub)
        # a deliberately wrong answer earns nothing: no points for the right format alone
        assert all(float(wrong[q]) == 0 for q in questions), (name, wrong)
