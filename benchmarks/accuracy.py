"""Accuracy with few labels: supervised-only vs. the notes' recipe vs. faithful M2, over seeds.

Every method trains on the same labelled/unlabelled split for a given seed,
and each M2 run is set against ``supervised`` with the *same* classifier
network and the same number of epochs (optimiser steps).  The ``notes``
recipe runs as the notes run it (linear classifier, 20 zipped "epochs").

    python benchmarks/accuracy.py --dataset mnist-5k --classifiers mlp cnn --seeds 0 1 2 --epochs 100 --jobs 2

Writes one JSON line per run to ``benchmarks/results/accuracy_<dataset>.jsonl``
and prints a Markdown table (mean ± std over seeds, epochs, CPU minutes per run).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


@functools.lru_cache(maxsize=2)
def dataset(name: str):
    """Each worker process loads a dataset once, not once per run."""
    from vaessl_lib import load_dataset

    return load_dataset(name, verbose=False)


def one_run(job: dict) -> dict:
    import torch

    torch.set_num_threads(job["threads"])
    from vaessl_lib import split_labeled_unlabeled, train_method

    data = dataset(job["dataset"])
    split = split_labeled_unlabeled(data, job["labels"], job["seed"])
    t0, c0 = time.perf_counter(), time.process_time()
    res = train_method(job["method"], data, job["labels"], epochs=job["epochs"], seed=job["seed"],
                       classifier=job["classifier"], device=job["device"], log=None, progress=False, split=split,
                       **job.get("overrides", {}))
    hist = res.history
    return {**job, "test_accuracy": res.test_accuracy, "val_accuracy": res.val_accuracy,
            "unlabeled_accuracy": hist.last.get("unlabeled_accuracy"),
            "steps": sum(r["steps"] for r in hist), "wall_s": round(time.perf_counter() - t0, 1),
            "cpu_s": round(time.process_time() - c0, 1),
            "val_curve": [round(a, 4) for a in hist.column("val_accuracy")]}


def table(rows: list[dict]) -> str:
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["method"], r["classifier"], r["epochs"]), []).append(r)
    out = ["| method | classifier q(y\\|x) | epochs | steps | test accuracy (mean ± std) | seeds | CPU min / run |",
           "|---|---|---|---|---|---|---|"]
    for (method, clf, epochs), rs in groups.items():
        accs = [100 * r["test_accuracy"] for r in rs]
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        cpu = statistics.mean(r["cpu_s"] for r in rs) / 60
        out.append(f"| {method} | {clf} | {epochs} | {rs[0]['steps']} | {statistics.mean(accs):.1f} ± {sd:.1f} "
                   f"| {len(rs)} | {cpu:.1f} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="mnist-5k")
    ap.add_argument("--labels", type=int, default=100)
    ap.add_argument("--classifiers", nargs="*", default=["mlp", "cnn"])
    ap.add_argument("--methods", nargs="*", default=["supervised", "notes", "m2"])
    ap.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=None, help="epochs for supervised and m2 (default: m2's own)")
    ap.add_argument("--notes-epochs", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (each with --threads threads)")
    ap.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 1) // 2))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=None, help="JSON-lines file (default results/accuracy_<dataset>.jsonl)")
    ap.add_argument("--eval-unlabeled", action="store_true",
                    help="also measure accuracy on the unlabelled pool every epoch (slow for the CNN)")
    args = ap.parse_args()

    epochs = args.epochs
    if epochs is None:
        from vaessl_lib.methods import get_method
        epochs = get_method("m2").train_defaults["epochs"]
    common = dict(dataset=args.dataset, labels=args.labels, threads=args.threads, device=args.device,
                  overrides={"eval_unlabeled": args.eval_unlabeled})
    jobs = []
    for seed in args.seeds:
        for method in args.methods:
            # the notes' recipe runs as the notes run it; every other method once per classifier
            runs = [("linear", args.notes_epochs)] if method == "notes" else [(c, epochs) for c in args.classifiers]
            jobs += [dict(method=method, classifier=clf, epochs=e, seed=seed, **common) for clf, e in runs]
    out = Path(args.out or RESULTS / f"accuracy_{args.dataset}.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(one_run, jobs):
            rows.append(row)
            with open(out, "a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(f"{row['method']:10s} {row['classifier']:6s} seed {row['seed']}  "
                  f"test {row['test_accuracy']:.4f}  ({row['wall_s']}s)", flush=True)
    print()
    print(f"{args.dataset}, {args.labels} labels, device {args.device}:")
    print(table(rows))


if __name__ == "__main__":
    main()
