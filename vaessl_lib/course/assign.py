"""Master exercise notebooks -> student editions, visible tests, autograders and the book's exercise pages.

One command does all of it (run in a checkout of the book)::

    python -m vaessl_lib assign                 # masters in exercises/, outputs where the book expects them

For every master ``exercises/<name>.ipynb`` (an otter-grader "Otter Assign"
notebook with solutions and tests) it runs ``otter assign`` and writes

* ``notebooks/exercises/<name>.ipynb``: the student edition (stubs, check cells, no solutions);
* ``vaessl_lib/course/exercise_tests/<name>/q*.py``: the visible tests, shipped in the package so that
  ``grader.check`` works in Colab with nothing beside the notebook;
* ``book/exercises/<name>.md``: the book's page of those exercises, *student edition*: the exercises
  (sphinx-exercise directives) and no solution;
* ``_build/exercises/autograder/<name>.zip``: otter's autograder, visible *and hidden* tests, for
  ``otter grade`` (Docker) and Gradescope, with the master inside (``vaessl_master.ipynb``: the rubric
  of ``python -m vaessl_lib grade --autograders``);
* ``_build/exercises/solutions/<name>.ipynb``: the solution edition that the autograder must score 100%.

``--out DIR`` writes all of these under ``DIR`` instead (for private masters).

Nothing a student can reach holds a solution or a hidden test: not the student notebooks, not the
package's visible tests, not the committed pages (``assign`` checks its products against
:func:`secrets` before it writes them).  The instructor edition of the book gets its pages, the same
with each solution and its explanation as a drop-down, from :func:`instructor_page`, which
``tools/editions.py`` calls while Sphinx reads the page: they exist only inside the instructor build.

The autograders are built from a temporary copy of each master whose ASSIGNMENT CONFIG gets
``requirements`` (:func:`autograder_requirements`: this package at the book's release with its
``exercises`` extra, and torch/torchvision from PyTorch's CPU wheels) and ``python_version``, and whose
questions get ``all_or_nothing: true`` (a question's points only when all its tests pass, on every
grader); the masters themselves are left as they are.

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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import VaesslError
from .exercises import INSTALL_HINT
from ..release import colab_url, pip_spec

KINDS = ("implement", "predict", "numeric")
QUESTION_LEAD = re.compile(r"^\*\*Question \d+ \([^)]*\)\.\*\*\s*")   # how every prompt starts
KIND_LABELS = {"implement": "implement", "predict": "predict, then run", "numeric": "read off the experiment"}
REQUIRED_CONFIG = {"init_cell": False, "export_cell": False, "run_tests": False,
                   "tests": {"files": True, "ok_format": False}}
_MARKER = re.compile(r"^\s*#\s*(BEGIN|END)\s+(QUESTION|SOLUTION|TESTS|PROMPT)\b(.*)$", re.S | re.I)
# what the autograders install besides otter-grader (Gradescope, `otter grade`): the package of this release,
# and torch/torchvision as loosely as pyproject.toml declares them, CPU wheels (tests/test_autograder_zips.py)
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
AUTOGRADER_TORCH = ("torch>=2.1", "torchvision>=0.16")
AUTOGRADER_PYTHON = "3.11"          # the Python that CI tests the package with

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
    tests: list[tuple[str, bool]] = field(default_factory=list)   # (test cell's code, hidden?) in order


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
        return cls(root / "notebooks" / "exercises", root / "vaessl_lib" / "course" / "exercise_tests",
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
                question.tests.append((text, hidden))
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
                              f"(see the docstring of vaessl_lib.course.assign)")
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


def render_page(master: Master, student_rel: str, solutions: bool = False) -> str:
    """The book page of a master's exercises (MyST, sphinx-exercise directives).

    ``solutions=False`` (what ``assign`` writes to ``book/exercises/``): the student edition's page, with
    no solution. ``solutions=True``: the instructor edition's, each solution and its explanation in a
    ``{solution}`` drop-down under its exercise (:func:`instructor_page`); the rest is the same text.
    """
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
        lines += ["::::", ""]
        if solutions:
            lines += [f"::::{{solution}} {label}", ":class: dropdown", "",
                      "```python", solution_as_shown(q.solution), "```", ""]
            if q.explanation:
                lines += [q.explanation, ""]
            lines += ["::::", ""]
    return "\n".join(lines).rstrip() + "\n"


def instructor_page(master_path: str | Path, student_notebook: str | Path,
                    student_rel: str | None = None) -> str:
    """The instructor edition's page of a master: its student page with the solutions as drop-downs.

    The stubs shown under each exercise come from the student edition ``student_notebook`` (the one
    ``assign`` wrote), so that the two pages differ only by their ``{solution}`` blocks.
    ``tools/editions.py`` calls this while Sphinx reads ``book/exercises/<name>.md`` for the instructor
    edition; the page is never written into the repository.
    """
    import nbformat

    master = read_master(master_path)
    stubs = _stubs(nbformat.read(student_notebook, as_version=4))
    for q in master.questions:
        q.stub = stubs.get(q.name, "")
    rel = student_rel or f"notebooks/exercises/{Path(master_path).name}"
    return render_page(master, rel, solutions=True)


# ------------------------------------------------------------------------------------------------- secrets
@dataclass(frozen=True)
class Secret:
    """A line that only the instructor may see: of a solution, a hidden test or a solution's explanation."""

    assignment: str
    question: str
    what: str        # "solution" | "hidden test" | "explanation"
    line: str


_TRIVIAL = ("#", "def ", "import ", "from ", '"""', "'''", "@")


def _stub_lines(solution: str) -> list[str]:
    """The lines of a solution cell that otter keeps in the student's stub (outside the SOLUTION markers)."""
    kept, inside = [], False
    for ln in solution.splitlines():
        if re.match(r"^\s*#\s*BEGIN SOLUTION\s*$", ln):
            inside = True
        elif re.match(r"^\s*#\s*END SOLUTION\s*$", ln):
            inside = False
        elif not inside and not re.search(r"#\s*SOLUTION\s*$", ln):
            kept.append(ln)
    return kept


def _public_text(path: Path, master: Master) -> str:
    """Everything of a master that its student edition may show: every cell but the configuration and
    marker cells, this tool's notes, the solution cells and the hidden tests; plus the stubs' kept lines."""
    import nbformat

    secret_cells = {q.solution for q in master.questions} | {code for q in master.questions
                                                              for code, hidden in q.tests if hidden}
    nb = nbformat.read(path, as_version=4)
    public = [_source(c) for c in nb.cells if c.cell_type != "raw" and _source(c) not in secret_cells]
    public += [ln for q in master.questions for ln in _stub_lines(q.solution)]
    return "\n".join(public)


def secrets(masters: list[str | Path], public: str = "") -> list[Secret]:
    """The distinctive lines of the masters' solutions, hidden tests and explanations.

    A line counts when it is long enough to say something (12 characters; 30 for the prose of an
    explanation), is no comment, ``def``, import, decorator or docstring quote, and occurs nowhere in what
    a student may see anyway: the public cells of any of ``masters`` (prompts, visible tests, experiments,
    the stubs' kept lines) or ``public`` (e.g. the chapter notebooks). A student edition that contains
    one of these lines leaks a solution or a hidden test.
    """
    parsed = [(Path(p), read_master(p)) for p in masters]
    shown = "\n".join([public, *(_public_text(p, m) for p, m in parsed)])
    found: list[Secret] = []
    for _, master in parsed:
        for q in master.questions:
            candidates = [("solution", ln) for ln in solution_as_shown(q.solution).splitlines()]
            candidates += [("hidden test", ln) for code, hidden in q.tests if hidden for ln in code.splitlines()]
            candidates += [("explanation", ln) for ln in q.explanation.splitlines()]
            for what, ln in candidates:
                ln = ln.strip()
                if len(ln) < (30 if what == "explanation" else 12) or ln.startswith(_TRIVIAL) or ln in shown:
                    continue
                secret = Secret(master.name, q.name, what, ln)
                if secret not in found:
                    found.append(secret)
    return found


def leaks(text: str, found: list[Secret]) -> list[Secret]:
    """The secrets whose line occurs in ``text``."""
    return [s for s in found if s.line in text]


def notebook_text(nb) -> str:
    """A notebook's cells and text outputs as plain text (what a leak check searches, not its JSON)."""
    parts = []
    for cell in nb.cells:
        parts.append(_source(cell))
        for out in cell.get("outputs", []):
            for value in [out.get("text", ""), *(out.get("data") or {}).values()]:
                parts.append(value if isinstance(value, str) else "".join(map(str, value))
                             if isinstance(value, list) else "")
    return "\n".join(parts)


# -------------------------------------------------------------------------------------- otter's autograder
def autograder_requirements() -> list[str]:
    """What an autograder installs besides otter-grader: what the exercise notebooks import.

    This package at the book's release with its ``exercises`` extra (the checker), never ``main``; and
    torch/torchvision as loosely as the package declares them, from PyTorch's CPU wheels (an autograder
    has no GPU; pip prefers that index's ``+cpu`` builds to PyPI's CUDA ones).
    """
    return [f"--extra-index-url {TORCH_CPU_INDEX}", *AUTOGRADER_TORCH, pip_spec("exercises")]


def _for_autograder(master: Path, folder: Path) -> Path:
    """A copy of ``master`` in ``folder`` whose config names the autograder's requirements and Python and
    whose questions are graded all or nothing (what a master sets itself is kept)."""
    import nbformat

    nb = nbformat.read(master, as_version=4)
    config = yaml.safe_load(_source(nb.cells[0]).split("\n", 1)[1]) or {}
    config.setdefault("requirements", autograder_requirements())
    config.setdefault("python_version", AUTOGRADER_PYTHON)
    nb.cells[0].source = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False, width=1000)
    for cell in nb.cells[1:]:
        mark = _marker(cell)
        if mark and mark[:2] == ("BEGIN", "QUESTION"):
            cfg = yaml.safe_load(mark[2]) or {}
            cfg.setdefault("all_or_nothing", True)
            cell.source = "# BEGIN QUESTION\n" + yaml.safe_dump(cfg, sort_keys=False)
    copy = folder / master.name
    nbformat.write(nb, copy)
    return copy


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

    from .grading import MASTER_IN_ZIP

    parsed = []
    paths = masters_in(masters)
    hidden = secrets(paths)
    for path in paths:
        master = read_master(path)
        with tempfile.TemporaryDirectory() as tmp:
            result = Path(tmp) / "dist"
            (Path(tmp) / "master").mkdir()
            _run_otter_assign(_for_autograder(path, Path(tmp) / "master"), result)
            student = nbformat.read(result / "student" / path.name, as_version=4)
            stubs = _stubs(student)
            for q in master.questions:
                q.stub = stubs.get(q.name, "")
            _clean_notebook(student)
            visible = sorted((result / "student" / "tests").glob("*.py"))
            page = render_page(master, f"{layout.student_url}/{path.name}")
            leaked = leaks("\n".join([notebook_text(student), page, *(t.read_text() for t in visible)]), hidden)
            if leaked:   # otter's stripping or the page let an answer through: write nothing a student could see
                raise VaesslError(f"{path}: the student edition would show " + "; ".join(
                    f"{s.question}'s {s.what} line {s.line!r}" for s in leaked[:5]))
            layout.student.mkdir(parents=True, exist_ok=True)
            nbformat.write(student, layout.student / path.name)

            tests = layout.tests / master.name
            shutil.rmtree(tests, ignore_errors=True)
            tests.mkdir(parents=True)
            for test in visible:
                shutil.copy(test, tests / test.name)

            for sub in ("autograder", "solutions"):
                (layout.build / sub).mkdir(parents=True, exist_ok=True)
            (zipped,) = (result / "autograder").glob("*.zip")
            autograder = layout.build / "autograder" / f"{master.name}.zip"
            shutil.copy(zipped, autograder)
            with zipfile.ZipFile(autograder, "a") as zf:   # the rubric of `grade --autograders` (grading.py)
                zf.write(path, MASTER_IN_ZIP)
            solution = nbformat.read(result / "autograder" / path.name, as_version=4)
            _clean_notebook(solution)
            nbformat.write(solution, layout.build / "solutions" / path.name)

        layout.pages.mkdir(parents=True, exist_ok=True)
        (layout.pages / f"{master.name}.md").write_text(page)
        log(f"{master.name}: {len(master.questions)} questions, "
            f"{sum(q.points for q in master.questions):g} points -> {layout.student / path.name}")
        parsed.append(master)
    return parsed


def wrong_answer_notebook(solution_nb, master: Master):
    """The solution edition with every answer replaced by the master's deliberately wrong one, and
    nothing else changed: graded, each question must score 0 (tests/test_exercises.py). A visible check
    of a predict or numeric question looks at the answer's format only, so a wrong answer of the right
    format passes it; the grade, with the hidden tests, does not.
    """
    import copy

    nb = copy.deepcopy(solution_nb)
    wrong = {q.name: q.wrong for q in master.questions}
    pending = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter_assign_solution_cell" in cell.metadata.get("tags", []):
            pending.append(cell)
            continue
        check = _CHECK.match(_source(cell).strip()) if cell.cell_type == "code" else None
        if check:
            for answer in pending:
                answer.source = wrong[check.group(1)]
            pending = []
    return nb
