"""Notebook helpers for maintainers: strip outputs before committing.

    python tools/nbtools.py strip notebooks/*.ipynb
"""

from __future__ import annotations

import sys

import nbformat


def strip(path: str) -> bool:
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            if cell.outputs or cell.execution_count is not None:
                changed = True
            cell.outputs, cell.execution_count = [], None
        if cell.get("metadata", {}).get("execution"):
            cell.metadata.pop("execution")
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "strip":
        print(__doc__)
        sys.exit(2)
    for p in sys.argv[2:]:
        print(("stripped " if strip(p) else "clean    ") + p)
