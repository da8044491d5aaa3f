"""Execute the book's notebooks in a chosen setting and record what each took and what it reached.

    python3 dev.py notebooks --full                  # every notebook with FULL = True, on whatever device exists
    python3 dev.py notebooks --full m2_quickstart    # one (or a few) of them
    python3 dev.py notebooks                         # the fast setting, as the book's build runs it

Each notebook runs on a copy whose settings cell has its ``FULL = ...`` line set (the one visible
switch of every notebook), in the project's kernel, with no cell time limit.  One JSON line per
notebook goes to ``benchmarks/results/notebooks_<setting>.jsonl`` as soon as it has run: notebook,
setting, device (the GPU's name, or the CPU's), threads, wall seconds, the dataset it used, its
``SETTINGS`` and its headline numbers (every ``RunResult`` it left: validation and test accuracy;
every training ``History``, or ``train_vae``'s list of epochs: the last epoch's numbers; every table of
``compare_generators``: how often each generator drew the asked-for digit), collected from the kernel by one cell
appended to the copy.  Resumable: a notebook already recorded with the same code on the same
device is skipped (``--force`` runs it again).  The executed copies are kept in
``_build/notebooks_<setting>/`` to read the figures.  After each notebook the table
``benchmarks/results/notebooks_<setting>.md`` is rewritten from the JSON lines (the newest row per
notebook and device; ``--report`` rewrites it without running anything).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SWITCH = re.compile(r"^FULL\s*=.*$", re.M)
MARK = "VAESSL_HEADLINES="

# appended to each copy: what the notebook reached, read from the kernel's globals
COLLECT = f'''
import json as _json, torch as _torch
from vaessl_lib.methods import RunResult as _RunResult
from vaessl_lib.train import History as _History

def _numbers(value):
    if isinstance(value, _RunResult):
        out = {{"method": value.method, "val_accuracy": value.val_accuracy, "epochs": len(value.history)}}
        if value.test_scored is not None:
            out["test_accuracy"] = value.test_scored
        return out
    if isinstance(value, _History) and len(value):
        return {{k: v for k, v in value.last.items() if isinstance(v, (int, float))}}
    if isinstance(value, list) and value and all(isinstance(r, dict) and "epoch" in r and "loss" in r
                                                 for r in value):   # train_vae's one dict per epoch
        return {{k: v for k, v in value[-1].items() if isinstance(v, (int, float))}}
    if isinstance(value, list) and value and all(isinstance(r, dict) and "model" in r and "class_match" in r
                                                 for r in value):   # compare_generators' rows: judged draws
        return {{f"{{r['model']}}: class_match accuracy": r["class_match"] for r in value}}
    return None

_found = {{}}
for _name, _value in list(globals().items()):
    if _name.startswith("_"):
        continue
    _items = _value.items() if isinstance(_value, dict) else [(None, _value)]
    for _key, _item in _items:
        _n = _numbers(_item)
        if _n is not None:
            _found[_name if _key is None else f"{{_name}}[{{_key!r}}]"] = _n
_cuda = _torch.cuda.is_available()
print("{MARK}" + _json.dumps(dict(
    headlines=_found, settings={{k: v for k, v in globals().get("SETTINGS", {{}}).items()
                                if isinstance(v, (int, float, str, bool))}},
    dataset=getattr(globals().get("data"), "name", None), full=bool(globals().get("FULL")),
    cuda=_cuda, threads=_torch.get_num_threads(), torch=_torch.__version__), default=float))
'''


def prepare(path: Path, full: bool) -> nbformat.NotebookNode:
    """A copy of the notebook with its one ``FULL = ...`` line set and the collecting cell appended."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and SWITCH.search(c.source)]
    if len(cells) != 1:
        raise SystemExit(f"{path.name}: expected one settings cell with a `FULL = ...` line, found {len(cells)}")
    cells[0].source = SWITCH.sub(f"FULL = {full}  # set by dev.py notebooks", cells[0].source, count=1)
    nb.cells.append(nbformat.v4.new_code_cell(COLLECT))
    return nb


def collected(nb: nbformat.NotebookNode) -> dict:
    """The record printed by the appended cell of an executed copy."""
    for output in nb.cells[-1].get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(MARK):
                return json.loads(line[len(MARK):])
    raise SystemExit("the notebook ran but its collecting cell printed nothing")


def code_hash(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return hashlib.sha256("\n".join(c.source for c in nb.cells if c.cell_type == "code").encode()).hexdigest()[:16]


def device_label() -> str:
    """What the runs will use, for skipping notebooks already recorded on this device."""
    try:
        import torch
        if torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return cpu_name()


def cpu_name() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what ``platform`` knows."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


def run_one(path: Path, full: bool, out_dir: Path, kernel: str = "python3", code: str | None = None) -> dict:
    from nbclient import NotebookClient

    nb = prepare(path, full)
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=None, kernel_name=kernel, resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
    wall = time.perf_counter() - start
    info = collected(nb)
    # the device is named here, as the skip of recorded notebooks names it (the kernel runs on this machine)
    return dict(notebook=path.stem, setting="full" if full else "fast", wall_s=round(wall, 1),
                code=code or code_hash(path), commit=git_commit(), cores=os.cpu_count(), device=device_label(),
                **info)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _headline(values: dict) -> str:
    """One run's numbers for the table: accuracies in %, the rest as they are."""
    parts = []
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or key == "epoch":
            continue
        parts.append(f"{key} {100 * value:.1f} %" if "accuracy" in key else f"{key} {value:.4g}")
    return ", ".join(parts)


def report(rows: list[dict], setting: str) -> str:
    """A markdown table of the newest row per (notebook, device): wall time, machine, threads, dataset and
    every headline the notebook left."""
    newest: dict[tuple[str, str], dict] = {}
    for row in rows:
        newest[(row["notebook"], row["device"])] = row
    lines = [f"**Notebooks, {setting} setting** (`python3 dev.py notebooks{' --full' if setting == 'full' else ''}`): "
             "one row per notebook and device, the newest run; the headline numbers are what the notebook's own "
             "runs reached (validation and test accuracy of every `RunResult`, the last epoch of every training "
             "`History`). Written by `tools/run_notebooks.py` from `notebooks_" + setting + ".jsonl`.", "",
             "| notebook | wall | device | cores / threads | dataset | commit | headline numbers |",
             "|---|---|---|---|---|---|---|"]
    for (name, device), row in sorted(newest.items()):
        heads = "; ".join(f"`{k}`: {_headline(v)}" for k, v in row["headlines"].items() if _headline(v))
        wall = row["wall_s"]
        lines.append(f"| {name} | {wall / 60:.1f} min | {device}{' (CUDA)' if row.get('cuda') else ''} | "
                     f"{row.get('cores')} / {row.get('threads')} | {row.get('dataset')} | {row.get('commit')} | {heads} |")
    return "\n".join(lines) + "\n"


def read_rows(results: Path) -> list[dict]:
    """The recorded runs, one per JSON line (none while the file does not exist)."""
    return [json.loads(l) for l in results.read_text().splitlines() if l.strip()] if results.exists() else []


def write_report(results: Path, setting: str) -> Path:
    rows = read_rows(results)
    out = results.with_suffix(".md")
    out.write_text(report(rows, setting))
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", help="notebook names (default: every notebook of the book)")
    ap.add_argument("--full", action="store_true", help="FULL = True (the GPU / Colab setting)")
    ap.add_argument("--force", action="store_true", help="run notebooks already recorded on this device again")
    ap.add_argument("--results", type=Path, default=None, help="JSON-lines file (default benchmarks/results/...)")
    ap.add_argument("--report", action="store_true", help="only rewrite the markdown table from the JSON lines")
    args = ap.parse_args(argv)
    setting = "full" if args.full else "fast"
    if args.report:
        results = args.results or RESULTS / f"notebooks_{setting}.jsonl"
        print(f"wrote {write_report(results, setting)}")
        return 0
    known = {p.stem: p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    unknown = [n for n in args.names if Path(n).stem not in known]
    if unknown:
        print(f"no notebook named {', '.join(unknown)}; choose from {', '.join(known)}", file=sys.stderr)
        return 2
    paths = [known[Path(n).stem] for n in args.names] if args.names else list(known.values())
    results = args.results or RESULTS / f"notebooks_{setting}.jsonl"
    results.parent.mkdir(parents=True, exist_ok=True)
    lock = open(results.with_suffix(".lock"), "w")
    try:   # two runs at once would share the cores and record each other's slowness as their wall time
        import fcntl
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:
        pass
    except OSError:
        print(f"another `dev.py notebooks` is recording into {results.name} on this machine; wait until it "
              f"ends (two at once would slow each other and record the slowness)", file=sys.stderr)
        return 2
    rows = read_rows(results)
    device = device_label()
    done = {(r["notebook"], r["code"], r["device"]) for r in rows}
    failed = 0
    for path in paths:
        code = code_hash(path)
        if not args.force and (path.stem, code, device) in done:
            print(f"{path.stem}: recorded on {device} already (--force runs it again)")
            continue
        print(f"{path.stem}: running the {setting} setting on {device} ...", flush=True)
        try:
            row = run_one(path, args.full, ROOT / "_build" / f"notebooks_{setting}", code=code)
        except Exception as exc:           # one notebook's failure is reported; the others still run
            failed += 1
            print(f"{path.stem}: FAILED ({type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}); "
                  f"the executed copy is in _build/notebooks_{setting}/{path.name}", flush=True)
            continue
        results.parent.mkdir(parents=True, exist_ok=True)
        with open(results, "a") as fh:
            fh.write(json.dumps(row) + "\n")
        heads = "; ".join(f"{k} " + ", ".join(f"{m} {v:.4g}" for m, v in h.items() if isinstance(v, float))
                          for k, h in row["headlines"].items())
        print(f"{path.stem}: {row['wall_s']:.0f} s on {row['device']} ({row['dataset']}); {heads}", flush=True)
        write_report(results, setting)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
