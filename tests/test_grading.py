"""Grading that loses nobody and that no submission can fool (``python -m vaessl_lib grade``).

A small master (two questions, no models) keeps these fast; ``tests/test_exercises.py`` grades the real
exercise notebooks.  Each attack below is a submission a student could hand in: the test checks that it
gets an honest row and harms neither the grader nor the other submissions.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import nbformat
import pytest

from vaessl_lib.course.grading import find_submissions, student_from_name, write_csv, Grade, Submission
from vaessl_lib.course.judge import Judge, rubric_from_master
from vaessl_lib.course.sandbox import landlock_abi

from test_cli import cli

SECRET = "the-hidden-test-says-7"
ESCAPE = "vaessl-test-escaped-process"


def _master(folder: Path) -> Path:
    """demo_exercises: q1 (implement, 2 points: f doubles a tensor), q2 (predict, 1 point: "b")."""
    v = nbformat.v4
    config = ("# ASSIGNMENT CONFIG\nname: demo_exercises\ninit_cell: false\nexport_cell: false\n"
              "run_tests: false\ntests:\n  files: true\n  ok_format: false\n")
    cells = [
        v.new_raw_cell(config), v.new_markdown_cell("# Demo"),
        v.new_code_cell("import torch\nscale = 2.0"),
        v.new_raw_cell("# BEGIN QUESTION\nname: q1\npoints: 2"),
        v.new_markdown_cell("**Question 1 (implement).** Write `double(x)`."),
        v.new_raw_cell("# BEGIN SOLUTION"),
        v.new_code_cell("def double(x):\n    return scale * x  # SOLUTION"),
        v.new_raw_cell("# END SOLUTION"), v.new_raw_cell("# BEGIN TESTS"),
        v.new_code_cell("def test_format(double):\n    import torch\n"
                        "    assert torch.is_tensor(double(torch.ones(2))), 'return a tensor'"),
        v.new_code_cell(f"# HIDDEN\ndef test_value(double, scale):\n    import torch\n    # {SECRET}\n"
                        "    x = torch.arange(3.0, requires_grad=True)\n"
                        "    y = double(x)\n    assert torch.allclose(y, scale * x)\n"
                        "    y.sum().backward()\n    assert torch.allclose(x.grad, torch.full((3,), 2.0))"),
        v.new_raw_cell("# END TESTS"), v.new_raw_cell("# END QUESTION"),
        v.new_raw_cell("# IGNORE\nvaessl:\n  question: q1\n  kind: implement\n  title: Double\n"
                       "  explanation: x\n  wrong: |\n    def double(x):\n        return x + x.detach()\n"),
        v.new_raw_cell("# BEGIN QUESTION\nname: q2\npoints: 1"),
        v.new_markdown_cell("**Question 2 (predict, then run).** a or b?"),
        v.new_raw_cell("# BEGIN SOLUTION"), v.new_code_cell('q2_prediction = "b"  # SOLUTION'),
        v.new_raw_cell("# END SOLUTION"), v.new_raw_cell("# BEGIN TESTS"),
        v.new_code_cell("def test_format(q2_prediction):\n    assert q2_prediction in ('a', 'b')"),
        v.new_code_cell("# HIDDEN\ndef test_value(q2_prediction):\n    assert q2_prediction == 'b'"),
        v.new_raw_cell("# END TESTS"), v.new_raw_cell("# END QUESTION"),
        v.new_raw_cell("# IGNORE\nvaessl:\n  question: q2\n  kind: predict\n  title: B\n"
                       "  explanation: x\n  wrong: |\n    q2_prediction = 'a'\n"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo_exercises.ipynb"
    nbformat.write(v.new_notebook(cells=cells), path)
    return path


def _submission(path: Path, *cells: str, metadata: bool = True) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    if metadata:
        nb.metadata["otter"] = {"assignment_name": "demo_exercises"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


RIGHT = ("import torch\nscale = 2.0", "def double(x):\n    return 2 * x", 'q2_prediction = "b"')


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    return _master(root / "masters"), root


def _grade(folder: Path, masters: Path, out: Path, *flags: str):
    res = cli("grade", str(folder), "--masters", str(masters), "--out", str(out), "--no-progress", *flags)
    rows = list(csv.DictReader(out.open())) if out.exists() else []
    return res, {Path(r["file"]).stem if r["student"] == "" else r["student"]: r for r in rows}, rows


# ------------------------------------------------------------------------------------- names and rows
@pytest.mark.parametrize("stem, student", [
    ("alice_vae_intuition_exercises", "alice"),
    ("Copy of vae_intuition_exercises", ""),                                   # Colab's copy: no name in it
    ("bob_Copy of vae_intuition_exercises", "bob"),
    ("smithalice_LATE_12345_67890_Copy of vae_intuition_exercises (1)", "smithalice"),   # Canvas
    ("smithalice_12345_67890_vae_intuition_exercises-1", "smithalice"),
    ("Alice Smith_4321_assignsubmission_file_vae_intuition_exercises", "Alice Smith"),  # Moodle
    ("carol-vae_intuition_exercises (1)", "carol"),
])
def test_student_names_survive_colab_copies_and_lms_downloads(stem, student):
    assert student_from_name(stem, "vae_intuition_exercises") == student


def test_every_notebook_is_a_row_unknown_duplicate_and_nameless_ones_are_error_rows(tmp_path):
    known = ["vae_intuition_exercises", "limits_exercises"]
    for path in (tmp_path / "alice" / "Copy of homework.ipynb", tmp_path / "bob_limits_exercises.ipynb",
                 tmp_path / "bob_limits_exercises (1).ipynb", tmp_path / "stray.ipynb",
                 tmp_path / "Copy of limits_exercises.ipynb",
                 tmp_path / "alice" / ".ipynb_checkpoints" / "x-checkpoint.ipynb"):
        nb = nbformat.v4.new_notebook()
        nb.metadata["otter"] = {"assignment_name": "limits_exercises" if "stray" not in path.name else "x"}
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
    subs = {str(s.path.relative_to(tmp_path)): s for s in find_submissions(tmp_path, known)}
    assert sorted(subs) == ["Copy of limits_exercises.ipynb", "alice/Copy of homework.ipynb",
                            "bob_limits_exercises (1).ipynb", "bob_limits_exercises.ipynb", "stray.ipynb"]
    assert (subs["alice/Copy of homework.ipynb"].student, subs["alice/Copy of homework.ipynb"].problem) == \
        ("alice", "")
    assert subs["stray.ipynb"].problem.startswith("unknown assignment")
    assert "no student in its name" in subs["Copy of limits_exercises.ipynb"].problem
    for name in ("bob_limits_exercises.ipynb", "bob_limits_exercises (1).ipynb"):
        assert subs[name].student == "bob" and subs[name].problem.startswith("duplicate: bob also handed in")


def test_error_rows_keep_the_assignments_points(tmp_path):
    grades = [Grade(Submission("bob", "a", Path("b.ipynb")), {"q2": 1, "q10": 0.5}, {"q2": 1, "q10": 1}),
              Grade(Submission("alice", "a", Path("a.ipynb")), {}, {"q2": 1, "q10": 1}, error="timeout: 5 s"),
              Grade(Submission("x", "", Path("x.ipynb")), error="unknown assignment")]
    write_csv(grades, tmp_path / "g.csv")
    rows = list(csv.reader((tmp_path / "g.csv").open()))
    assert rows[0] == ["student", "assignment", "file", "q2", "q10", "total", "possible", "percent", "error"]
    assert rows[1] == ["alice", "a", "a.ipynb", "0", "0", "0", "2", "0.0", "timeout: 5 s"]
    assert rows[2] == ["bob", "a", "b.ipynb", "1", "0.5", "1.5", "2", "75.0", ""]
    assert rows[3] == ["x", "", "x.ipynb", "", "", "", "", "", "unknown assignment"]


# ------------------------------------------------------------------------------------------- scoring
def test_points_only_for_correct_answers(demo):
    master, root = demo
    judge = Judge(master)
    cases = {
        "right": (RIGHT, {"q1": 2.0, "q2": 1.0}),
        "stubs": (("def double(x):\n    ...", "q2_prediction = ..."), {"q1": 0.0, "q2": 0.0}),
        # the right format and a wrong value: the format checks pass, the question scores nothing
        "wrong": (("def double(x):\n    return x + x.detach()", 'q2_prediction = "a"'), {"q1": 0.0, "q2": 0.0}),
        # a cell that raises is reported, and the rest of the notebook is still graded
        "raises": (("1 / 0", *RIGHT), {"q1": 2.0, "q2": 1.0}),
    }
    for name, (cells, scores) in cases.items():
        verdict = judge.grade(_submission(root / "cases" / f"{name}.ipynb", *cells), timeout=120)
        assert verdict.scores == scores, (name, verdict.as_json())
    assert verdict.walls   # the kernel reports how it was walled in
    verdict = judge.grade(_submission(root / "cases" / "raises.ipynb", "1 / 0", *RIGHT), timeout=120)
    assert verdict.error == "cell 1 raised ZeroDivisionError: division by zero"
    wrong = judge.grade(root / "cases" / "wrong.ipynb", timeout=120)
    assert wrong.feedback["q1"] and not wrong.error


def test_the_rubric_takes_answers_from_the_student_and_the_rest_from_the_master(demo):
    master, _ = demo
    rubric = rubric_from_master(master)
    assert rubric.answers == {"double", "q2_prediction"} and rubric.possible == {"q1": 2.0, "q2": 1.0}
    assert not any("def test_" in c for c in rubric.cells)


# -------------------------------------------------------------------------------------------- attacks
def test_submissions_that_forge_read_loop_or_delete_get_honest_rows_and_harm_nothing(demo, tmp_path):
    master, _ = demo
    subs = tmp_path / "submissions"
    _submission(subs / "alice" / "demo_exercises.ipynb", *RIGHT)
    other = subs / "alice" / "demo_exercises.ipynb"
    out = tmp_path / "grades.csv"
    # edits its own results: patches the grader's code in its kernel, answers with an object equal to
    # everything, writes forged messages to every file descriptor, and marks itself full marks in a file
    _submission(subs / "forger" / "demo_exercises.ipynb",
                "import os, vaessl_lib.course.judge as j\n"
                "j.Judge._score = lambda *a, **k: 2.0\n"
                "class Anything:\n    __eq__ = lambda self, other: True\n    __bool__ = lambda self: True\n"
                "def double(x):\n    return Anything()\n"
                "q2_prediction = Anything()\n"
                "open('grades.csv', 'w').write('forger,demo_exercises,x,2,1,3,3,100.0,')\n")
    # reads the hidden tests (the master) and another student's notebook
    _submission(subs / "reader" / "demo_exercises.ipynb",
                "import torch\nscale = 2.0\n"
                f"stolen = ''\nfor p in [{str(master)!r}, {str(other)!r}]:\n"
                "    try:\n        stolen += open(p).read()\n    except OSError:\n        pass\n"
                f"def double(x):\n    return 2 * x if {SECRET!r} in stolen else x\n"
                "q2_prediction = 'b' if 'q2_prediction = \"b\"' in stolen else 'a'")
    # loops forever, and leaves a process behind that detached itself from the kernel's process group
    _submission(subs / "looper" / "demo_exercises.ipynb",
                "import os, sys\n"
                "if os.fork() == 0:\n    os.setsid()\n"
                "    os.execv(sys.executable, [sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)', "
                f"{ESCAPE!r}])\n"
                "while True:\n    pass")
    # deletes the other submissions, the masters and the grader's output, and kills its grader
    _submission(subs / "vandal" / "demo_exercises.ipynb",
                "import os, shutil, signal\n"
                f"for p in [{str(subs)!r}, {str(master.parent)!r}]:\n"
                "    shutil.rmtree(p, ignore_errors=True)\n"
                f"for p in [{str(other)!r}, {str(out)!r}]:\n"
                "    try:\n        os.remove(p)\n    except OSError:\n        pass\n"
                "try:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError:\n    pass\n"
                "def double(x):\n    return 2 * x")
    before = {p: p.read_bytes() for p in [*subs.rglob("*.ipynb"), master]}
    res, by, rows = _grade(subs, master.parent, out, "--timeout", "20", "--jobs", "2")
    assert len(rows) == 5, res.stdout + res.stderr
    assert {p: p.read_bytes() for p in before} == before          # nothing deleted or changed
    assert (by["alice"]["q1"], by["alice"]["q2"], by["alice"]["error"]) == ("2", "1", "")
    assert (by["forger"]["total"], by["forger"]["error"]) == ("0", "")
    assert by["looper"]["error"].startswith("timeout: stopped after 20 s") and by["looper"]["total"] == "0"
    assert not _running(ESCAPE), "a process the looper detached outlived its notebook"
    assert by["vandal"]["q1"] == "2"            # its answer is right; its attacks changed nothing
    if landlock_abi() or (hasattr(os, "geteuid") and os.geteuid() == 0 and not _world_readable(master)):
        assert by["reader"]["total"] == "0", by["reader"]
    assert res.returncode == 1 and "timeout" in res.stdout   # a timeout row is an error: the status says so


def _running(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def _world_readable(path: Path) -> bool:
    return bool(path.stat().st_mode & 0o004)


def test_parallel_jobs_give_the_same_csv_and_the_status_is_1_for_error_rows_unless_allowed(demo, tmp_path):
    master, _ = demo
    subs = tmp_path / "s"
    for student in ("a", "b", "c"):
        _submission(subs / student / "demo_exercises.ipynb", *RIGHT[: 2 if student == "b" else 3])
    _submission(subs / "stray.ipynb", *RIGHT, metadata=False)          # no assignment anywhere
    one, two = tmp_path / "1.csv", tmp_path / "2.csv"
    res, by, rows = _grade(subs, master.parent, one, "--jobs", "1")
    assert res.returncode == 1 and len(rows) == 4
    assert by["stray"]["error"].startswith("unknown assignment") and by["a"]["percent"] == "100.0"
    assert [by[s]["total"] for s in "abc"] == ["3", "2", "3"]
    res, _, _ = _grade(subs, master.parent, two, "--jobs", "2", "--allow-errors")
    assert res.returncode == 0 and one.read_text() == two.read_text()
