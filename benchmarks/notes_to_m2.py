"""From the lecture notes' recipe to a working M2, one switch at a time (Chapter 5).

Each step keeps every switch of the step before and changes one more, on the
same split per seed (``mnist-5k``, 100 labels unless ``--labels``):

    python benchmarks/notes_to_m2.py run --seeds 0 1 2 --jobs 2
    python benchmarks/notes_to_m2.py report

Results: ``benchmarks/results/notes_to_m2.jsonl`` (one line per run; finished
runs are skipped when run again) and the table ``notes_to_m2.md``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from ssl_methods import RESULTS, load, run_jobs  # noqa: E402  (this folder is on sys.path when run as a script)

# (step name, what changes, the cumulative settings of the notes method); epochs are real epochs
# over the unlabelled pool once the schedule is "cycle" (the notes' 20 zipped "epochs" are 40 steps).
STEPS: list[tuple[str, str, dict]] = [
    ("notes", "the notes as written: zip epochs, +H, linear q(y|x), weights 1/0.1/1", {}),
    ("+ cycle", "an epoch is a pass over the 3,900 unlabelled digits (20 epochs = 620 steps)",
     {"schedule": "cycle"}),
    ("+ entropy", "eq. 7's sign: U = E_q[L] - H(q)", {"entropy": "paper"}),
    ("+ mlp", "q(y|x) is a 2x500 MLP with batch-norm instead of Linear(784, 10)", {"classifier": "mlp"}),
    ("+ weights", "eq. 9's weights with alpha = 0.1 N and the log-prior log p(y)",
     {"weights": "paper", "include_log_prior": True}),
    ("+ vae batch-norm", "batch-norm in the encoder and decoder", {"vae_batchnorm": True}),
    ("+ classifier warm-up", "q(y|x) takes no gradient from eq. 7 in the first half of training",
     {"classifier_warmup": 0.5}),
]
EPOCHS_ZIP, EPOCHS_CYCLE = 20, 20


def settings(upto: int) -> dict:
    out: dict = {}
    for _, _, change in STEPS[: upto + 1]:
        out.update(change)
    return out


def one_run(job: dict) -> dict:
    import torch

    torch.set_num_threads(job["threads"])
    from vaessl_lib import load_dataset, train_method

    over = settings(job["step"])
    clf = over.pop("classifier", None)
    epochs = EPOCHS_CYCLE if over.get("schedule") == "cycle" else EPOCHS_ZIP
    t0 = time.perf_counter()
    res = train_method("notes", load_dataset("mnist-5k", verbose=False), job["labels"], epochs=epochs,
                       seed=job["seed"], classifier=clf, device="cpu", log=None, progress=False,
                       eval_unlabeled=False, **over)
    return {**job, "name": STEPS[job["step"]][0], "epochs": epochs, "settings": settings(job["step"]),
            "steps": sum(r["steps"] for r in res.history), "test_accuracy": res.test_accuracy,
            "entropy": res.history.last.get("entropy"), "wall_s": round(time.perf_counter() - t0, 1)}


def run(args) -> None:
    path = RESULTS / "notes_to_m2.jsonl"
    done = {(r["step"], r["seed"], r["labels"]) for r in load(path)}
    jobs = [dict(step=i, seed=s, labels=args.labels, threads=args.threads)
            for s in args.seeds for i in range(len(STEPS)) if (i, s, args.labels) not in done]
    run_jobs(path, jobs, len(done), one_run, args.jobs, lambda row: f"{row['name']:22s} seed {row['seed']}")


def report(args) -> str:
    rows = load(RESULTS / "notes_to_m2.jsonl")
    lines = ["| step | what changes | optimiser steps | test accuracy % | per seed | change |",
             "|---|---|---|---|---|---|"]
    prev = None
    for i, (name, what, _) in enumerate(STEPS):
        rs = sorted((r for r in rows if r["step"] == i and r["labels"] == args.labels), key=lambda r: r["seed"])
        if not rs:
            continue
        accs = [100 * r["test_accuracy"] for r in rs]
        mean = statistics.mean(accs)
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        change = f"{mean - prev:+.1f}" if prev is not None else ""
        lines.append(f"| {name} | {what} | {rs[0]['steps']} | {mean:.1f} ± {sd:.1f} | "
                     f"{', '.join(f'{a:.1f}' for a in accs)} | {change} |")
        prev = mean
    text = "\n".join(lines)
    (RESULTS / "notes_to_m2.md").write_text(text + "\n")
    return text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    r.add_argument("--labels", type=int, default=100)
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--threads", type=int, default=1)
    p = sub.add_parser("report")
    p.add_argument("--labels", type=int, default=100)
    args = ap.parse_args()
    run(args) if args.command == "run" else print(report(args))


if __name__ == "__main__":
    main()
