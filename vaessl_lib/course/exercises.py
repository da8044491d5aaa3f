"""The graded exercises, from the student's side: one call gives the checker of a notebook.

Every chapter notebook has an exercise notebook (``notebooks/exercises/<name>.ipynb``,
the *student edition*, made from the master in ``exercises/`` by
``python -m vaessl_lib assign``).  Its first cells install the package in Colab
and create the checker:

>>> from vaessl_lib.course.exercises import grader_for      # doctest: +SKIP
>>> grader = grader_for("vae_intuition_exercises")
>>> grader.check("q1")                               # shows the visible tests' verdict

``grader`` is an `otter-grader <https://otter-grader.readthedocs.io>`_
``Notebook`` whose tests directory is the copy of the *visible* tests shipped
inside this package (``vaessl_lib/course/exercise_tests/<name>/``), so the checks run
wherever the package is installed: Colab opened from GitHub, a laptop, CI, with
no folder beside the notebook and no network.  The hidden tests that decide the
grade are not in the package; they live in the master notebooks and in the
autograder that ``python -m vaessl_lib assign`` builds for instructors.

``grader.check(q)`` *displays* a result and never raises.  Code that must fail
when an answer is wrong (CI, an instructor's script) asserts on the returned
object: ``assert grader.check("q1").passed_all``.

The visible tests of a *predict* or *numeric* question can only check the
answer's format (one of the choices, a fraction between 0 and 1, ...): checking
the value would give it away.  Such a test is named ``test_format_...`` and its
docstring says the format in a few words.  When every visible test of a question
is one of these, the result that ``grader.check`` shows carries a note saying so
(:data:`FORMAT_NOTE`), both in the notebook (HTML) and as text, so that a passed
check is not read as a right answer.
"""

from __future__ import annotations

import copyreg
import functools
import html
import inspect
from pathlib import Path
from typing import Any

from ..errors import VaesslError

TESTS_ROOT = Path(__file__).resolve().parent / "exercise_tests"
"""The visible tests of every exercise notebook, one folder per assignment (written by ``assign``)."""

INSTALL_HINT = ("the exercise checks need otter-grader: run `pip install 'vaessl_lib[exercises]'` "
                "(in Colab, run the notebook's first cell)")


def assignments() -> list[str]:
    """Names of the exercise notebooks whose visible tests ship with this package."""
    if not TESTS_ROOT.is_dir():
        return []
    return sorted(p.name for p in TESTS_ROOT.iterdir() if p.is_dir() and any(p.glob("*.py")))


def tests_dir(assignment: str) -> Path:
    """The folder of ``assignment``'s visible tests inside the installed package."""
    names = assignments()
    if assignment not in names:
        raise VaesslError(f"no exercises named {assignment!r}; the package has: {', '.join(names) or 'none'}")
    return TESTS_ROOT / assignment


FORMAT_TEST_PREFIX = "test_format_"
"""A visible test whose function name starts with this checks the answer's format only."""

FORMAT_NOTE = ("{question}: format checked only ({what}). This check does not say whether your answer is right: "
               "your grade checks the answer itself when your instructor grades the notebook.")
"""What ``grader.check`` adds to its result when every visible test of the question is a format test."""


def format_note(result: Any) -> str | None:
    """The note for an otter result whose test cases are all format tests (``test_format_...``), else None."""
    cases = list(getattr(result, "test_cases", None) or [])
    funcs = [getattr(getattr(tc, "body", None), "test_func", None) for tc in cases]
    if not funcs or not all(getattr(f, "__name__", "").startswith(FORMAT_TEST_PREFIX) for f in funcs):
        return None
    what = "; ".join(dict.fromkeys(" ".join((f.__doc__ or "").split()) for f in funcs if (f.__doc__ or "").strip()))
    return FORMAT_NOTE.format(question=getattr(result, "name", "this question"), what=what or "its format")


def _noted_repr(self) -> str:
    return f"{self._otter_class.__repr__(self)}\n\n{self.format_note}"


def _noted_repr_html(self) -> str:
    return (f"{self._otter_class._repr_html_(self)}<p style='margin-top: 0.5em;'>&#9432; "
            f"{html.escape(self.format_note)}</p>")


def _noted_reduce_ex(self, protocol):
    """Pickled (otter's log of checks) as otter's own result, without the note: unpickling needs otter only."""
    state = {k: v for k, v in self.__dict__.items() if k != "format_note"}
    return copyreg._reconstructor, (self._otter_class, object, None), state


_NOTED_CLASSES: dict[type, type] = {}


def _with_format_note(result: Any) -> Any:
    """``result`` itself (the same object and attributes: ``passed_all``, ...), shown with the format note
    under otter's text and HTML when every test it ran is a format test."""
    note = format_note(result)
    if note is None or getattr(type(result), "_otter_class", None) is not None:
        return result
    cls = type(result)
    noted = _NOTED_CLASSES.get(cls)
    if noted is None:       # one subclass per otter result class, with these three methods (same layout)
        noted = _NOTED_CLASSES[cls] = type(cls.__name__, (cls,), {
            "_otter_class": cls, "__repr__": _noted_repr, "_repr_html_": _noted_repr_html,
            "__reduce_ex__": _noted_reduce_ex, "__module__": cls.__module__})
    result.__class__ = noted
    result.format_note = note
    return result


@functools.lru_cache(maxsize=None)
def _checker_class():
    import otter

    class Checker(otter.Notebook):
        """otter's ``Notebook``; ``check`` adds the format-only note to what a format-only check shows."""

        def check(self, question: str, global_env: dict[str, Any] | None = None) -> Any:
            if global_env is None:                    # otter reads its caller's globals; the caller is ours
                frame = inspect.currentframe()
                global_env = frame.f_back.f_globals if frame is not None and frame.f_back is not None else {}
            return _with_format_note(super().check(question, global_env))

    Checker.__module__, Checker.__qualname__ = __name__, "Checker"   # importable by name (pickle)
    return Checker


def __getattr__(name: str) -> Any:
    if name == "Checker":            # the class of grader_for's checkers, made on first use (needs otter)
        return _checker_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def grader_for(assignment: str) -> Any:
    """An otter ``Notebook`` checker running ``assignment``'s visible tests from the package.

    Its ``check`` is otter's, with the note on format-only checks described above.  While an
    autograder grades the notebook, otter points every checker at the full test set (visible and
    hidden) instead; then this returns otter's plain ``Notebook``, and nothing here changes that.
    """
    try:
        import otter
    except ImportError:
        raise VaesslError(INSTALL_HINT) from None
    if getattr(otter.Notebook, "_tests_dir_override", None) is not None:   # being graded: otter's tests
        return otter.Notebook()
    return _checker_class()(tests_dir=str(tests_dir(assignment)))
