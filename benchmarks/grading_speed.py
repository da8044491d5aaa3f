"""How fast ``python -m vaessl_lib grade`` grades: notebooks per minute with 1 and with 2 jobs, side by side.

    python benchmarks/grading_speed.py [--copies 1] [--jobs 1 2]

Builds a class from the committed masters: for every assignment, ``--copies`` students of each kind
(the solution edition, the student edition with its stubs, every answer deliberately wrong), grades the
folder once per ``--jobs`` value with the documented command, checks the scores (100 %, 0, and 0 on every
question for the wrong answers), and appends a row per run to ``benchmarks/results/grading_speed.md``
(machine, cores, jobs, notebooks, wall seconds, notebooks per minute).  Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "grading_speed.md"
sys.path.insert(0, str(ROOT / "benchmarks"))
from m2_speed import cpu_name  # noqa: E402  (the one CPU-name lookup of the benchmarks)


def build_class(folder: Path, copies: int) -> tuple[Path, int]:
    """Submissions of every kind for every master, and the autograders they are graded with."""
    import nbformat

    from vaessl_lib.course.assign import Layout, assign, wrong_answer_notebook

    layout = Layout.under(folder / "assigned")
    masters = assign(ROOT / "exercises", layout, log=lambda line: None)
    subs = folder / "submissions"
    count = 0
    for master in masters:
        solution = nbformat.read(layout.build / "solutions" / f"{master.name}.ipynb", as_version=4)
        kinds = {"right": solution, "stubs": nbformat.read(layout.student / f"{master.name}.ipynb", as_version=4),
                 "wrong": wrong_answer_notebook(solution, master)}
        for kind, nb in kinds.items():
            for i in range(copies):
                path = subs / f"{kind}{i}" / f"{master.name}.ipynb"
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, path)
                count += 1
    return layout.build / "autograder", count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        autograders, count = build_class(Path(tmp), args.copies)
        rows = []
        for jobs in args.jobs:
            out = Path(tmp) / f"grades_{jobs}.csv"
            start = time.perf_counter()
            res = subprocess.run([sys.executable, "-m", "vaessl_lib", "grade", str(Path(tmp) / "submissions"),
                                  "--autograders", str(autograders), "--out", str(out), "--jobs", str(jobs),
                                  "--no-progress"], capture_output=True, text=True)
            wall = time.perf_counter() - start
            graded = list(csv.DictReader(out.open()))
            bad = [r for r in graded if r["error"] or
                   (r["student"].startswith("right") and r["percent"] != "100.0") or
                   (not r["student"].startswith("right") and r["total"] != "0")]
            if res.returncode != 0 or bad or len(graded) != count:
                print(res.stdout[-3000:], res.stderr[-3000:], bad[:3], sep="\n")
                return 1
            rows.append((jobs, count, wall))
            print(f"{jobs} job(s): {count} notebooks in {wall:.0f} s = {60 * count / wall:.1f} notebooks per minute")
    new = not RESULTS.exists()
    with RESULTS.open("a") as fh:
        if new:
            fh.write("# Grading speed (`benchmarks/grading_speed.py`)\n\n"
                     "Every master's solution edition, student edition and wrong-answer edition, graded with "
                     "`python -m vaessl_lib grade --autograders ... --jobs N` (checked: 100 %, 0, 0).\n\n"
                     "| date | machine | cores | jobs | notebooks | wall s | notebooks per minute |\n"
                     "|---|---|---|---|---|---|---|\n")
        for jobs, count, wall in rows:
            fh.write(f"| {time.strftime('%Y-%m-%d %H:%M')} | {cpu_name()} | {os.cpu_count()} | {jobs} | {count} | "
                     f"{wall:.0f} | {60 * count / wall:.1f} |\n")
    print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
