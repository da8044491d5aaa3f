"""Notebook helper for maintainers: strip outputs, and keep the reference outputs nbval checks.

    python tools/nbtools.py strip notebooks/*.ipynb     # before committing
    python tools/nbtools.py record notebooks/x.ipynb    # after changing a cell tagged nbval-check-output
    python tools/nbtools.py with-references notebooks _build/nbval   # what `dev.py test` runs nbval on

Notebooks are committed with no outputs or execution counts at all. A cell with
the tag ``nbval-check-output`` (cell metadata; Jupyter and Colab show it, the book's
pages do not) prints stable facts (split sizes,
label counts, shapes) in the fast setting; its expected text output lives in
``tests/nbval_reference.json`` (notebook name -> one output list per marked
cell, in order). ``with-references`` writes copies of the notebooks with those
outputs filled in, and ``pytest --nbval-lax`` on the copies compares each marked
cell's fresh output with its reference. Every other fact a notebook states is
checked by ``assert`` statements in cells tagged ``remove-cell``: they run in
nbval and in the book build, and the book's pages do not show them.

The notebooks load ``dataset="auto"``: full MNIST where it can be read or downloaded,
``mnist-5k`` otherwise, so a marked cell's output depends on which one this machine
gets. References recorded on full MNIST are stored under the notebook's name,
those recorded on the fallback under ``<name>@mnist-5k``; ``with-references`` uses
the ones for the dataset this machine gets, and where none were recorded for it
leaves the cells unchecked (and says so) rather than comparing the wrong outputs.

``record`` executes the notebook (in the ``python3`` kernel of the current
environment) only as far as its last marked cell, stores the text outputs of
the marked cells in the reference file, and leaves the notebook stripped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

TAG = "nbval-check-output"   # nbval's cell tag: compare this cell's output with the stored one
REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "nbval_reference.json"


def is_marked(cell) -> bool:
    """A cell whose output nbval checks: tagged ``nbval-check-output`` (a tag, not nbval's comment
    marker, so the book's pages do not show test plumbing)."""
    return cell.cell_type == "code" and TAG in cell.metadata.get("tags", [])


def text_only(outputs: list) -> list[dict]:
    """Keep stdout and text/plain results; drop images, HTML, widgets and execution counts."""
    kept = []
    for out in outputs:
        if out.output_type == "stream" and out.name == "stdout":
            kept.append({"output_type": "stream", "name": "stdout", "text": out.text})
        elif out.output_type == "execute_result" and "text/plain" in out.data:
            kept.append({"output_type": "execute_result", "data": {"text/plain": out.data["text/plain"]}})
    return kept


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


def load_references(path: Path = REFERENCE) -> dict[str, list[list[dict]]]:
    return json.loads(path.read_text()) if path.exists() else {}


def auto_dataset() -> str:
    """What ``load_dataset("auto")`` gives on this machine: ``"mnist"`` or ``"mnist-5k"``."""
    from vaessl_lib import load_dataset

    return load_dataset("auto", verbose=False).name


def reference_key(name: str, dataset: str) -> str:
    return name if dataset == "mnist" else f"{name}@{dataset}"


def record(path: str, reference: Path = REFERENCE) -> int:
    """Execute up to the last marked cell and store the marked cells' text outputs in ``reference``."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    marked = [i for i, c in enumerate(nb.cells) if is_marked(c)]
    if not marked:
        print(f"{path}: no cell has the tag {TAG}")
        return 0
    client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": "notebooks"}})
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells[: marked[-1] + 1]):
            if cell.cell_type == "code":
                client.execute_cell(cell, i)
    refs = load_references(reference)
    refs[reference_key(Path(path).name, auto_dataset())] = [text_only(nb.cells[i].outputs) for i in marked]
    reference.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")
    strip_nb(nb)
    nbformat.write(nb, path)
    return len(marked)


def with_references(nb, outputs: list[list[dict]], name: str):
    """A copy of ``nb`` whose marked cells carry their reference outputs (and a recorded run, which
    nbval needs before it compares)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    marked = [c for c in nb.cells if is_marked(c)]
    if len(marked) != len(outputs):
        raise SystemExit(f"{name}: {len(marked)} cell(s) tagged {TAG} but {len(outputs)} reference output(s) "
                         f"in {REFERENCE.name}; run `python tools/nbtools.py record notebooks/{name}`")
    for cell, outs in zip(marked, outputs):
        cell.outputs = [nbformat.from_dict({**o, "execution_count": 1} if o["output_type"] == "execute_result"
                                           else o) for o in outs]
        cell.execution_count = 1
    return nb


def unchecked(nb):
    """A copy of ``nb`` whose cells are no longer marked: nothing to compare them with."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if is_marked(cell):
            cell.metadata["tags"] = [t for t in cell.metadata["tags"] if t != TAG]
    return nb


def write_with_references(src: str, dest: str, dataset: str | None = None) -> list[Path]:
    refs = load_references()
    dataset = dataset or auto_dataset()
    out_dir = Path(dest)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.ipynb"):
        old.unlink()
    written = []
    for path in sorted(Path(src).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        key = reference_key(path.name, dataset)
        if key in refs or dataset == "mnist":
            nb = with_references(nb, refs.get(key, []), path.name)
        else:
            print(f"{path.name}: this machine's notebooks run on {dataset} (no full MNIST here), and no reference "
                  f"outputs were recorded on it: its marked cells run unchecked (their asserts still run)")
            nb = unchecked(nb)
        nbformat.write(nb, out_dir / path.name)
        written.append(out_dir / path.name)
    return written


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("strip", "record", "with-references"):
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "with-references":
        print(f"{len(write_with_references(sys.argv[2], sys.argv[3]))} notebooks with their reference outputs "
              f"in {sys.argv[3]}")
        sys.exit(0)
    for p in sys.argv[2:]:
        if sys.argv[1] == "strip":
            print(("stripped " if strip(p) else "clean    ") + p)
        else:
            print(f"recorded {record(p)} marked cell(s) of {p}")
