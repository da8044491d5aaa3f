"""Master exercise notebooks -> student editions, visible tests, autograders and the book's exercise pages.

One command does all of it (run in a checkout of the book)::

    python -m vaessl_lib assign                 # masters in exercises/, outputs where the book expects them

For every master ``exercises/<name>.ipynb`` (an otter-grader "Otter Assign"
notebook with solutions and tests) it runs ``otter assign`` and writes

* ``notebooks/exercises/<name>.ipynb``: the student edition (stubs, check cells, no solutions);
* ``vaessl_lib/exercise_tests/<name>/q*.py``: the visible tests, shipped in the package so that
  ``grader.check`` works in Colab with nothing beside the notebook;
* ``book/exercises/<name>.md``: the book's page of those exercises (sphinx-exercise directives;
  the solutions are dropped from the student edition of the book and are drop-downs in the
  instructor edition);
* ``_build/exercises/autograder/<name>.zip``: otter's autograder, visible *and hidden* tests;
* ``_build/exercises/solutions/<name>.ipynb``: the solution edition that the autograder must score 100%.

``--out DIR`` writes all of these under ``DIR`` instead (for private masters).

Besides otter's own cells, a master may follow each ``# END QUESTION`` with a raw
cell for this tool::

    # IGNORE
    vaessl:
      question: q1
      kind: implement            # implement | predict | numeric
      title: The reparameterisation trick
      explanation: |
        Markdown shown under the solution in the instructor edition.
      wrong: |
        <code that replaces the solution cell: a deliberately wrong answer>

otter drops ``# IGNORE`` cells from everything it writes.  ``wrong`` is what CI
grades to prove that every question's checks fail on a wrong answer
(:func:`wrong_answer_notebook`).
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import VaesslError
from .exercises import INSTALL_HINT
from .release import colab_url

KINDS = ("implement", "predict", "numeric")
QUESTION_LEAD = re.compile(r"^\*\*Question \d+ \([^)]*\)\.\*\*\s*")   # how every prompt starts
KIND_LABELS = {"implement": "implement", "predict": "predict, then run", "numeric": "read off the experiment"}
REQUIRED_CONFIG = {"init_cell": False, "export_cell": False, "run_tests": False,
                   "tests": {"files": True, "ok_format": False}}
_MARKER = re.compile(r"^\s*#\s*(BEGIN|END)\s+(QUESTION|SOLUTION|TESTS|PROMPT)\b(.*)$", re.S | re.I)
_CHECK = re.compile(r"""^grader\.check\(["'](\w+)["']\)\s*$""")


@dataclass
class Question:
    """One exercise of a master notebook, as the book and the checks see it."""

    name: str
    points: float
    kind: str = ""
    title: str = ""
    prompt: str = ""
    solution: str = ""
    stub: str = ""
    explanation: str = ""
    wrong: str = ""
    public_tests: int = 0
    hidden_tests: int = 0


@dataclass
class Master:
    """A parsed master notebook: its assignment name, title and questions in order."""

    path: Path
    name: str
    title: str
    questions: list[Question] = field(default_factory=list)


@dataclass
class Layout:
    """Where ``assign`` writes each product."""

    student: Path
    tests: Path
    pages: Path
    build: Path
    student_url: str = "notebooks/exercises"   # the student editions' folder in the GitHub repository

    @classmethod
    def repo(cls, root: Path) -> "Layout":
        return cls(root / "notebooks" / "exercises", root / "vaessl_lib" / "exercise_tests",
                   root / "book" / "exercises", root / "_build" / "exercises")

    @classmethod
    def under(cls, out: Path) -> "Layout":
        return cls(out / "student", out / "exercise_tests", out / "pages", out, student_url="student")


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _marker(cell) -> tuple[str, str, str] | None:
    if cell.cell_type != "raw":
        return None
    m = _MARKER.match(_source(cell))
    return (m.group(1).upper(), m.group(2).upper(), m.group(3)) if m else None


def solution_as_shown(code: str) -> str:
    """The solution as a reader should see it: otter's ``# BEGIN/END SOLUTION`` and ``# SOLUTION`` comments gone."""
    lines = [ln for ln in code.splitlines() if not re.match(r"^\s*#\s*(BEGIN|END) SOLUTION\s*$", ln)]
    return "\n".join(re.sub(r"\s*#\s*SOLUTION\s*$", "", ln) for ln in lines).strip("\n")


def read_master(path: str | Path) -> Master:
    """Parse a master notebook into its questions (prompt, solution, tests, and this tool's notes)."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if not nb.cells or not _source(nb.cells[0]).lstrip().startswith("# ASSIGNMENT CONFIG"):
        raise VaesslError(f"{path}: a master notebook starts with a raw '# ASSIGNMENT CONFIG' cell")
    config = yaml.safe_load(_source(nb.cells[0]).split("\n", 1)[1]) or {}
    name = config.get("name")
    if name != path.stem:
        raise VaesslError(f"{path}: the assignment name must be the file name {path.stem!r}, got {name!r}")
    for key, want in REQUIRED_CONFIG.items():
        if config.get(key) != want:
            raise VaesslError(f"{path}: set `{key}: {want}` in its ASSIGNMENT CONFIG (the package ships the "
                              f"visible tests as files and each master has its own checker cell)")
    titles = [_source(c) for c in nb.cells if c.cell_type == "markdown" and _source(c).startswith("# ")]
    title = titles[0].splitlines()[0][2:].strip() if titles else name
    master = Master(path, name, title)

    question: Question | None = None
    block = None
    for cell in nb.cells[1:]:
        mark = _marker(cell)
        text = _source(cell)
        if mark:
            edge, what, rest = mark
            if what == "QUESTION" and edge == "BEGIN":
                cfg = yaml.safe_load(rest) or {}
                question = Question(str(cfg.get("name")), float(cfg.get("points", 1)))
                master.questions.append(question)
            elif what == "QUESTION":
                question = None
            block = what if edge == "BEGIN" and what != "QUESTION" else None
            continue
        if question is not None:
            if block is None and cell.cell_type == "markdown":
                question.prompt = (question.prompt + "\n\n" + text).strip()
            elif block == "SOLUTION" and cell.cell_type == "code":
                if question.solution:
                    raise VaesslError(f"{path}: {question.name} has more than one solution cell; use one")
                question.solution = text
            elif block == "TESTS" and cell.cell_type == "code":
                hidden = bool(re.match(r"\s*#\s*hidden\b", text.splitlines()[0], re.I))
                question.hidden_tests += hidden
                question.public_tests += not hidden
        elif cell.cell_type == "raw" and re.match(r"\s*#\s*IGNORE\b", text, re.I):
            notes = (yaml.safe_load(text.split("\n", 1)[1]) or {}).get("vaessl")
            if not notes:
                continue
            target = next((q for q in master.questions if q.name == notes.get("question")), None)
            if target is None:
                raise VaesslError(f"{path}: an IGNORE note names question {notes.get('question')!r}, "
                                  f"which the notebook does not define before it")
            target.kind = notes.get("kind", "")
            target.title = notes.get("title", "")
            target.explanation = (notes.get("explanation") or "").strip()
            target.wrong = (notes.get("wrong") or "").strip("\n")
    for q in master.questions:
        problems = [what for what, bad in (
            ("a solution cell", not q.solution), ("a visible test", not q.public_tests),
            ("a hidden test", not q.hidden_tests), (f"a kind ({' | '.join(KINDS)})", q.kind not in KINDS),
            ("a title", not q.title), ("a deliberately wrong answer", not q.wrong)) if bad]
        if problems:
            raise VaesslError(f"{path}: question {q.name} needs {', '.join(problems)} "
                              f"(see the docstring of vaessl_lib.assign)")
    if not master.questions:
        raise VaesslError(f"{path}: no '# BEGIN QUESTION' blocks")
    for number, q in enumerate(master.questions, start=1):   # one name per exercise, the same everywhere
        lead = f"**Question {number} ({KIND_LABELS[q.kind]}).**"
        if q.name != f"q{number}" or not q.prompt.startswith(lead):
            raise VaesslError(f"{path}: question {number} must be named q{number} and its prompt start with "
                              f"{lead!r}, got {q.name!r} and {q.prompt[:40]!r}")
    return master


def _stubs(student_nb) -> dict[str, str]:
    """Each question's answer cells as the student edition shows them (otter's stubs)."""
    stubs: dict[str, str] = {}
    pending: list[str] = []
    for cell in student_nb.cells:
        if cell.cell_type != "code":
            continue
        check = _CHECK.match(_source(cell).strip())
        if check:
            stubs[check.group(1)] = "\n\n".join(pending)
            pending = []
        elif "otter_answer_cell" in cell.metadata.get("tags", []):
            pending.append(_source(cell))
    return stubs


def _run_otter_assign(master: Path, result: Path) -> None:
    try:
        from otter.assign import main as otter_assign
    except ImportError:
        raise VaesslError(INSTALL_HINT) from None
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            otter_assign(str(master), str(result), no_pdfs=True, no_run_tests=True)
    except Exception as exc:  # otter's own errors: say which master and show its words
        raise VaesslError(f"otter assign failed on {master}: {exc}\n{log.getvalue()[-2000:]}") from exc


def _clean_notebook(nb) -> None:
    """Committed notebooks carry no outputs, execution counts or per-run metadata."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell["id"] = f"cell-{i:03d}"          # stable ids: regenerating gives the same file
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
    nb.nbformat_minor = max(nb.nbformat_minor, 5)


def render_page(master: Master, student_rel: str) -> str:
    """The book page of a master's exercises (MyST, sphinx-exercise directives)."""
    colab = colab_url(student_rel)
    total = sum(q.points for q in master.questions)
    lines = [
        "<!-- Generated by `python -m vaessl_lib assign` from "
        f"exercises/{master.path.name}: edit the master, not this page. -->",
        "",
        f"# {master.title}",
        "",
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab})",
        "",
        f"These {len(master.questions)} graded exercises ({total:g} points) are done in the notebook "
        f"`{student_rel}`: open it in Colab with the "
        "badge above (its first cell installs `vaessl_lib` and the checker there), write your answer in "
        "place of each `...`, and run the `grader.check(\"q…\")` cell below it. The check runs the "
        "*visible* tests and tells you what is wrong; your grade comes from the visible and *hidden* "
        "tests together, run by your instructor's autograder on the notebook you hand in.",
        "",
    ]
    for number, q in enumerate(master.questions, start=1):
        label = f"{master.name}-{q.name}"
        pts = f"{q.points:g} point{'s' if q.points != 1 else ''}"
        # one name per exercise: "Question n", as in the notebook (no "Exercise 5.1" beside it); the
        # prompt's own "**Question n (kind).**" lead-in is left out, the line under the title says it
        prompt = QUESTION_LEAD.sub("", q.prompt, count=1)
        lines += [
            f"::::{{exercise}} Question {number}: {q.title}",
            f":label: {label}",
            ":nonumber:",
            "",
            f"*{KIND_LABELS[q.kind]} · {pts} · checked in the notebook by `grader.check(\"{q.name}\")`*",
            "",
            prompt,
            "",
        ]
        if q.stub.strip():
            lines += ["```python", q.stub.strip("\n"), "```", ""]
        lines += ["::::", "", f"::::{{solution}} {label}", ":class: dropdown", "",
                  "```python", solution_as_shown(q.solution), "```", ""]
        if q.explanation:
            lines += [q.explanation, ""]
        lines += ["::::", ""]
    return "\n".join(lines).rstrip() + "\n"


def masters_in(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    found = sorted(folder.glob("*.ipynb"))
    if not found:
        raise VaesslError(f"no master notebooks (*.ipynb) in {folder}: give --masters, the exercises/ folder "
                          f"of a vaessl checkout")
    return found


def assign(masters: str | Path, layout: Layout, log=print) -> list[Master]:
    """Run otter assign on every master in ``masters`` and write the products ``layout`` names."""
    import nbformat

    parsed = []
    for path in masters_in(masters):
        master = read_master(path)
        with tempfile.TemporaryDirectory() as tmp:
            result = Path(tmp) / "dist"
            _run_otter_assign(path, result)
            student = nbformat.read(result / "student" / path.name, as_version=4)
            stubs = _stubs(student)
            for q in master.questions:
                q.stub = stubs.get(q.name, "")
            _clean_notebook(student)
            layout.student.mkdir(parents=True, exist_ok=True)
            nbformat.write(student, layout.student / path.name)

            tests = layout.tests / master.name
            shutil.rmtree(tests, ignore_errors=True)
            tests.mkdir(parents=True)
            for test in sorted((result / "student" / "tests").glob("*.py")):
                shutil.copy(test, tests / test.name)

            for sub in ("autograder", "solutions"):
                (layout.build / sub).mkdir(parents=True, exist_ok=True)
            (zipped,) = (result / "autograder").glob("*.zip")
            shutil.copy(zipped, layout.build / "autograder" / f"{master.name}.zip")
            solution = nbformat.read(result / "autograder" / path.name, as_version=4)
            _clean_notebook(solution)
            nbformat.write(solution, layout.build / "solutions" / path.name)

        layout.pages.mkdir(parents=True, exist_ok=True)
        page = render_page(master, f"{layout.student_url}/{path.name}")
        (layout.pages / f"{master.name}.md").write_text(page)
        log(f"{master.name}: {len(master.questions)} questions, "
            f"{sum(q.points for q in master.questions):g} points -> {layout.student / path.name}")
        parsed.append(master)
    return parsed


def wrong_answer_notebook(solution_nb, master: Master):
    """The solution edition with every answer replaced by the master's deliberately wrong one.

    After each ``grader.check("q")`` cell it adds ``assert not grader.check("q").passed_all``: graded
    by the autograder (where ``grader`` runs the visible and hidden tests), the notebook runs to the end
    only if every wrong answer fails its check, and each question then scores below full marks.
    """
    import copy

    import nbformat

    nb = copy.deepcopy(solution_nb)
    wrong = {q.name: q.wrong for q in master.questions}
    cells, pending = [], []
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter_assign_solution_cell" in cell.metadata.get("tags", []):
            pending.append(cell)
            cells.append(cell)
            continue
        check = _CHECK.match(_source(cell).strip()) if cell.cell_type == "code" else None
        cells.append(cell)
        if check:
            name = check.group(1)
            for answer in pending:
                answer.source = wrong[name]
            pending = []
            cells.append(nbformat.v4.new_code_cell(
                f'_result = grader.check("{name}")\n'
                f'assert not _result.passed_all, "the wrong answer to {name} passed its checks"'))
    nb.cells = cells
    return nb
