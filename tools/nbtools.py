"""Notebook helpers for maintainers.

    python tools/nbtools.py strip notebooks/*.ipynb     # remove outputs before committing
    python tools/nbtools.py refresh notebooks/x.ipynb   # execute, keep only the checked outputs

Outputs are stripped in git except for cells marked ``# NBVAL_CHECK_OUTPUT``:
those hold seeded, stable text (split sizes, label counts, shapes) that
``pytest --nbval-lax`` compares on every run, so their reference output is
committed (text only; nbval compares only cells that carry an execution count,
so those cells keep the count 1 and every other cell has none).
"""

from __future__ import annotations

import sys

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and cell.source.lstrip().startswith(MARK)


def text_only(outputs: list) -> list:
    kept = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=out["text"]))
        elif out.get("output_type") == "execute_result" and "text/plain" in out.get("data", {}):
            kept.append(nbformat.v4.new_output("execute_result", data={"text/plain": out["data"]["text/plain"]},
                                               execution_count=1))
    return kept


def strip_nb(nb) -> bool:
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        new = text_only(cell.outputs) if is_checked(cell) else []
        count = 1 if new else None
        if new != cell.outputs or cell.execution_count != count:
            changed = True
        cell.outputs, cell.execution_count = new, count
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


def refresh(path: str) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
    strip_nb(nb)
    nbformat.write(nb, path)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("strip", "refresh"):
        print(__doc__)
        sys.exit(2)
    for p in sys.argv[2:]:
        if sys.argv[1] == "refresh":
            refresh(p)
            print("refreshed", p)
        else:
            print(("stripped " if strip(p) else "clean    ") + p)
