"""Static checks on every notebook: outputs stripped, Colab install cell, library imported, nothing redefined."""

import re
from pathlib import Path

import nbformat
import pytest

from vaessl_lib.release import colab_url, pip_spec

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_and_all_are_in_the_toc():
    assert NOTEBOOKS
    toc_text = (ROOT / "_toc.yml").read_text()
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc_text, nb.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped_and_marked_cells_have_reference_outputs(path):
    """No outputs or execution counts in git. Cells tagged ``nbval-check-output`` (stable facts: split
    sizes, label counts, shapes) have their expected text output in tests/nbval_reference.json, which
    nbval compares with a fresh run."""
    import json

    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, \
            f"{path.name} has outputs: run `python tools/nbtools.py strip {rel}`"
    marked = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
    assert marked, f"{path.name} has no cell tagged nbval-check-output printing its stable facts"
    assert not any("NBVAL" in c.source for c in code), f"{path.name}: nbval's markers are tags, not comments in the page"
    refs = json.loads((ROOT / "tests" / "nbval_reference.json").read_text()).get(path.name, [])
    assert len(refs) == len(marked) and all(refs), f"run `python tools/nbtools.py record {rel}`"
    for outputs in refs:
        assert all(o["output_type"] in ("stream", "execute_result") for o in outputs)
        assert all(set(o.get("data", {})) <= {"text/plain"} for o in outputs), "text outputs only"
    assert any(re.search(r"^assert ", c.source, re.M) for c in code), \
        f"{path.name} checks none of its stable facts (split sizes, shapes) with an assert"
    # the checks are test plumbing: they run (nbval, the book build) in cells the pages do not show
    shown = [c for c in code if "remove-cell" not in c.metadata.get("tags", [])]
    plumbing = [c.source.splitlines()[0] for c in shown if re.search(r"^\s*assert\b", c.source, re.M)]
    assert not plumbing, f"{path.name}: move the asserts of these cells into a cell tagged remove-cell: {plumbing}"


def test_nbval_copies_carry_the_reference_outputs_of_the_marked_cells_only():
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    from nbtools import strip_nb, with_references

    nb = nbformat.v4.new_notebook()
    marked = nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["nbval-check-output"]})
    plain = nbformat.v4.new_code_cell("print(2)")
    nb.cells = [marked, plain]
    copy = with_references(nb, [[{"output_type": "stream", "name": "stdout", "text": "1\n"}]], "x.ipynb")
    assert [o.text for o in copy.cells[0].outputs] == ["1\n"] and copy.cells[0].execution_count == 1
    assert copy.cells[1].outputs == [] and marked.outputs == []          # the original is untouched
    with pytest.raises(SystemExit, match="run `python tools/nbtools.py record"):
        with_references(nb, [], "x.ipynb")
    assert strip_nb(copy) and copy.cells[0].outputs == [] and not strip_nb(copy)


def test_references_follow_the_dataset_this_machine_gets(tmp_path, monkeypatch, capsys):
    """Recorded on full MNIST, a marked cell's output is not what the mnist-5k fallback prints: offline,
    the copies leave those cells unchecked (saying so) rather than fail on the wrong reference."""
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    import nbtools

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(1)", metadata={"tags": ["nbval-check-output"]})]
    (tmp_path / "src").mkdir()
    nbformat.write(nb, tmp_path / "src" / "x.ipynb")
    ref = [[{"output_type": "stream", "name": "stdout", "text": "1\n"}]]
    monkeypatch.setattr(nbtools, "load_references", lambda path=None: {"x.ipynb": ref})
    [full] = nbtools.write_with_references(str(tmp_path / "src"), str(tmp_path / "a"), dataset="mnist")
    assert nbformat.read(full, as_version=4).cells[0].outputs[0].text == "1\n"
    [offline] = nbtools.write_with_references(str(tmp_path / "src"), str(tmp_path / "b"), dataset="mnist-5k")
    cell = nbformat.read(offline, as_version=4).cells[0]
    assert "nbval-check-output" not in cell.metadata.get("tags", []) and not cell.outputs
    assert "run unchecked" in capsys.readouterr().out
    monkeypatch.setattr(nbtools, "load_references", lambda path=None: {"x.ipynb@mnist-5k": ref})
    [offline] = nbtools.write_with_references(str(tmp_path / "src"), str(tmp_path / "c"), dataset="mnist-5k")
    assert nbformat.read(offline, as_version=4).cells[0].outputs[0].text == "1\n"
    assert nbtools.reference_key("x.ipynb", "mnist") == "x.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_structure_colab_cell_and_settings(path):
    nb = nbformat.read(path, as_version=4)
    first_md, *_ = [c for c in nb.cells if c.cell_type == "markdown"]
    assert first_md.source.startswith("# ") and "Objectives" in first_md.source
    assert colab_url(f"notebooks/{path.name}") in first_md.source       # this release's copy of itself
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "google.colab" in code[0] and f'pip install --quiet "{pip_spec()}"' in code[0]   # pinned, not @main
    assert sum("FULL =" in c for c in code) == 1, "exactly one settings cell choosing fast/full"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_import_the_library_and_define_no_models_or_loops(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from vaessl_lib" in code or "import vaessl_lib" in code
    assert not re.search(r"^\s*class\s+\w+\s*\(.*(Module|Dataset)", code, re.M), "models belong in vaessl_lib"
    assert ".backward()" not in code and "optimizer.step" not in code, "the training loop belongs in vaessl_lib"
