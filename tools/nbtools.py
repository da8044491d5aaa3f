"""Notebook helper for maintainers: strip outputs before committing.

    python tools/nbtools.py strip notebooks/*.ipynb

Notebooks are committed without outputs or execution counts; the book build and
nbval execute them. Stable facts a notebook states (split sizes, label counts,
shapes) are checked by ``assert`` statements in its cells, which fail the run.
"""

from __future__ import annotations

import sys

import nbformat


def strip_nb(nb) -> bool:
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.outputs or cell.execution_count is not None:
            changed = True
        cell.outputs, cell.execution_count = [], None
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


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "strip":
        print(__doc__)
        sys.exit(2)
    for p in sys.argv[2:]:
        print(("stripped " if strip(p) else "clean    ") + p)
