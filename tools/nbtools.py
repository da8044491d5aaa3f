"""Notebook helper for maintainers: strip outputs, and record the reference outputs nbval checks.

    python tools/nbtools.py strip notebooks/*.ipynb     # before committing
    python tools/nbtools.py record notebooks/x.ipynb    # after changing a cell marked # NBVAL_CHECK_OUTPUT

Notebooks are committed without outputs or execution counts, with one exception:
a cell whose first line is ``# NBVAL_CHECK_OUTPUT`` keeps its (short, text-only)
output and an execution count of 1, which ``pytest --nbval-lax`` compares with a
fresh run. Such cells print
stable facts (split sizes, label counts, shapes) in the fast setting; every
other fact a notebook states is checked by ``assert`` statements in its cells.

``record`` executes the notebook (in the ``python3`` kernel of the current
environment) only as far as its last marked cell, and stores the text outputs
of the marked cells.
"""

from __future__ import annotations

import sys

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"


def is_marked(cell) -> bool:
    """nbval reads the marker only as a comment line of its own: ``# NBVAL_CHECK_OUTPUT``."""
    return cell.cell_type == "code" and any(line.strip() == MARK for line in cell.source.splitlines())


def text_only(outputs: list) -> list:
    """Keep stream and text/plain results; drop images, HTML, widgets and execution counts."""
    kept = []
    for out in outputs:
        if out.output_type == "stream" and out.name == "stdout":
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=out.text))
        elif out.output_type == "execute_result" and "text/plain" in out.data:
            kept.append(nbformat.v4.new_output("execute_result", data={"text/plain": out.data["text/plain"]},
                                               execution_count=1))
    return kept


def strip_nb(nb) -> bool:
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        keep = text_only(cell.outputs) if is_marked(cell) else []
        count = 1 if keep else None     # nbval only compares outputs of cells that record a run
        if cell.outputs != keep or cell.execution_count != count:
            changed = True
        cell.outputs, cell.execution_count = keep, count
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.metadata:
                cell.metadata.pop(key)
                changed = True
    return changed


def strip(path: str) -> bool:
    nb = nbformat.read(path, as_version=4)
    changed = strip_nb(nb)
    if changed:
        nbformat.write(nb, path)
    return changed


def record(path: str) -> int:
    """Execute up to the last marked cell and store the marked cells' text outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    marked = [i for i, c in enumerate(nb.cells) if is_marked(c)]
    if not marked:
        print(f"{path}: no cell starts with {MARK}")
        return 0
    client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": "notebooks"}})
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells[: marked[-1] + 1]):
            if cell.cell_type == "code":
                client.execute_cell(cell, i)
    strip_nb(nb)
    nbformat.write(nb, path)
    return len(marked)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("strip", "record"):
        print(__doc__)
        sys.exit(2)
    for p in sys.argv[2:]:
        if sys.argv[1] == "strip":
            print(("stripped " if strip(p) else "clean    ") + p)
        else:
            print(f"recorded {record(p)} marked cell(s) of {p}")
