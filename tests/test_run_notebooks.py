"""`dev.py notebooks [--full]`: the one switch set on a copy, the run recorded with its headline numbers."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_every_notebook_has_the_one_switch_the_command_sets(path):
    nb = tool.prepare(path, full=True)
    settings = [c.source for c in nb.cells if "set by dev.py notebooks" in c.source]
    assert len(settings) == 1 and "FULL = True  # set by dev.py notebooks" in settings[0]
    assert tool.MARK in nb.cells[-1].source
    assert nbformat.read(path, as_version=4).cells[-1].source != nb.cells[-1].source    # the original is untouched


def small_notebook(tmp_path: Path, switches: int = 1) -> Path:
    cells = [nbformat.v4.new_markdown_cell("# a notebook")]
    for _ in range(switches):
        cells.append(nbformat.v4.new_code_cell(
            "import torch\nFULL = torch.cuda.is_available()\nSETTINGS = dict(epochs=30 if FULL else 1, note='x')"))
    cells.append(nbformat.v4.new_code_cell(
        "from vaessl_lib.train import History\nhistory = History([{'epoch': 1, 'loss': 0.5}, {'epoch': 2, 'loss': 0.25}])\n"
        "runs = {'a': History([{'epoch': 1, 'val_accuracy': 0.75}])}"))
    path = tmp_path / "small.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_run_records_the_setting_the_device_and_what_the_notebook_reached(tmp_path):
    row = tool.run_one(small_notebook(tmp_path), full=True, out_dir=tmp_path / "out")
    assert row["setting"] == "full" and row["full"] is True and row["settings"] == {"epochs": 30, "note": "x"}
    assert row["headlines"] == {"history": {"epoch": 2, "loss": 0.25}, "runs['a']": {"epoch": 1, "val_accuracy": 0.75}}
    assert row["wall_s"] > 0 and row["device"] and row["threads"] >= 1
    executed = nbformat.read(tmp_path / "out" / "small.ipynb", as_version=4)
    assert json.loads(executed.cells[-1].outputs[0]["text"].strip()[len(tool.MARK):])["full"] is True
    fast = tool.run_one(small_notebook(tmp_path), full=False, out_dir=tmp_path / "out")
    assert fast["settings"]["epochs"] == 1 and fast["setting"] == "fast"


def test_a_notebook_without_exactly_one_switch_is_refused(tmp_path):
    for n in (0, 2):
        with pytest.raises(SystemExit, match="expected one settings cell"):
            tool.prepare(small_notebook(tmp_path, switches=n), full=True)


def test_an_unknown_notebook_name_gets_one_line(capsys):
    assert tool.main(["no_such_notebook"]) == 2
    assert "no notebook named no_such_notebook; choose from" in capsys.readouterr().err
