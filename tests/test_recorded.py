"""Recorded results are read from the checkout, and a bad name is a clear error."""

import pytest

from vaessl_lib import VaesslError
from vaessl_lib import recorded


def test_reads_a_recorded_file_from_the_checkout(tmp_path, monkeypatch):
    (tmp_path / "table.md").write_text("| a |\n")
    monkeypatch.setattr(recorded, "results_dir", lambda: tmp_path)
    assert recorded.recorded_text("table.md") == "| a |\n"


def test_missing_file_without_network_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(recorded, "results_dir", lambda: tmp_path)
    monkeypatch.setattr(recorded, "RAW_URL", "http://127.0.0.1:9/")      # nothing listens on port 9
    with pytest.raises(VaesslError, match="could not be fetched"):
        recorded.recorded_bytes("nope.png", timeout=2)


@pytest.mark.parametrize("bad", ["../secrets", "a/b.md", ".hidden"])
def test_only_plain_file_names_are_accepted(bad):
    with pytest.raises(VaesslError, match="pass a file name"):
        recorded.recorded_bytes(bad)


def test_recorded_markdown_keeps_tables_and_fences_the_rest(tmp_path, monkeypatch):
    (tmp_path / "log.txt").write_text("# a comment\n# another\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                                      "per class:\n  x [0.5]\n\nratio=3\n")
    monkeypatch.setattr(recorded, "results_dir", lambda: tmp_path)
    md = recorded.recorded_markdown("log.txt")
    assert md == ("```text\n# a comment\n# another\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                  "```text\nper class:\n  x [0.5]\n\nratio=3\n```\n")


def _rows(*rows: tuple) -> str:
    import json
    return "".join(json.dumps(dict(variant=v, labels=n, noise=z, epochs=e, seed=s, test_accuracy=a)) + "\n"
                   for v, n, z, e, s, a in rows)


def test_recorded_accuracy_is_the_mean_over_seeds_of_one_budget(tmp_path, monkeypatch):
    (tmp_path / "r.jsonl").write_text(_rows(
        ("m2/mlp", 100, 0.0, 20, 1, 0.90), ("m2/mlp", 100, 0.0, 20, 0, 0.80),
        ("m2/mlp", 100, 0.0, 20, 0, 0.70),          # seed 0 again: the last row recorded wins
        ("m2/mlp", 600, 0.0, 20, 0, 0.99), ("m2/mlp", 100, 0.45, 20, 0, 0.10),
        ("supervised/mlp", 100, 0.0, 20, 0, 0.75)))
    monkeypatch.setattr(recorded, "results_dir", lambda: tmp_path)
    r = recorded.recorded_accuracy("r.jsonl", "m2/mlp")
    assert r["seeds"] == [0, 1] and r["accs"] == pytest.approx([70.0, 90.0]) and r["n"] == 2
    assert r["mean"] == pytest.approx(80.0) and r["std"] == pytest.approx(14.142, abs=1e-3) and r["epochs"] == 20
    assert recorded.recorded_accuracy("r.jsonl", "m2/mlp", labels=600)["accs"] == pytest.approx([99.0])
    assert recorded.recorded_accuracy("r.jsonl", "m2/mlp", noise=0.45)["std"] == 0.0


def test_recorded_accuracy_refuses_an_ambiguous_or_missing_row(tmp_path, monkeypatch):
    (tmp_path / "r.jsonl").write_text(_rows(("pi/cnn", 100, 0.0, 5, 0, 0.9), ("pi/cnn", 100, 0.0, 25, 0, 0.95)))
    monkeypatch.setattr(recorded, "results_dir", lambda: tmp_path)
    with pytest.raises(VaesslError, match="several budgets"):
        recorded.recorded_accuracy("r.jsonl", "pi/cnn")
    assert recorded.recorded_accuracy("r.jsonl", "pi/cnn", epochs=25)["mean"] == pytest.approx(95.0)
    with pytest.raises(VaesslError, match="no recorded run"):
        recorded.recorded_accuracy("r.jsonl", "ladder/mlp")
