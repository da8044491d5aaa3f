"""Static checks on every notebook: outputs stripped, Colab install cell, library imported, nothing redefined."""

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks_and_all_are_in_the_toc():
    assert NOTEBOOKS
    toc_text = (ROOT / "_toc.yml").read_text()
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc_text, nb.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped_except_the_reference_outputs_nbval_checks(path):
    """No outputs or execution counts in git, except the short text output of cells marked
    ``# NBVAL_CHECK_OUTPUT`` (stable facts: split sizes, label counts, shapes) that nbval compares."""
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(ROOT)
    code = [c for c in nb.cells if c.cell_type == "code"]
    marked = [c for c in code if "# NBVAL_CHECK_OUTPUT" in (line.strip() for line in c.source.splitlines())]
    for cell in code:
        if cell in marked:
            assert cell.execution_count == 1, f"{path.name}: run `python tools/nbtools.py record {rel}`"
            assert cell.outputs, f"{path.name}: a marked cell has no reference output: " \
                                 f"run `python tools/nbtools.py record {rel}`"
            assert all(o.output_type in ("stream", "execute_result") for o in cell.outputs)
            assert all(set(o.get("data", {})) <= {"text/plain"} for o in cell.outputs), "text outputs only"
        else:
            assert not cell.outputs and cell.execution_count is None, \
                f"{path.name} has outputs: run `python tools/nbtools.py strip {rel}`"
    assert marked, f"{path.name} has no # NBVAL_CHECK_OUTPUT cell printing its stable facts"
    assert any(re.search(r"^assert ", c.source, re.M) for c in code), \
        f"{path.name} checks none of its stable facts (split sizes, shapes) with an assert"


def test_strip_keeps_only_the_marked_cells_text_output():
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    from nbtools import strip_nb

    nb = nbformat.v4.new_notebook()
    marked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)")
    plain = nbformat.v4.new_code_cell("print(2)")
    for cell, text in ((marked, "1\n"), (plain, "2\n")):
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text),
                        nbformat.v4.new_output("display_data", data={"image/png": "AAAA"})]
        cell.execution_count = 3
    nb.cells = [marked, plain]
    assert strip_nb(nb)
    assert [o.text for o in marked.outputs] == ["1\n"] and marked.execution_count == 1
    assert plain.outputs == [] and not strip_nb(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_structure_colab_cell_and_settings(path):
    nb = nbformat.read(path, as_version=4)
    first_md, *_ = [c for c in nb.cells if c.cell_type == "markdown"]
    assert first_md.source.startswith("# ") and "Objectives" in first_md.source
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].removeprefix("https://github.com/")
    assert f"colab.research.google.com/github/{repo}/blob/main/notebooks/{path.name}" in first_md.source
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "google.colab" in code[0] and re.search(r'pip install .*"vaessl_lib @ git\+https://\S+@\w+"', code[0])
    assert sum("FULL =" in c for c in code) == 1, "exactly one settings cell choosing fast/full"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_import_the_library_and_define_no_models_or_loops(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "from vaessl_lib" in code or "import vaessl_lib" in code
    assert not re.search(r"^\s*class\s+\w+\s*\(.*(Module|Dataset)", code, re.M), "models belong in vaessl_lib"
    assert ".backward()" not in code and "optimizer.step" not in code, "the training loop belongs in vaessl_lib"
