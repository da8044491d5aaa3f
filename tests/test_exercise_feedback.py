"""What ``grader.check`` tells a student: the visible tests catch each implement question's deliberately wrong
answer with a sentence, and a predict or numeric question's check says that it looked at the format only.

The checks run here the way a student runs them: ``grader_for(name).check(q, env)`` on the visible tests
shipped in the package, with ``env`` holding ``torch``, ``F`` and the functions that the master's
non-question cells define (the notebook's data and models are not needed by any visible test).
"""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import nbformat
import pytest

from vaessl_lib.course.assign import read_master
from vaessl_lib.course.exercises import FORMAT_TEST_PREFIX, TESTS_ROOT, format_note, grader_for

ROOT = Path(__file__).resolve().parents[1]
MASTERS = {p.stem: read_master(p) for p in sorted((ROOT / "exercises").glob("*.ipynb"))}
QUESTIONS = [(name, q) for name, m in MASTERS.items() for q in m.questions]
IMPLEMENT = [(name, q) for name, q in QUESTIONS if q.kind == "implement"]
FORMAT_ONLY = [(name, q) for name, q in QUESTIONS if q.kind != "implement"]
NOTE = "format checked only"


def _ids(pairs):
    return [f"{name}-{q.name}" for name, q in pairs]


def _base_env(name: str) -> dict:
    """``torch``, ``F``, ``math`` and the functions defined by the master's cells outside the questions."""
    nb = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    env: dict = {}
    exec("import math\nimport torch\nimport torch.nn.functional as F", env)
    inside = False
    for cell in nb.cells:
        if cell.cell_type == "raw" and re.match(r"\s*#\s*BEGIN QUESTION", cell.source):
            inside = True
        elif cell.cell_type == "raw" and re.match(r"\s*#\s*END QUESTION", cell.source):
            inside = False
        elif cell.cell_type == "code" and not inside and "%" not in cell.source:
            defs = [n for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
            if defs:
                exec(compile(ast.Module(defs, []), f"<{name}>", "exec"), env)
    return env


def _answer_env(name: str, code: str) -> dict:
    env = _base_env(name)
    exec(code, env)
    return env


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)          # otter writes its log (.OTTER_LOG) into the working directory


def _shipped_tests(name: str, question: str) -> list[ast.FunctionDef]:
    tree = ast.parse((TESTS_ROOT / name / f"{question}.py").read_text())
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)]


# ----------------------------------------------------------------------------------- implement questions
@pytest.mark.parametrize(("name", "q"), IMPLEMENT, ids=_ids(IMPLEMENT))
def test_the_solution_passes_the_visible_tests_and_shows_no_format_note(name, q, in_tmp):
    result = grader_for(name).check(q.name, _answer_env(name, q.solution))
    assert result.passed_all, repr(result)
    assert NOTE not in repr(result) and NOTE not in result._repr_html_()
    assert format_note(result) is None


@pytest.mark.parametrize(("name", "q"), IMPLEMENT, ids=_ids(IMPLEMENT))
def test_the_deliberately_wrong_answer_fails_a_visible_test_with_a_sentence(name, q, in_tmp):
    """The student sees why: an assertion's message, not a crash inside the test or a bare ``assert``."""
    result = grader_for(name).check(q.name, _answer_env(name, q.wrong))
    assert not result.passed_all, f"{name} {q.name}: the wrong answer passes the visible tests:\n{q.wrong}"
    messages = [tcr.message for tcr in result.test_case_results if not tcr.passed]
    said = [m.split("AssertionError: ", 1)[1] for m in messages if "AssertionError: " in m]
    assert any(len(text.split()) >= 5 for text in said), \
        f"{name} {q.name}: the wrong answer fails without a sentence saying why: {messages}"
    assert NOTE not in repr(result)


@pytest.mark.parametrize(("name", "q"), IMPLEMENT, ids=_ids(IMPLEMENT))
def test_implement_questions_have_several_visible_tests_none_of_them_format_only(name, q):
    tests = _shipped_tests(name, q.name)
    assert len(tests) >= 2, f"{name} {q.name}: one visible test cannot catch the common mistakes"
    assert not [t.name for t in tests if t.name.startswith(FORMAT_TEST_PREFIX)], (name, q.name)


def test_a_stub_left_as_it_is_fails_every_implement_check_with_the_hint_to_return(in_tmp):
    for name, q in IMPLEMENT:
        stub = re.sub(r"(?m)^(\s*)(# BEGIN SOLUTION.*?# END SOLUTION)", r"\1...", q.solution, flags=re.S)
        result = grader_for(name).check(q.name, _answer_env(name, stub))
        assert not result.passed_all and "returned None" in repr(result), (name, q.name, stub)


# ------------------------------------------------------------------------------ predict and numeric questions
@pytest.mark.parametrize(("name", "q"), FORMAT_ONLY, ids=_ids(FORMAT_ONLY))
def test_predict_and_numeric_visible_tests_are_format_tests_that_say_the_format(name, q):
    tests = _shipped_tests(name, q.name)
    assert tests and all(t.name.startswith(FORMAT_TEST_PREFIX) for t in tests), \
        f"{name} {q.name}: name its visible tests {FORMAT_TEST_PREFIX}... (they check the format only)"
    assert all(ast.get_docstring(t) for t in tests), f"{name} {q.name}: a format test's docstring says the format"


def _answer_name(name: str, question: str) -> str:
    (test,) = _shipped_tests(name, question)
    (arg,) = [a.arg for a in test.args.args]
    return arg


def _a_well_formed_answer(grader, question: str, variable: str):
    """A value the format test accepts: a choice for a predict question, a plausible number otherwise."""
    for value in ("a", "b", 0.5, 12, 2.0, 0.9):
        result = grader.check(question, {variable: value})
        if result.passed_all:
            return value, result
    raise AssertionError(f"no simple value passes the format check of {question}")


@pytest.mark.parametrize(("name", "q"), FORMAT_ONLY, ids=_ids(FORMAT_ONLY))
def test_a_passing_format_check_says_that_only_the_format_was_checked(name, q, in_tmp):
    grader = grader_for(name)
    variable = _answer_name(name, q.name)
    value, result = _a_well_formed_answer(grader, q.name, variable)
    doc = " ".join(ast.get_docstring(_shipped_tests(name, q.name)[0]).split())
    text, page = repr(result), result._repr_html_()
    assert result.passed_all is True
    for shown in (text, page):
        assert f"{q.name}: {NOTE}" in shown and "your grade checks the answer itself" in shown, shown
    assert doc in text, (doc, text)
    assert text.startswith(f"{q.name} results: All test cases passed!"), text     # otter's own verdict first
    assert "passed!" in page

    bad = grader.check(q.name, {variable: None})                                 # a malformed answer
    assert bad.passed_all is False and NOTE in repr(bad) and "❌" in repr(bad)


def test_the_checker_reads_the_callers_globals_as_otter_does(in_tmp):
    ns = {"grader": grader_for("vae_intuition_exercises"), "q4_prediction": "b"}
    exec('result = grader.check("q4")', ns)
    assert ns["result"].passed_all and NOTE in repr(ns["result"])
    ns["q4_prediction"] = "no"
    exec('result = grader.check("q4")', ns)
    assert not ns["result"].passed_all


def test_a_noted_result_stays_otters_result_and_pickles_as_one(in_tmp):
    import otter
    from otter.test_files import TestFile

    grader = grader_for("vae_intuition_exercises")
    assert isinstance(grader, otter.Notebook)
    result = grader.check("q4", {"q4_prediction": "c"})
    assert isinstance(result, TestFile) and result.passed_all and result.grade == 1
    again = pickle.loads(pickle.dumps(result))                 # otter's log pickles what check returns
    assert isinstance(again, TestFile) and again.passed_all and NOTE not in repr(again)


def test_while_otter_grades_grader_for_is_otters_plain_notebook(tmp_path, monkeypatch, in_tmp):
    import otter

    monkeypatch.setattr(otter.Notebook, "_tests_dir_override", str(tmp_path))
    grader = grader_for("vae_intuition_exercises")
    assert type(grader) is otter.Notebook and grader._tests_dir == str(tmp_path)
