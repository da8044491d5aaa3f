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
def test_outputs_are_stripped(path):
    """No outputs or execution counts in git; stable facts are checked by asserts that nbval executes."""
    nb = nbformat.read(path, as_version=4)
    fix = f"run `python tools/nbtools.py strip {path.relative_to(ROOT)}`"
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs: {fix}"
    assert any(re.search(r"^assert ", c.source, re.M) for c in code), \
        f"{path.name} checks none of its stable facts (split sizes, shapes) with an assert"


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
