"""The collapsed result of the predict-then-run questions (vaessl_lib.reveal)."""

import pytest

from vaessl_lib import reveal as reveal_module
from vaessl_lib.reveal import details_html, reveal


def test_outside_a_notebook_the_block_prints_as_usual(capsys):
    with reveal():
        print("16 steps")
    assert capsys.readouterr().out == "16 steps\n"


def test_in_a_notebook_the_text_is_shown_collapsed(monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(reveal_module, "_in_notebook", lambda: True)
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    with reveal("Show it"):
        print("a < b & c")
    assert capsys.readouterr().out == ""                     # nothing printed before the reader opens it
    (obj, raw), = shown
    assert raw and obj["text/plain"] == "a < b & c\n"
    assert obj["text/html"] == details_html("a < b & c\n", "Show it")
    assert obj["text/html"].startswith("<details><summary>") and "<details open" not in obj["text/html"]
    assert "a &lt; b &amp; c" in obj["text/html"]             # escaped, so the text shows as printed


def test_a_failing_block_loses_nothing_it_printed(monkeypatch, capsys):
    monkeypatch.setattr(reveal_module, "_in_notebook", lambda: True)
    with pytest.raises(ZeroDivisionError):
        with reveal():
            print("before the error")
            1 / 0
    assert capsys.readouterr().out == "before the error\n"
