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
