"""Grade a folder of submitted exercise notebooks into one CSV of scores per student and question.

    python -m vaessl_lib grade submissions/ --out grades.csv

Each notebook is run by otter-grader's non-containerised runner (``otter run``:
no Docker, so it works in Colab and on a laptop) against the autograder of its
assignment, with the visible and the hidden tests.  The autograders are built
from the master notebooks (``--masters``, default ``exercises/``) or taken from a
folder of ``<assignment>.zip`` files (``--autograders``, as written by
``python -m vaessl_lib assign``).

Which student and which assignment a file belongs to:

* the assignment is read from the notebook's metadata (otter stores it in the
  student edition and Colab keeps it), else from an assignment name inside the
  file name;
* the student is the first folder below ``submissions/`` (``submissions/alice/...``),
  else the part of the file name before the assignment name
  (``alice_vae_intuition_exercises.ipynb`` -> ``alice``).

The CSV has one row per student and assignment: ``student, assignment, file``,
one column per question (its score), ``total, possible, percent`` and ``error``
(empty unless the notebook could not be graded).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import VaesslError
from .exercises import INSTALL_HINT


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path


@dataclass
class Grade:
    """One graded notebook: per-question scores (visible and hidden tests), totals, and any error."""

    submission: Submission
    scores: dict[str, float] = field(default_factory=dict)
    possible: dict[str, float] = field(default_factory=dict)
    error: str = ""

    @property
    def total(self) -> float:
        return sum(self.scores.values())

    @property
    def max_total(self) -> float:
        return sum(self.possible.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0


def _assignment_of(path: Path, known: list[str]) -> str | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        meta = {}
    name = (meta.get("otter") or {}).get("assignment_name")
    if name in known:
        return name
    for candidate in sorted(known, key=len, reverse=True):
        if candidate in path.stem:
            return candidate
    return None


def find_submissions(root: str | Path, known: list[str]) -> tuple[list[Submission], list[Path]]:
    """Every ``*.ipynb`` under ``root`` (checkpoints skipped) with its student and assignment;
    and the notebooks whose assignment could not be told."""
    root = Path(root)
    if not root.is_dir():
        raise VaesslError(f"{root} is not a folder of submitted notebooks")
    found, unknown = [], []
    for path in sorted(root.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        assignment = _assignment_of(path, known)
        if assignment is None:
            unknown.append(path)
            continue
        rel = path.relative_to(root)
        if len(rel.parts) > 1:
            student = rel.parts[0]
        else:  # the text before the assignment name (LMS downloads: "alice_1234_<assignment> (1).ipynb")
            before, _, after = path.stem.partition(assignment)
            student = before.strip(" _-.") or after.strip(" _-.()0123456789") or path.stem
        found.append(Submission(student, assignment, path))
    return found, unknown


def autograders_from(folder: str | Path) -> dict[str, Path]:
    """``<assignment>.zip`` files of a folder, by assignment name."""
    zips = {p.stem: p for p in sorted(Path(folder).glob("*.zip"))}
    if not zips:
        raise VaesslError(f"no autograder zips in {folder}: run `python -m vaessl_lib assign` first, "
                          f"or give --masters")
    return zips


def build_autograders(masters: str | Path, out: str | Path) -> dict[str, Path]:
    """Run ``assign`` on the masters into ``out`` and return its autograders."""
    from .assign import Layout, assign

    layout = Layout.under(Path(out))
    assign(masters, layout, log=lambda line: None)
    return autograders_from(layout.build / "autograder")


def _one_line(exc: BaseException) -> str:
    """The gist of an error: for a failed notebook cell, the exception line at the end of its traceback."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt)\b", ln)]
    gist = errors[-1] if errors else (lines[0] if lines else "")
    return f"{type(exc).__name__}: {gist}"[:300]


def grade_submission(sub: Submission, autograder: Path, strict: bool = False) -> Grade:
    """Run one notebook against its autograder (``strict``: a cell that raises is an error, not a 0)."""
    try:
        from otter.run import main as otter_run
    except ImportError:
        raise VaesslError(INSTALL_HINT) from None
    grade = Grade(sub)
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            results = otter_run(str(sub.path), autograder=str(autograder), output_dir=None, no_logo=True,
                                debug=strict)
    except Exception as exc:  # a notebook that cannot run is a row with an error, not a crash of the batch
        grade.error = _one_line(exc)
        return grade
    failure = results.catastrophic_error
    if failure is not None:
        grade.error = _one_line(failure)
    for name in results.test_files:
        result = results.get_result(name)
        grade.scores[name] = float(result.score)
        grade.possible[name] = float(result.possible)
    return grade


def _qkey(name: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def write_csv(grades: list[Grade], path: str | Path) -> None:
    questions = sorted({q for g in grades for q in g.possible}, key=_qkey)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["student", "assignment", "file", *questions, "total", "possible", "percent", "error"])
        for g in sorted(grades, key=lambda g: (g.submission.student, g.submission.assignment)):
            out.writerow([g.submission.student, g.submission.assignment, g.submission.path.name,
                          *(f"{g.scores[q]:g}" if q in g.scores else "" for q in questions),
                          f"{g.total:g}", f"{g.max_total:g}", f"{g.percent:.1f}", g.error])


def grade_folder(submissions: str | Path, autograders: dict[str, Path], out: str | Path,
                 strict: bool = False, log: Callable[[str], None] = print, progress: bool = True) -> list[Grade]:
    """Grade every notebook under ``submissions`` and write the CSV ``out``."""
    found, unknown = find_submissions(submissions, list(autograders))
    for path in unknown:
        log(f"skipped {path}: not one of the assignments {', '.join(autograders)} (by metadata or name)")
    if not found:
        raise VaesslError(f"no submissions of {', '.join(autograders)} under {submissions}")
    from .runtime import progress_bar

    grades = []
    with progress_bar(len(found), "grading", enabled=progress, unit="notebook") as bar:
        for sub in found:
            grade = grade_submission(sub, autograders[sub.assignment], strict=strict)
            grades.append(grade)
            status = f"error: {grade.error}" if grade.error else f"{grade.total:g}/{grade.max_total:g}"
            log(f"{sub.student} {sub.assignment}: {status}")
            bar.update(1)
    write_csv(grades, out)
    log(f"wrote {out} ({len(grades)} notebooks)")
    return grades
