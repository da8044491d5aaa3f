"""The graded exercises, from the student's side: one call gives the checker of a notebook.

Every chapter notebook has an exercise notebook (``notebooks/exercises/<name>.ipynb``,
the *student edition*, made from the master in ``exercises/`` by
``python -m vaessl_lib assign``).  Its first cells install the package in Colab
and create the checker:

>>> from vaessl_lib.exercises import grader_for      # doctest: +SKIP
>>> grader = grader_for("vae_intuition_exercises")
>>> grader.check("q1")                               # shows the visible tests' verdict

``grader`` is an `otter-grader <https://otter-grader.readthedocs.io>`_
``Notebook`` whose tests directory is the copy of the *visible* tests shipped
inside this package (``vaessl_lib/exercise_tests/<name>/``), so the checks run
wherever the package is installed: Colab opened from GitHub, a laptop, CI, with
no folder beside the notebook and no network.  The hidden tests that decide the
grade are not in the package; they live in the master notebooks and in the
autograder that ``python -m vaessl_lib assign`` builds for instructors.

``grader.check(q)`` *displays* a result and never raises.  Code that must fail
when an answer is wrong (CI, an instructor's script) asserts on the returned
object: ``assert grader.check("q1").passed_all``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import VaesslError

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


def grader_for(assignment: str) -> Any:
    """An otter ``Notebook`` checker running ``assignment``'s visible tests from the package.

    While an autograder grades the notebook, otter points every checker at the
    full test set (visible and hidden) instead; nothing here changes that.
    """
    try:
        import otter
    except ImportError:
        raise VaesslError(INSTALL_HINT) from None
    if getattr(otter.Notebook, "_tests_dir_override", None) is not None:   # being graded: otter's tests
        return otter.Notebook()
    return otter.Notebook(tests_dir=str(tests_dir(assignment)))

