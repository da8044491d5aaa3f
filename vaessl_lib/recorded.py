"""Recorded benchmark results, so a notebook can show full runs that take too long to repeat on a CPU.

The benchmark scripts under ``benchmarks/`` write their results to
``benchmarks/results/`` in the repository.  In a checkout (the book build, CI)
:func:`recorded_text` and :func:`recorded_bytes` read them from there; in Colab,
where only the package is installed, they fetch the same file from the
repository on GitHub, at the release they installed
(:mod:`vaessl_lib.release`).
"""

from __future__ import annotations

import json
import statistics
import urllib.request
from pathlib import Path

from .errors import VaesslError

from .release import RAW_URL as _RAW_ROOT

RAW_URL = _RAW_ROOT + "benchmarks/results/"   # the results of the release the reader installed


def results_dir() -> Path:
    """``benchmarks/results`` of the checkout this package was imported from (it may not exist)."""
    return Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def recorded_bytes(name: str, timeout: float = 20.0) -> bytes:
    """The bytes of a recorded result file (e.g. ``"ssl_mnist-5k.png"``), local first, else from GitHub."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise VaesslError(f"pass a file name from benchmarks/results, got {name!r}")
    local = results_dir() / name
    if local.is_file():
        return local.read_bytes()
    try:
        with urllib.request.urlopen(RAW_URL + name, timeout=timeout) as response:
            return response.read()
    except OSError as exc:
        raise VaesslError(f"recorded result {name!r} is not in {results_dir()} and could not be fetched from "
                          f"{RAW_URL + name} ({exc}); run the benchmark under benchmarks/ or connect to the "
                          f"internet") from None


def recorded_text(name: str) -> str:
    """A recorded text result (Markdown table, log) as a string."""
    return recorded_bytes(name).decode("utf-8")


def recorded_markdown(name: str) -> str:
    """A recorded text result as Markdown a notebook can ``display``: its tables stay tables.

    Benchmarks such as ``generation.py`` write a log in which Markdown table rows
    (lines starting with ``|``) sit between comment and summary lines.  Printed,
    the table shows as raw pipes; passed through here, each run of table rows is
    kept as it is (a table once rendered) and every other run of lines becomes a
    fenced text block, so no line is lost and nothing is read as a heading.
    """
    blocks: list[tuple[bool, list[str]]] = []           # (is_table, lines)
    for line in recorded_text(name).splitlines():
        is_table = line.lstrip().startswith("|")
        if not is_table and not line.strip() and (not blocks or blocks[-1][0]):
            continue                                    # blank lines between blocks carry nothing
        if blocks and blocks[-1][0] == is_table:
            blocks[-1][1].append(line)
        else:
            blocks.append((is_table, [line]))
    parts = []
    for is_table, lines in blocks:
        if is_table:
            parts.append("\n".join(line.strip() for line in lines))
        else:
            while lines and not lines[-1].strip():
                lines.pop()
            parts.append("```text\n" + "\n".join(lines) + "\n```")
    return "\n\n".join(parts) + "\n"


def recorded_accuracy(name: str, variant: str, labels: int = 100, noise: float = 0.0,
                      epochs: int | None = None) -> dict:
    """Test accuracy (%) of one benchmark variant over its recorded seeds, read from a ``.jsonl`` result.

    ``name`` is e.g. ``"ssl_mnist.jsonl"``; ``variant`` a row name such as ``"m2/mlp"``.  Returns
    ``mean``, ``std`` (0 for one seed), the per-seed ``accs`` and their ``seeds``, ``epochs`` and
    ``n``, so that a notebook can print the recorded number beside what its own short run reached.
    """
    rows = [json.loads(line) for line in recorded_text(name).splitlines() if line.strip()]
    rows = [r for r in rows if r.get("variant") == variant and r.get("labels") == labels
            and abs(r.get("noise", 0.0) - noise) < 1e-9 and (epochs is None or r.get("epochs") == epochs)]
    if not rows:
        raise VaesslError(f"{name} has no recorded run of {variant!r} with {labels} labels"
                          f"{f', {epochs} epochs' if epochs else ''} and noise {noise}")
    if epochs is None and len({r["epochs"] for r in rows}) > 1:
        raise VaesslError(f"{name} records {variant!r} with {labels} labels for several budgets "
                          f"({sorted({r['epochs'] for r in rows})} epochs); pass epochs=")
    rows = sorted({r["seed"]: r for r in rows}.values(), key=lambda r: r["seed"])   # a seed run twice: the last
    accs = [100 * r["test_accuracy"] for r in rows]
    return dict(mean=statistics.mean(accs), std=statistics.stdev(accs) if len(accs) > 1 else 0.0, accs=accs,
                seeds=[r["seed"] for r in rows], epochs=rows[0]["epochs"], n=len(rows))
