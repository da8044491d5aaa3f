"""A collapsed result for "predict, then run" questions (the exercise notebooks).

A predict question asks the reader to commit to an answer *before* seeing the
experiment that settles it. If the experiment's cell printed its numbers
straight away, "Run all" (or a glance down the page) would give the answer
away. So the cell runs inside :func:`reveal`::

    with reveal("Show what the run measured"):
        print(...)

Everything the block prints is caught and shown afterwards as an HTML
``<details>`` drop-down, closed until the reader opens it (Jupyter, JupyterLab,
Colab and VS Code all render it). Outside a notebook, or if the block raises,
the text is printed as usual, so nothing the block printed is ever lost.
"""

from __future__ import annotations

import contextlib
import html
import io
import sys
from collections.abc import Iterator

DEFAULT_SUMMARY = "Show the result (predict first)"


def details_html(text: str, summary: str = DEFAULT_SUMMARY) -> str:
    """``text`` as a closed HTML drop-down with the visible caption ``summary`` (both escaped)."""
    return (f"<details><summary><b>{html.escape(summary)}</b></summary>"
            f"<pre>{html.escape(text)}</pre></details>")


def _in_notebook() -> bool:
    """Whether a Jupyter kernel (which renders HTML outputs) is running this code."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


@contextlib.contextmanager
def reveal(summary: str = DEFAULT_SUMMARY) -> Iterator[None]:
    """Catch what the block prints and show it collapsed under ``summary`` (see the module docstring)."""
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            yield
    except BaseException:
        sys.stdout.write(buffer.getvalue())          # a failing block shows all it printed, at once
        raise
    text = buffer.getvalue()
    if not _in_notebook():
        sys.stdout.write(text)
        return
    from IPython.display import display
    display({"text/html": details_html(text, summary), "text/plain": text}, raw=True)
