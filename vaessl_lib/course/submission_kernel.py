"""A submitted notebook's kernel, inside its walls: run the cells, then answer the grader's questions.

Started by the grader (:mod:`vaessl_lib.course.judge`), one process per submission::

    python -m vaessl_lib.course.submission_kernel RESULT_FD

It reads the notebook's code cells from stdin, walls itself in (:func:`vaessl_lib.course.sandbox.confine`),
runs the cells in order in an IPython shell (magics such as ``%pip`` work; a cell that raises is
recorded and the next one runs, as "Run all" with errors allowed would), and reports which cells raised.
Then it serves requests until stdin closes:

* ``get``: the values the tests ask for by name (a function becomes a handle that the grader calls);
* ``call``: call one of the notebook's functions on arguments the grader sends, and send back the result,
  the arguments as the call left them (so that a test sees an input changed in place), and the state of
  any ``torch.Generator`` and of torch's global generator;
* ``backward``: gradients through a call's graph, so that a test's ``.backward()`` reaches the answer.

Nothing here decides a grade: the tests and their expected values stay in the grader's process, which
sees only the values sent back (:mod:`vaessl_lib.course.wire`: plain data, never pickled code).
"""

from __future__ import annotations

import os
import sys


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def new_shell():
    """An IPython shell to run notebook cells in (magics work), keeping no history on disk."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


class Kernel:
    def __init__(self, result_fd: int):
        self.result_fd = result_fd
        self.namespace: dict = {}
        self.graphs: dict[int, tuple[list, list]] = {}
        self.next_id = 0

    # --------------------------------------------------------------------------------------- the cells
    def run_cells(self, cells: list[str]) -> list[tuple[int, str]]:
        shell = new_shell()
        shell.user_ns["__name__"] = "__main__"
        self.namespace = shell.user_ns
        errors = []
        for number, source in cells:
            try:
                result = shell.run_cell(source, store_history=False, silent=False)
            except BaseException as exc:   # SystemExit and the like escape run_cell: the next cell still runs
                errors.append((number, _one_line(exc)))
                continue
            failure = result.error_before_exec or result.error_in_exec
            if failure is not None:
                errors.append((number, _one_line(failure)))
        return errors

    # ------------------------------------------------------------------------------------- the requests
    def handle(self, request: dict) -> dict:
        from . import wire

        op = request.get("op")
        if op == "get":
            out = {}
            for name in request["names"]:
                if name not in self.namespace:
                    out[name] = {wire.TAG: "missing"}
                elif callable(self.namespace[name]) and not isinstance(self.namespace[name], type):
                    out[name] = {wire.TAG: "callable"}
                else:
                    out[name] = wire.encode(self.namespace[name])
            return {"ok": True, "values": out}
        if op == "call":
            return self.call(request)
        if op == "backward":
            return self.backward(request)
        if op == "release":
            self.graphs.clear()
            return {"ok": True}
        return {"ok": False, "error": f"unknown request {op!r}"}

    def call(self, request: dict) -> dict:
        import torch

        from . import wire

        fn = self.namespace.get(request["name"])
        if not callable(fn):
            return {"ok": False, "error": f"{request['name']} is not a function in the notebook"}
        args, kwargs = wire.decode(request["args"]), wire.decode(request["kwargs"])
        torch.set_rng_state(request["rng"])
        inputs = [t for t in wire.leaves((args, kwargs)) if t.requires_grad]
        try:
            with torch.set_grad_enabled(bool(request["grad"])):
                value = fn(*args, **kwargs)
        except BaseException as exc:   # the answer raised: that is the answer's result, reported as such
            return {"ok": False, "error": _one_line(exc), "rng": torch.get_rng_state()}
        reply = {"ok": True, "value": wire.encode(value), "args": wire.encode((args, kwargs)),
                 "rng": torch.get_rng_state()}
        outputs = [t for t in wire.leaves(value) if t.requires_grad] if inputs else []
        if outputs:
            self.next_id += 1
            self.graphs[self.next_id] = (inputs, outputs)
            reply["graph"] = self.next_id
        return reply

    def backward(self, request: dict) -> dict:
        import torch

        inputs, outputs = self.graphs.pop(request["graph"], (None, None))
        if inputs is None:
            return {"ok": False, "error": "gradients asked twice of one call"}
        grads_out = request["grads"]
        pairs = [(o, g) for o, g in zip(outputs, grads_out) if g is not None]
        try:
            grads = torch.autograd.grad([o for o, _ in pairs], inputs, [g for _, g in pairs], allow_unused=True)
        except BaseException as exc:
            return {"ok": False, "error": _one_line(exc)}
        return {"ok": True, "grads": [None if g is None else g.detach().clone() for g in grads]}


def main(argv: list[str]) -> int:
    result_fd = int(argv[0])
    from . import wire
    from .sandbox import confine

    setup = wire.receive(0)
    walls = confine(os.getcwd(), setup.get("uid"), setup.get("data_roots", []))
    wire.send(result_fd, {"op": "walls", "landlock": walls.landlock_abi, "uid": walls.uid, "notes": walls.notes})
    kernel = Kernel(result_fd)
    errors = kernel.run_cells(setup["cells"])
    wire.send(result_fd, {"op": "ran", "errors": errors})
    while True:
        try:
            request = wire.receive(0)
        except (wire.WireError, OSError):
            return 0
        try:
            reply = kernel.handle(request)
        except BaseException as exc:   # a value that cannot be sent, a bad request: say so, keep serving
            reply = {"ok": False, "error": _one_line(exc)}
        try:
            wire.send(result_fd, reply)
        except Exception as exc:   # e.g. a result that torch.save cannot write
            wire.send(result_fd, {"ok": False, "error": f"the result could not be sent: {_one_line(exc)}"})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
