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
        "runs = {'a': History([{'epoch': 1, 'val_accuracy': 0.75}])}\n"
        "vae_history = [{'epoch': 1, 'loss': 120.0, 'kl': 20.0}, {'epoch': 2, 'loss': 110.0, 'kl': 22.0}]\n"
        "other = [{'a': 1}]\n"
        "rows = [{'model': 'cvae', 'class_match': 0.9, 'samples': 100}, {'model': 'm2', 'class_match': 0.8}]"))
    path = tmp_path / "small.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_run_records_the_setting_the_device_and_what_the_notebook_reached(tmp_path):
    row = tool.run_one(small_notebook(tmp_path), full=True, out_dir=tmp_path / "out")
    assert row["setting"] == "full" and row["full"] is True and row["settings"] == {"epochs": 30, "note": "x"}
    assert row["headlines"] == {"history": {"epoch": 2, "loss": 0.25}, "runs['a']": {"epoch": 1, "val_accuracy": 0.75},
                                "vae_history": {"epoch": 2, "loss": 110.0, "kl": 22.0},   # train_vae's list
                                "rows": {"cvae: class_match accuracy": 0.9, "m2: class_match accuracy": 0.8}}
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


def test_the_report_keeps_the_newest_row_per_notebook_and_device(tmp_path):
    base = dict(setting="full", cores=2, threads=2, dataset="mnist", cuda=False, commit="abc")
    rows = [dict(base, notebook="m2_quickstart", device="cpu", wall_s=600.0,
                 headlines={"m2": {"method": "m2", "val_accuracy": 0.5, "epochs": 3}}),
            dict(base, notebook="m2_quickstart", device="cpu", wall_s=1200.0,
                 headlines={"m2": {"method": "m2", "val_accuracy": 0.8825, "test_accuracy": 0.89, "epochs": 20}}),
            dict(base, notebook="diffusion", device="H200", cuda=True, wall_s=90.0,
                 headlines={"history": {"epoch": 3, "loss": 0.0252}})]
    results = tmp_path / "notebooks_full.jsonl"
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    text = tool.write_report(results, "full").read_text()
    table = [l for l in text.splitlines() if l.startswith("| ") and not l.startswith("| notebook")]
    assert len(table) == 2
    assert "| diffusion | 1.5 min | H200 (CUDA) | 2 / 2 | mnist | abc | `history`: loss 0.0252 |" in table
    m2 = next(l for l in table if l.startswith("| m2_quickstart"))
    assert "20.0 min" in m2 and "val_accuracy 88.2 %" in m2 and "test_accuracy 89.0 %" in m2 and "50.0" not in m2


def test_a_second_run_at_once_is_refused_with_one_line(tmp_path, capsys):
    import fcntl
    results = tmp_path / "notebooks_fast.jsonl"
    with open(results.with_suffix(".lock"), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert tool.main(["--results", str(results), "vae_intuition"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another `dev.py notebooks` is recording" in err[0]
