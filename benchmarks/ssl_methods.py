"""Label efficiency of the SSL methods of Chapter 2, each set against its own supervised baseline.

Every *variant* is a method with a network, an augmentation and a training
budget; every SSL variant names the ``supervised`` variant that has the same
network, augmentation and epochs (its fair baseline).  Runs for one seed share
that seed's labelled/unlabelled split.

    python benchmarks/ssl_methods.py run --dataset mnist-5k --labels 100 600 1000 3000 --seeds 0 1 2 --jobs 2
    python benchmarks/ssl_methods.py run --dataset mnist-5k --noise 0.2 0.45 --labels 3000      # co-teaching
    python benchmarks/ssl_methods.py report --dataset mnist-5k      # Markdown table + label-efficiency plot

Results go to ``benchmarks/results/ssl_<dataset>.jsonl`` (one JSON line per
run; finished runs are skipped when a command is run again), the table to
``ssl_<dataset>.md`` and the plot to ``ssl_<dataset>.png``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

RESULTS = Path(os.environ.get("VAESSL_RESULTS", Path(__file__).parent / "results"))

# name: (method, classifier (name, dropout), overrides, epochs on mnist-5k, fair baseline)
MLP_EPOCHS, CNN_EPOCHS = 30, 20
VARIANTS: dict[str, dict] = {
    "supervised/mlp": dict(method="supervised", clf=("mlp", 0.0), over={}, epochs=MLP_EPOCHS),
    "self-training/mlp": dict(method="self-training", clf=("mlp", 0.0), over={}, epochs=MLP_EPOCHS,
                              baseline="supervised/mlp"),
    "co-training/mlp": dict(method="co-training", clf=("mlp", 0.0), over={}, epochs=MLP_EPOCHS,
                            baseline="supervised/mlp"),
    "ladder/mlp": dict(method="ladder", clf=None, over={}, epochs=MLP_EPOCHS, baseline="supervised/mlp"),
    "m2/mlp": dict(method="m2", clf=("mlp", 0.0), over={}, epochs=MLP_EPOCHS, baseline="supervised/mlp"),
    "m2-pseudo/mlp": dict(method="m2-pseudo", clf=("mlp", 0.0), over={}, epochs=MLP_EPOCHS,
                          baseline="supervised/mlp"),
    "supervised/mlp+aug": dict(method="supervised", clf=("mlp", 0.3), over={"shift": 2}, epochs=MLP_EPOCHS),
    "pi/mlp+aug": dict(method="pi", clf=("mlp", 0.3), over={"shift": 2}, epochs=MLP_EPOCHS,
                       baseline="supervised/mlp+aug"),
    "supervised/cnn+aug": dict(method="supervised", clf=("cnn", 0.3), over={"shift": 2}, epochs=CNN_EPOCHS),
    "self-training/cnn+aug": dict(method="self-training", clf=("cnn", 0.3), over={"shift": 2}, epochs=CNN_EPOCHS,
                                  baseline="supervised/cnn+aug"),
    "pi/cnn+aug": dict(method="pi", clf=("cnn", 0.3), over={"shift": 2}, epochs=CNN_EPOCHS,
                       baseline="supervised/cnn+aug"),
    # the Π-model's own recipe (25 epochs, lr ramp-down over the last 30%), with its baseline trained the same way
    "supervised/cnn+aug+rd": dict(method="supervised", clf=("cnn", 0.3), over={"shift": 2, "lr_rampdown": 0.3},
                                  epochs=25),
    "pi/cnn+aug+rd": dict(method="pi", clf=("cnn", 0.3), over={"shift": 2, "lr_rampdown": 0.3}, epochs=25,
                          baseline="supervised/cnn+aug+rd"),
    # noisy labels (co-teaching is not a 100-label SSL method): run with --noise
    "co-teaching/mlp": dict(method="co-teaching", clf=("mlp", 0.0), over={}, epochs=MLP_EPOCHS,
                            baseline="supervised/mlp"),
}
NOISE_VARIANTS = ("supervised/mlp", "co-teaching/mlp")
SSL_VARIANTS = tuple(v for v in VARIANTS if v != "co-teaching/mlp")
CHEAP = ("supervised/mlp", "self-training/mlp", "co-training/mlp", "supervised/mlp+aug", "pi/mlp+aug")

# Published full-MNIST results with 100 labels (see ../shared/ANCHORS.md and book/references.bib)
ANCHORS = {"supervised MLP (Rasmus et al. 2015)": 77.0, "M2 (Kingma et al. 2014)": 88.0,
           "M2 (Pyro tutorial)": 93.0, "M1+M2 (Kingma et al. 2014)": 96.7, "Ladder (Rasmus et al. 2015)": 98.9}


@functools.lru_cache(maxsize=2)
def dataset(name: str):
    """Each worker process loads a dataset once, not once per run."""
    from vaessl_lib import load_dataset

    return load_dataset(name, verbose=False)


def job_key(job: dict) -> tuple:
    return (job["dataset"], job["variant"], job["labels"], job["seed"], job["noise"], job["epochs"])


def one_run(job: dict) -> dict:
    import torch

    torch.set_num_threads(job["threads"])
    from vaessl_lib import train_method
    from vaessl_lib.models.classifiers import ClassifierSpec

    v = VARIANTS[job["variant"]]
    clf = ClassifierSpec(v["clf"][0], dropout=v["clf"][1]) if v["clf"] else None
    t0 = time.perf_counter()
    res = train_method(v["method"], dataset(job["dataset"]), job["labels"], epochs=job["epochs"], seed=job["seed"],
                       classifier=clf, device=job["device"], log=None, progress=False, label_noise=job["noise"],
                       eval_unlabeled=False, **v["over"])
    hist = res.history
    extra = {k: hist.last[k] for k in ("pseudo_total", "pseudo_accuracy") if k in hist.last}
    rounds = [r for r in hist if "pseudo_added" in r]
    if rounds:
        extra["pseudo_rounds"] = [[r["pseudo_added"], r["pseudo_added_correct"]] for r in rounds]
    return {**job, **extra, "method": v["method"], "test_accuracy": hist.last["test_accuracy"],
            "best_test_accuracy": max(hist.column("test_accuracy")),
            "steps": sum(r["steps"] for r in hist), "wall_s": round(time.perf_counter() - t0, 1),
            "curve": [round(a, 4) for a in hist.column("test_accuracy")]}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def run(args: argparse.Namespace) -> None:
    path = RESULTS / f"ssl_{args.dataset}.jsonl"
    done = {job_key(r) for r in load(path)}
    variants = args.variants or (NOISE_VARIANTS if args.noise != [0.0] else SSL_VARIANTS)
    jobs = []
    for noise in args.noise:
        for labels in args.labels:
            for seed in args.seeds:
                for name in variants:
                    if args.cheap_only_after_seed is not None and seed > args.cheap_only_after_seed \
                            and labels != 100 and name not in CHEAP:
                        continue
                    epochs = max(1, round(VARIANTS[name]["epochs"] * args.epoch_scale))
                    job = dict(dataset=args.dataset, variant=name, labels=labels, seed=seed, noise=noise,
                               epochs=epochs, threads=args.threads, device=args.device)
                    if job_key(job) not in done:
                        jobs.append(job)
    jobs.sort(key=lambda j: j["variant"] in CHEAP)   # long runs first keeps both workers busy
    run_jobs(path, jobs, len(done), one_run, args.jobs,
             lambda row: f"{row['variant']:22s} labels {row['labels']:5d} noise {row['noise']:.2f} seed {row['seed']}")


def run_jobs(path: Path, jobs: list[dict], recorded: int, fn, workers: int, describe) -> None:
    """Run ``fn`` on every job in ``workers`` processes; append each result to the JSON-lines ``path``
    as soon as it is in (an interrupted benchmark keeps what it finished) and print one line per run."""
    print(f"{len(jobs)} runs to do ({recorded} recorded)", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for row in pool.map(fn, jobs):
            with open(path, "a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(f"{describe(row)}  test {row['test_accuracy']:.4f}  ({row['wall_s']}s)", flush=True)


def summarise(rows: list[dict]) -> dict[tuple, dict]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["variant"], r["labels"], r["noise"])].append(r)
    out = {}
    for key, rs in groups.items():
        accs = [100 * r["test_accuracy"] for r in sorted(rs, key=lambda r: r["seed"])]
        out[key] = dict(mean=statistics.mean(accs), std=statistics.stdev(accs) if len(accs) > 1 else 0.0,
                        accs=accs, wall=statistics.mean(r["wall_s"] for r in rs), epochs=rs[0]["epochs"], rows=rs)
    return out


def report(args: argparse.Namespace) -> str:
    rows = load(RESULTS / f"ssl_{args.dataset}.jsonl")
    stats = summarise(rows)
    lines = [f"**{args.dataset}**: test accuracy % (mean ± std over seeds; per-seed values; wall seconds per run "
             f"on one CPU thread). *Gain* is the difference to the variant's own supervised baseline "
             f"(same network, augmentation and epochs, same seeds).", "",
             "| variant | labels | label noise | epochs | accuracy % | per seed | gain vs own baseline | s / run |",
             "|---|---|---|---|---|---|---|---|"]
    order = list(VARIANTS)
    for key in sorted(stats, key=lambda k: (k[2], k[1], order.index(k[0]))):
        variant, labels, noise = key
        s = stats[key]
        base = VARIANTS[variant].get("baseline")
        gain = ""
        if base and (base, labels, noise) in stats:
            b = stats[(base, labels, noise)]
            common = min(len(s["accs"]), len(b["accs"]))
            g = statistics.mean(s["accs"][:common]) - statistics.mean(b["accs"][:common])
            gain = f"{g:+.1f}"
        lines.append(f"| {variant} | {labels} | {noise:.0%} | {s['epochs']} | {s['mean']:.1f} ± {s['std']:.1f} | "
                     f"{', '.join(f'{a:.1f}' for a in s['accs'])} | {gain} | {s['wall']:.0f} |")
    text = "\n".join(lines)
    (RESULTS / f"ssl_{args.dataset}.md").write_text(text + "\n")
    plot(stats, args.dataset)
    return text


def plot(stats: dict, dataset_name: str) -> Path:
    """Accuracy against labels, one line per variant (baselines dashed); published anchors as stars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5.5))
    names = [v for v in VARIANTS if any(k[0] == v and k[2] == 0 for k in stats)]
    colors = plt.get_cmap("tab20")
    for i, variant in enumerate(names):
        pts = sorted((k[1], v["mean"], v["std"]) for k, v in stats.items() if k[0] == variant and k[2] == 0)
        xs, ys, es = zip(*pts)
        xs = [x * (1 + 0.02 * (i - len(names) / 2)) for x in xs]        # spread the points a little
        style = "--" if variant.startswith("supervised") else "-"
        ax.errorbar(xs, ys, yerr=es, fmt=style + "o", capsize=2, label=variant, markersize=4,
                    color=colors(i % 20), lw=1.4)
    if dataset_name.startswith("mnist"):
        for name, acc in ANCHORS.items():
            ax.scatter([62], [acc], marker="*", s=110, color="black", zorder=5)
            short = name.replace("Kingma et al. 2014", "paper").replace("Rasmus et al. 2015", "").replace(" tutorial", "")
            short = short.replace(" ()", "").replace("M1+M2 (paper)", "M1+M2").replace("Ladder ", "Ladder")
            ax.annotate(f"{short} {acc}%", (62, acc), xytext=(-8, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=7)
        ax.text(62, min(ANCHORS.values()) - 2.5, "published,\nfull MNIST,\n100 labels", ha="center", va="top",
                fontsize=7, color="0.3")
        ax.set_xlim(18, 4500)
    ax.set_xscale("log")
    ax.set_xlabel("labelled examples")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"Label efficiency on {dataset_name} (mean ± std over seeds; dashed: supervised baselines)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    out = RESULTS / f"ssl_{dataset_name}.png"
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--dataset", default="mnist-5k")
    r.add_argument("--labels", nargs="*", type=int, default=[100])
    r.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    r.add_argument("--noise", nargs="*", type=float, default=[0.0])
    r.add_argument("--variants", nargs="*", choices=list(VARIANTS), default=None)
    r.add_argument("--epoch-scale", type=float, default=1.0,
                   help="multiply every variant's epochs (e.g. 1/15 for the 15x larger Fashion-MNIST pool)")
    r.add_argument("--cheap-only-after-seed", type=int, default=None,
                   help="for labels other than 100, run the expensive variants only up to this seed")
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--device", default="cpu")
    p = sub.add_parser("report")
    p.add_argument("--dataset", default="mnist-5k")
    p.add_argument("--list", action="store_true", help="list the variants and their baselines")
    args = ap.parse_args()
    if args.command == "run":
        run(args)
    elif args.list:
        for name, v in VARIANTS.items():
            print(f"{name}: method {v['method']}, epochs {v['epochs']}, baseline {v.get('baseline', '-')}")
    else:
        print(report(args))


if __name__ == "__main__":
    main()
