"""Grade a folder of submitted exercise notebooks into one CSV: a row per notebook, a column per question.

    python -m vaessl_lib grade submissions/ --out grades.csv --jobs 2

Each notebook runs in a kernel of its own, walled in (:mod:`vaessl_lib.course.sandbox`: it cannot read the
masters, the hidden tests or the other submissions, cannot write outside its own folder, and is stopped
after ``--timeout`` seconds), and its tests run in the grader's process, never in the student's
(:mod:`vaessl_lib.course.judge`), so a submission cannot forge its score.  A question scores its points when
all of its tests (visible and hidden) pass, else 0.  The rubric of each assignment comes from its master
notebook (``--masters``, default ``exercises/``) or from the autograder zips that ``assign`` writes
(``--autograders``); it is read once per call.

Which student and which assignment a file belongs to:

* the assignment is read from the notebook's metadata (otter stores it in the student edition and Colab
  keeps it), else from an assignment name inside the file name;
* the student is the first folder below ``submissions/`` (``submissions/alice/...``); else the file name
  with Colab's ``Copy of`` removed, up to the assignment name, with an LMS's additions removed: Canvas's
  ``_LATE`` and numeric ids (``smithalice_LATE_1234_5678_...`` -> ``smithalice``) and Moodle's
  ``_assignsubmission_file_`` (``Alice Smith_12345_assignsubmission_file_...`` -> ``Alice Smith``); a name
  with nothing before the assignment's is an error row that says how to name the file.

Every notebook gives exactly one row.  Error rows say why: an unknown assignment, a second notebook of
the same student and assignment (both rows are graded and flagged), a cell that raised (with its message;
the questions are still graded), a timeout, an unreadable file.  The command exits with status 1 when any
row has an error, unless ``--allow-errors``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
import subprocess
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import VaesslError

MASTER_IN_ZIP = "vaessl_master.ipynb"   # the master notebook inside an autograder zip written by ``assign``


@dataclass
class Submission:
    student: str
    assignment: str
    path: Path
    problem: str = ""        # why this notebook cannot be graded, or what is wrong with it (duplicates)


@dataclass
class Grade:
    """One graded notebook: per-question scores, the assignment's points, and any error."""

    submission: Submission
    scores: dict[str, float] = field(default_factory=dict)
    possible: dict[str, float] = field(default_factory=dict)
    error: str = ""
    feedback: dict[str, str] = field(default_factory=dict)   # question -> why it scored 0
    walls: str = ""                                          # how the notebook's kernel was walled in

    @property
    def total(self) -> float:
        return sum(self.scores.values())

    @property
    def max_total(self) -> float:
        return sum(self.possible.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0


# ----------------------------------------------------------------------------------- who and what a file is
def _assignment_of(path: Path, known: list[str]) -> str | None:
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        meta = {}
    name = (meta.get("otter") or {}).get("assignment_name") if isinstance(meta, dict) else None
    if name in known:
        return name
    for candidate in sorted(known, key=len, reverse=True):
        if candidate in path.stem:
            return candidate
    return None


_COPY = re.compile(r"copy[ _]of[ _]", re.I)
_LMS_NOISE = [re.compile(p, re.I) for p in (
    r"_assignsubmission_file_?$",     # Moodle: "<full name>_<id>_assignsubmission_file_<file>"
    r"_LATE(?=_|$)",                  # Canvas: "<name>_LATE_<user id>_<submission id>_<file>"
)]


def student_from_name(stem: str, assignment: str | None) -> str:
    """The student a file name names (see the module docstring), or "" when it names none."""
    name = _COPY.sub("", stem)
    before = name.partition(assignment)[0] if assignment and assignment in name else name
    for pattern in _LMS_NOISE:
        before = pattern.sub("", before)
    before = re.sub(r"([ _\-.]+\d+)+[ _\-.]*$", "", before)   # trailing numeric ids (Canvas, Moodle)
    return before.strip(" _-.()")


def find_submissions(root: str | Path, known: list[str]) -> list[Submission]:
    """Every ``*.ipynb`` under ``root`` (checkpoints skipped), each with its student and assignment, or
    with the ``problem`` that makes it an error row."""
    root = Path(root)
    if not root.is_dir():
        raise VaesslError(f"{root} is not a folder of submitted notebooks")
    found = []
    for path in sorted(root.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        rel = path.relative_to(root)
        assignment = _assignment_of(path, known)
        student = rel.parts[0] if len(rel.parts) > 1 else student_from_name(path.stem, assignment)
        problem = ""
        if assignment is None:
            problem = (f"unknown assignment: neither its metadata nor its name names one of "
                       f"{', '.join(known)}")
        elif not student:
            problem = (f"no student in its name: put it in a folder named after the student, or name it "
                       f"<student>_{assignment}.ipynb")
        found.append(Submission(student or path.stem, assignment or "", path, problem))
    by_key: dict[tuple[str, str], list[Submission]] = {}
    for sub in found:
        if not sub.problem:
            by_key.setdefault((sub.student, sub.assignment), []).append(sub)
    for (student, assignment), subs in by_key.items():
        if len(subs) > 1:
            for sub in subs:
                others = ", ".join(str(o.path.relative_to(root)) for o in subs if o is not sub)
                sub.problem = f"duplicate: {student} also handed in {others} for {assignment}; keep one"
    return found


# --------------------------------------------------------------------------------------------- rubrics
def masters_from(folder: str | Path) -> dict[str, Path]:
    """Master notebooks of a folder, by assignment name."""
    from .assign import masters_in

    return {p.stem: p for p in masters_in(folder)}


def masters_from_autograders(folder: str | Path, into: str | Path) -> dict[str, Path]:
    """The masters inside ``<assignment>.zip`` autograders written by ``assign``, unpacked into ``into``."""
    zips = sorted(Path(folder).glob("*.zip"))
    if not zips:
        raise VaesslError(f"no autograder zips in {folder}: run `python -m vaessl_lib assign` first, "
                          f"or give --masters")
    out = {}
    for z in zips:
        with zipfile.ZipFile(z) as zf:
            if MASTER_IN_ZIP not in zf.namelist():
                raise VaesslError(f"{z} has no {MASTER_IN_ZIP}: rebuild the autograders with "
                                  f"`python -m vaessl_lib assign`")
            target = Path(into) / f"{z.stem}.ipynb"
            target.write_bytes(zf.read(MASTER_IN_ZIP))
            out[z.stem] = target
    return out


# ------------------------------------------------------------------------------------------- the judges
class JudgeProcess:
    """``python -m vaessl_lib.course.judge`` for one assignment: builds its reference once, grades many."""

    def __init__(self, assignment: str, master: Path):
        self.assignment = assignment
        self.proc = subprocess.Popen([sys.executable, "-m", "vaessl_lib.course.judge"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        reply = self._ask({"master": str(master)})
        self.possible: dict[str, float] = reply.get("possible", {})
        self.broken = "" if reply.get("ok") else f"the autograder of {assignment} is broken: {reply.get('error')}"

    def _ask(self, request: dict) -> dict:
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except OSError:
            line = ""
        if not line:
            return {"ok": False, "error": "the grader's judge process stopped"}
        return json.loads(line)

    def grade(self, sub: Submission, timeout: float, slot: int) -> Grade:
        grade = Grade(sub, possible=dict(self.possible))
        if self.broken:
            grade.error = self.broken
            return grade
        reply = self._ask({"path": str(sub.path), "timeout": timeout, "slot": slot})
        if not reply.get("ok"):
            grade.error = str(reply.get("error"))
            return grade
        grade.scores = {q: float(s) for q, s in reply["scores"].items()}
        grade.feedback = reply.get("feedback", {})
        grade.error = reply.get("error", "")
        grade.walls = reply.get("walls", "")
        return grade

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


def _qkey(name: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def write_csv(grades: list[Grade], path: str | Path) -> None:
    questions = sorted({q for g in grades for q in g.possible}, key=_qkey)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["student", "assignment", "file", *questions, "total", "possible", "percent", "error"])
        for g in sorted(grades, key=lambda g: (g.submission.student, g.submission.assignment, str(g.submission.path))):
            known = bool(g.possible)
            out.writerow([g.submission.student, g.submission.assignment, g.submission.path.name,
                          *(f"{g.scores.get(q, 0.0):g}" if q in g.possible else "" for q in questions),
                          f"{g.total:g}" if known else "", f"{g.max_total:g}" if known else "",
                          f"{g.percent:.1f}" if known else "", g.error])


def grade_folder(submissions: str | Path, masters: dict[str, Path], out: str | Path, jobs: int = 1,
                 timeout: float = 300.0, log: Callable[[str], None] = print, progress: bool = True) -> list[Grade]:
    """Grade every notebook under ``submissions`` (``jobs`` at a time) and write the CSV ``out``."""
    from ..runtime import progress_bar

    found = find_submissions(submissions, list(masters))
    if not found:
        raise VaesslError(f"no notebooks (*.ipynb) under {submissions}")
    grades: list[Grade] = []
    todo = []
    for sub in found:
        if sub.problem and not sub.problem.startswith("duplicate"):
            grades.append(Grade(sub, error=sub.problem))
            log(f"{sub.path}: error: {sub.problem}")
        else:
            todo.append(sub)
    # one queue per assignment: a job stays with its assignment while it has notebooks left, then takes the
    # assignment with the most left that no other job is on, so that each reference is built about once
    queues: dict[str, list[Submission]] = {}
    for sub in sorted(todo, key=lambda s: (s.assignment, str(s.path))):
        queues.setdefault(sub.assignment, []).append(sub)
    lock = threading.Lock()
    current: dict[int, str] = {}
    walls: set[str] = set()

    def next_submission(slot: int) -> Submission | None:
        with lock:
            mine = current.get(slot)
            if not queues.get(mine):
                left = [a for a in queues if queues[a]]
                if not left:
                    return None
                taken = set(current.values()) - {mine}
                mine = max(left, key=lambda a: (a not in taken, len(queues[a]), a))
                current[slot] = mine
            return queues[mine].pop(0)

    def work(slot: int) -> None:
        judge: JudgeProcess | None = None
        try:
            while True:
                sub = next_submission(slot)
                if sub is None:
                    return
                if judge is None or judge.assignment != sub.assignment or not judge.alive:
                    if judge is not None:
                        judge.close()
                    judge = JudgeProcess(sub.assignment, masters[sub.assignment])
                grade = judge.grade(sub, timeout, slot)
                if sub.problem:
                    grade.error = "; ".join(e for e in (sub.problem, grade.error) if e)
                with lock:
                    grades.append(grade)
                    walls.add(grade.walls)
                    status = f"error: {grade.error}" if grade.error else f"{grade.total:g}/{grade.max_total:g}"
                    log(f"{sub.student} {sub.assignment}: {status}")
                    bar.update(1)
        finally:
            if judge is not None:
                judge.close()

    with progress_bar(len(todo), "grading", enabled=progress and bool(todo), unit="notebook") as bar:
        workers = max(1, min(jobs, len(todo)))
        with ThreadPoolExecutor(workers) as pool:
            for f in [pool.submit(work, slot) for slot in range(workers)]:
                f.result()
    walls.discard("")
    if walls:
        log(f"submissions ran walled in: {'; '.join(sorted(walls))}")
    if any("Landlock" in w and w.startswith("no Landlock") for w in walls):
        log("warning: this machine has no Landlock (Linux 5.13+): the submissions could read what this user "
            "can read; grade as root or in a container (README, 'Grading')")
    write_csv(grades, out)
    errors = sum(bool(g.error) for g in grades)
    log(f"wrote {out} ({len(grades)} notebooks, {errors} with errors)")
    return grades


@contextlib.contextmanager
def with_temporary_masters(args_masters: str | None, args_autograders: str | None):
    """The masters to grade with, from ``--masters`` or ``--autograders`` (unpacked into a 0700 folder)."""
    with tempfile.TemporaryDirectory(prefix="vaessl-masters-") as tmp:
        yield masters_from_autograders(args_autograders, tmp) if args_autograders else \
            masters_from(args_masters or "exercises")
