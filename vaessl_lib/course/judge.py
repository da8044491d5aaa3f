"""The grader's side of grading one notebook: the tests run here, never in the submission's kernel.

For each assignment the judge reads its master notebook (:func:`rubric_from_master`) and runs the master's
own cells (setup, experiments and solutions; never a submission's) in its own IPython shell: this is the
*reference namespace*, where a test finds everything that is not an answer (the experiment's printed
numbers, the shipped models, the data).  For each submission it starts a walled-in kernel
(:mod:`vaessl_lib.course.submission_kernel`, :mod:`vaessl_lib.course.sandbox`) that runs the student's cells, then runs
every test of every question (visible and hidden) here, in the judge's process:

* a test's parameter that names an answer (a name the master's solution cells define) is the
  student's: a value is sent over as plain data (:mod:`vaessl_lib.course.wire`); a function becomes a
  :class:`RemoteFunction` that calls the student's function in the kernel on the test's arguments;
* every other parameter comes from the reference namespace, so an answer is compared with the grader's
  numbers, not with whatever the notebook printed or redefined.

A question scores its points when all of its tests pass and 0 otherwise (a format check alone earns
nothing; an implementation earns its points only when it is right).  Nothing the kernel does can change
a test, read it, or report its result: it only ever sees the arguments of the calls made to its answers.

Run as a server by :mod:`vaessl_lib.course.grading` (one per parallel job)::

    python -m vaessl_lib.course.judge          # JSON lines on stdin/stdout: {"master": ...}, then {"path": ...}
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import wire
from .sandbox import FIRST_UID, MARK, kill_leftovers

MAX_NOTEBOOK = 64 * 2**20   # a submitted file over 64 MiB is refused unread


class KernelTimeout(Exception):
    """The submission's kernel did not answer before the notebook's time ran out."""


class KernelDied(Exception):
    """The submission's kernel exited or sent something unreadable."""


class AnswerRaised(Exception):
    """The student's function raised: the test that called it fails with this message."""


@dataclass
class RubricQuestion:
    name: str
    points: float
    kind: str
    tests: list[tuple[str, bool]]        # (code of one test function, hidden?)


@dataclass
class Rubric:
    """What grading an assignment needs: its questions and tests, its answers' names, its reference cells."""

    name: str
    questions: list[RubricQuestion]
    answers: set[str]                    # every name a solution cell defines: these come from the student
    cells: list[str]                     # the master's code cells, tests left out, in order

    @property
    def possible(self) -> dict[str, float]:
        return {q.name: q.points for q in self.questions}


def _defined_names(code: str) -> set[str]:
    """Top-level names a cell binds (functions, classes, assignments, imports)."""
    names: set[str] = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def rubric_from_master(path: str | Path) -> Rubric:
    """The rubric of a master notebook (checked by :func:`vaessl_lib.course.assign.read_master`)."""
    import nbformat

    from .assign import read_master

    master = read_master(path)
    nb = nbformat.read(Path(path), as_version=4)
    tests = {code for q in master.questions for code, _ in q.tests}
    cells = [c.source for c in nb.cells[1:] if c.cell_type == "code" and c.source not in tests]
    answers = set().union(*(_defined_names(q.solution) for q in master.questions))
    questions = [RubricQuestion(q.name, q.points, q.kind, list(q.tests)) for q in master.questions]
    return Rubric(master.name, questions, answers, cells)


def notebook_cells(path: str | Path) -> list[tuple[int, str]]:
    """The code cells of a submitted notebook, numbered as Jupyter shows them (1 = the first cell)."""
    path = Path(path)
    if path.stat().st_size > MAX_NOTEBOOK:
        raise ValueError(f"the file is over {MAX_NOTEBOOK // 2**20} MiB")
    try:
        nb = json.loads(path.read_bytes())
        cells = nb["cells"]
        out = []
        for number, cell in enumerate(cells, start=1):
            if cell.get("cell_type") == "code":
                source = cell.get("source", "")
                out.append((number, "".join(source) if isinstance(source, list) else str(source)))
        return out
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError("not a Jupyter notebook (its JSON has no list of cells)") from None


# ------------------------------------------------------------------------------------ the kernel process
class KernelProcess:
    """A submission's walled-in kernel (``python -m vaessl_lib.course.submission_kernel``) and its two pipes."""

    def __init__(self, cells: list[tuple[int, str]], uid: int | None, data_roots: list[str]):
        self.workdir = Path(tempfile.mkdtemp(prefix="vaessl-submission-"))
        self.uid = uid if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        read_fd, self.write_fd = os.pipe()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.workdir),
               "TMPDIR": str(self.workdir), "MPLCONFIGDIR": str(self.workdir), "MPLBACKEND": "Agg",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        self.token = secrets.token_hex(16)
        env[MARK] = self.token
        for key in ("VAESSL_DATA", "PYTHONPATH", "LANG", "LC_ALL"):
            if key in os.environ:
                env[key] = os.environ[key]
        debug = os.environ.get("VAESSL_GRADE_DEBUG")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vaessl_lib.course.submission_kernel", str(self.write_fd)],
            stdin=subprocess.PIPE, stdout=None if debug else subprocess.DEVNULL,
            stderr=None if debug else subprocess.DEVNULL, cwd=self.workdir, env=env,
            pass_fds=(self.write_fd,), start_new_session=True)
        os.close(self.write_fd)
        self.read_fd = read_fd
        self.deadline = float("inf")
        wire.send(self.proc.stdin.fileno(), {"cells": cells, "uid": self.uid, "data_roots": data_roots})

    def receive(self) -> dict:
        try:
            reply = wire.receive(self.read_fd, self.deadline)
        except TimeoutError:
            raise KernelTimeout from None
        except (wire.WireError, OSError) as exc:
            raise KernelDied(str(exc)) from None
        if not isinstance(reply, dict):
            raise KernelDied("the kernel sent something other than a reply")
        return reply

    def request(self, message: dict) -> dict:
        try:
            wire.send(self.proc.stdin.fileno(), message)
        except OSError:
            raise KernelDied("the kernel exited") from None
        return self.receive()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        kill_leftovers(self.uid, self.token)   # whatever it started, in whatever process group
        os.close(self.read_fd)
        shutil.rmtree(self.workdir, ignore_errors=True)


# --------------------------------------------------------------------------------- answers as test values
def _leaves(value: Any) -> list:
    """Tensors and generators in a (nested) value, in a fixed order."""
    return wire.leaves(value, (torch.Tensor, torch.Generator))


def _replace(value: Any, new: dict[int, torch.Tensor]) -> Any:
    """``value`` with the tensors whose id is in ``new`` swapped for their replacements."""
    if isinstance(value, torch.Tensor):
        return new.get(id(value), value)
    if isinstance(value, list):
        return [_replace(v, new) for v in value]
    if isinstance(value, tuple):
        return tuple(_replace(v, new) for v in value)
    if isinstance(value, dict):
        return {k: _replace(v, new) for k, v in value.items()}
    return value


class _Attach(torch.autograd.Function):
    """Joins a remote call's outputs to its inputs in the judge's graph: backward asks the kernel."""

    @staticmethod
    def forward(ctx, kernel, graph, n_in, *tensors):
        ctx.kernel, ctx.graph, ctx.n_in, ctx.n_out = kernel, graph, n_in, len(tensors) - n_in
        return tuple(t.clone() for t in tensors[n_in:])

    @staticmethod
    def backward(ctx, *grads_out):
        reply = ctx.kernel.request({"op": "backward", "graph": ctx.graph,
                                    "grads": [None if g is None else g.detach().clone() for g in grads_out]})
        if not reply.get("ok"):
            raise AnswerRaised(f"the gradient through the answer failed: {reply.get('error')}")
        grads = list(reply["grads"])[: ctx.n_in]
        grads += [None] * (ctx.n_in - len(grads))
        return (None, None, None, *grads, *([None] * ctx.n_out))


class RemoteFunction:
    """A student's function, called in the kernel on the test's arguments; behaves like a local call:
    results come back, inputs changed in place are changed here too, generators and torch's global
    generator advance as they did there, and gradients flow back through the call."""

    def __init__(self, kernel: KernelProcess, name: str):
        self.kernel, self.__name__ = kernel, name

    def __repr__(self) -> str:
        return f"<the notebook's {self.__name__}>"

    def __call__(self, *args, **kwargs):
        grad = torch.is_grad_enabled()
        inputs = [t for t in _leaves((args, kwargs)) if isinstance(t, torch.Tensor) and t.requires_grad] \
            if grad else []
        reply = self.kernel.request({"op": "call", "name": self.__name__, "args": wire.encode(args),
                                     "kwargs": wire.encode(kwargs), "grad": grad, "rng": torch.get_rng_state()})
        if isinstance(reply.get("rng"), torch.Tensor):
            with contextlib.suppress(RuntimeError):
                torch.set_rng_state(reply["rng"])
        if not reply.get("ok"):
            raise AnswerRaised(f"{self.__name__} raised {reply.get('error')}")
        after = _leaves(wire.decode(reply["args"]))
        for mine, theirs in zip(_leaves((args, kwargs)), after):   # what the call changed in place
            if isinstance(mine, torch.Generator) and isinstance(theirs, torch.Generator):
                mine.set_state(theirs.get_state())
            elif isinstance(mine, torch.Tensor) and isinstance(theirs, torch.Tensor) \
                    and mine.shape == theirs.shape and mine.dtype == theirs.dtype and not torch.equal(mine, theirs):
                with torch.no_grad():
                    mine.copy_(theirs)
        value = wire.decode(reply["value"])
        outputs = [t for t in _leaves(value) if isinstance(t, torch.Tensor) and t.requires_grad]
        if "graph" not in reply or not inputs or not outputs:
            return _replace(value, {id(t): t.detach() for t in outputs})
        plain = [t.detach() for t in outputs]
        joined = _Attach.apply(self.kernel, reply["graph"], len(inputs), *inputs, *plain)
        return _replace(value, {id(t): j for t, j in zip(outputs, joined)})


class Missing(wire.Refusal):
    """An answer the notebook never defined."""

    def __init__(self, name: str):
        self.__dict__["name"] = name

    def reason(self) -> str:
        return f"{self.name} is not defined in the notebook: run the cell that defines it, and keep its name"


# -------------------------------------------------------------------------------------------- the judge
@dataclass
class Verdict:
    scores: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)   # question -> the first failing test's message
    cell_errors: list[tuple[int, str]] = field(default_factory=list)
    error: str = ""
    walls: str = ""

    def as_json(self) -> dict:
        return {"scores": self.scores, "feedback": self.feedback, "cell_errors": self.cell_errors,
                "error": self.error, "walls": self.walls}


def _failure(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if isinstance(exc, AssertionError):
        return (first or "a check failed")[:300]
    return f"{type(exc).__name__}: {first}"[:300]


class Judge:
    """Grades submissions of one assignment (its reference namespace is built once)."""

    def __init__(self, master: str | Path, data_roots: list[str] | None = None):
        from ..data import default_root

        self.rubric = rubric_from_master(master)
        self.data_roots = [str(default_root())] if data_roots is None else data_roots
        self.reference = self._run_reference()

    def _run_reference(self) -> dict:
        from .submission_kernel import new_shell

        shell = new_shell()
        for number, source in enumerate(self.rubric.cells, start=1):
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                result = shell.run_cell(source, store_history=False)
            failure = result.error_before_exec or result.error_in_exec
            if failure is not None:
                raise RuntimeError(f"the master {self.rubric.name} fails at its code cell {number}: "
                                   f"{_failure(failure)}")
        return shell.user_ns

    def grade(self, path: str | Path, timeout: float = 300.0, slot: int = 0) -> Verdict:
        verdict = Verdict(scores={q.name: 0.0 for q in self.rubric.questions})
        try:
            cells = notebook_cells(path)
        except (OSError, ValueError) as exc:
            verdict.error = f"unreadable notebook: {exc}"
            return verdict
        kernel = KernelProcess(cells, FIRST_UID + slot, self.data_roots)
        kernel.deadline = time.monotonic() + timeout
        stage = "running its cells"
        try:
            walls = kernel.receive()
            verdict.walls = (f"Landlock ABI {walls.get('landlock')}" if walls.get("landlock") else "no Landlock") + \
                (f", uid {walls['uid']}" if walls.get("uid") is not None else "")
            verdict.cell_errors = [(int(n), str(m)) for n, m in kernel.receive().get("errors", [])]
            names = sorted(self.rubric.answers)
            values = kernel.request({"op": "get", "names": names}).get("values", {})
            answers = {name: self._answer(kernel, name, values.get(name)) for name in names}
            for q in self.rubric.questions:
                stage = f"testing {q.name}"
                verdict.scores[q.name] = self._score(q, answers, verdict)
        except KernelTimeout:
            verdict.error = f"timeout: stopped after {timeout:g} s while {stage}"
        except KernelDied as exc:
            verdict.error = f"the notebook's kernel died while {stage} ({exc})"
        finally:
            kernel.close()
        if verdict.cell_errors and not verdict.error:
            n, message = verdict.cell_errors[0]
            more = f" (and {len(verdict.cell_errors) - 1} more)" if len(verdict.cell_errors) > 1 else ""
            verdict.error = f"cell {n} raised {message}{more}"
        return verdict

    @staticmethod
    def _answer(kernel: KernelProcess, name: str, value: Any) -> Any:
        if isinstance(value, dict) and value.get(wire.TAG) == "missing":
            return Missing(name)
        if isinstance(value, dict) and value.get(wire.TAG) == "callable":
            return RemoteFunction(kernel, name)
        return wire.decode(value)

    def _score(self, q: RubricQuestion, answers: dict, verdict: Verdict) -> float:
        """``q.points`` when every test of ``q`` passes, else 0 (and the first failure as feedback)."""
        for code, _hidden in q.tests:
            message = self._run_test(code, answers)
            if message is not None:
                verdict.feedback[q.name] = message
                return 0.0
        return float(q.points)

    def _run_test(self, code: str, answers: dict) -> str | None:
        """None when the test passes, else why it failed."""
        namespace: dict = {"__name__": "vaessl_test"}
        exec(compile(code, "<test>", "exec"), namespace)
        fn = next(v for k, v in namespace.items() if k.startswith("test") and callable(v))
        kwargs = {}
        for name in inspect.signature(fn).parameters:
            if name in answers:
                kwargs[name] = answers[name]
            elif name in self.reference:
                kwargs[name] = self.reference[name]
            else:
                raise RuntimeError(f"{self.rubric.name}: a test needs {name!r}, which the master never defines")
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                fn(**kwargs)
        except (KernelTimeout, KernelDied):
            raise
        except Exception as exc:   # the test failed: an assertion, or the answer raised or was unreadable
            return _failure(exc)
        return None


def serve() -> int:
    """JSON lines on stdin -> stdout: ``{"master": path}`` once, then ``{"path", "timeout", "slot"}`` each."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)   # the notebooks' prints never reach the protocol
    torch.set_num_threads(1)
    judge: Judge | None = None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if "master" in request:
                judge = Judge(request["master"])
                out.write(json.dumps({"ok": True, "possible": judge.rubric.possible}) + "\n")
                continue
            assert judge is not None, "no master given"
            verdict = judge.grade(request["path"], float(request["timeout"]), int(request.get("slot", 0)))
            out.write(json.dumps({"ok": True, **verdict.as_json()}) + "\n")
        except Exception as exc:   # the master itself is broken: every submission of it gets this error
            out.write(json.dumps({"ok": False, "error": _failure(exc)}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(serve())
