"""What makes the faithful M2 work on small data: one line per tried variant.

Each variant is the ``m2`` method (or ``supervised``) with a few overrides,
trained with 100 labels on ``mnist-5k`` for the given seeds; results are
appended as JSON lines to ``benchmarks/results/m2_ablation.jsonl`` and a
summary line per variant is printed.

    python benchmarks/m2_ablation.py --variants m2_paper m2_alpha46 --seeds 0 --epochs 60 --jobs 2
    python benchmarks/m2_ablation.py --list
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

from vaessl_lib import load_dataset, split_labeled_unlabeled, train_method

N_LABELS = 100
POOL = 4000

# name -> (method, overrides); "alpha" is the paper's alpha (per labelled example: alpha / 100)
A46 = 46 * N_LABELS          # Pyro's tuned weight, 46 per labelled example
# every m2 variant states its settings on top of the plain recipe (no batch-norm in the VAE, no warm-up),
# so the list reproduces the recorded runs whatever the m2 method's defaults become
PLAIN = {"vae_batchnorm": False, "classifier_warmup": 0.0}
SMALL_Z = {"alpha": A46, "latent": 5, "labeled_weight": 1.0, "lr": 1e-3}
VARIANTS: dict[str, tuple[str, dict]] = {
    "supervised": ("supervised", {}),
    "m2_paper": ("m2", {**PLAIN, "lr": 3e-4}),                                   # alpha = 0.1 N (4 per label), z = 50
    "m2_alpha46": ("m2", {**PLAIN, "alpha": A46, "lr": 3e-4}),
    "m2_alpha46_lr1e-3": ("m2", {**PLAIN, "alpha": A46, "lr": 1e-3}),
    "m2_alpha46_klwarmup": ("m2", {**PLAIN, "alpha": A46, "kl_warmup": 0.3, "lr": 3e-4}),
    "m2_alpha46_vaebn": ("m2", {**PLAIN, "alpha": A46, "vae_batchnorm": True, "lr": 1e-3}),
    "m2_alpha46_z10": ("m2", {**PLAIN, "alpha": A46, "latent": 10, "lr": 1e-3}),
    "m2_smallz": ("m2", {**PLAIN, **SMALL_Z}),                                       # z = 5, labelled bound weight 1
    "m2_smallz_alpha400": ("m2", {**PLAIN, **SMALL_Z, "alpha": 40000}),
    "m2_smallz_clfwarmup": ("m2", {**PLAIN, **SMALL_Z, "classifier_warmup": 0.5}),
    "m2_smallz_blocks": ("m2", {**PLAIN, **SMALL_Z, "classifier_warmup": 0.5, "freeze_generative_after_warmup": True}),
    "m2_smallz_blocks_restart": ("m2", {**PLAIN, **SMALL_Z, "classifier_warmup": 0.5, "freeze_generative_after_warmup": True,
                                        "classifier_restart": True}),
    "m2_vaebn": ("m2", {**PLAIN, "vae_batchnorm": True, "lr": 1e-3}),            # paper alpha, batch-norm in q(z|x,y), p(x|z,y)
    "m2_alpha46_vaebn_alpha400": ("m2", {**PLAIN, "alpha": 40000, "vae_batchnorm": True, "lr": 1e-3}),
    "m2_alpha46_vaebn_clfwarmup": ("m2", {**PLAIN, "alpha": A46, "vae_batchnorm": True, "lr": 1e-3,
                                          "classifier_warmup": 0.5}),
    "m2_alpha46_vaebn_blocks": ("m2", {**PLAIN, "alpha": A46, "vae_batchnorm": True, "lr": 1e-3, "classifier_warmup": 0.5,
                                       "freeze_generative_after_warmup": True}),
    "m2_vaebn_alpha1000": ("m2", {**PLAIN, "alpha": 100000, "vae_batchnorm": True, "lr": 1e-3}),
    "m2_vaebn_alpha400_clfwarmup": ("m2", {**PLAIN, "alpha": 40000, "vae_batchnorm": True, "lr": 1e-3,
                                           "classifier_warmup": 0.3}),
    "m2_vaebn_clfwarmup": ("m2", {**PLAIN, "vae_batchnorm": True, "lr": 1e-3, "classifier_warmup": 0.5}),  # paper alpha
}


@functools.lru_cache(maxsize=1)
def mnist5k():
    """Each worker process loads the data once, not once per run."""
    return load_dataset("mnist-5k")


def run(job: tuple) -> dict:
    name, seed, epochs, classifier, threads = job
    torch.set_num_threads(threads)
    data = mnist5k()
    method, over = VARIANTS[name]
    over = dict(over)
    clf = classifier
    if over.pop("classifier_bn", True) is False:
        from vaessl_lib.models import ClassifierSpec
        clf = ClassifierSpec(classifier, batchnorm=False)
    split = split_labeled_unlabeled(data, N_LABELS, seed)
    t0, c0 = time.perf_counter(), time.process_time()
    res = train_method(method, data, N_LABELS, epochs=epochs, seed=seed, classifier=clf, device="cpu",
                       log=None, progress=False, split=split, **over)
    hist = res.history
    return {"variant": name, "method": method, "overrides": over, "classifier": classifier, "seed": seed,
            "epochs": epochs, "test_accuracy": res.test_accuracy, "val_accuracy": res.val_accuracy,
            "unlabeled_accuracy": hist.last.get("unlabeled_accuracy"),
            "val_curve": [round(a, 4) for a in hist.column("val_accuracy")],
            "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - c0, 1),
            "torch_threads": torch.get_num_threads()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", nargs="*", default=["supervised", "paper_alpha", "alpha46"])
    ap.add_argument("--seeds", nargs="*", type=int, default=[0])
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--classifier", default="mlp", choices=["linear", "mlp", "cnn"])
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "m2_ablation.jsonl"))
    ap.add_argument("--list", action="store_true", help="list the variants and exit")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per run")
    args = ap.parse_args()
    if args.list:
        for k, (m, o) in VARIANTS.items():
            print(f"{k:24s} {m:10s} {o}")
        return
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variants {unknown}; see --list")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    jobs = [(name, seed, args.epochs, args.classifier, args.threads) for name in args.variants for seed in args.seeds]
    accs: dict[str, list[float]] = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for row in pool.map(run, jobs):
            accs.setdefault(row["variant"], []).append(row["test_accuracy"])
            with open(args.out, "a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(f"  {row['variant']} seed {row['seed']}: val {row['val_accuracy']:.4f} "
                  f"test {row['test_accuracy']:.4f} ({row['wall_s']}s)", flush=True)
    print(f"\n| variant | overrides | classifier | epochs | test accuracy |\n|---|---|---|---|---|")
    for name, a in accs.items():
        sd = statistics.stdev(a) if len(a) > 1 else 0.0
        print(f"| {name} | {VARIANTS[name][1]} | {args.classifier} | {args.epochs} | "
              f"{100 * statistics.mean(a):.1f} ± {100 * sd:.1f} (n={len(a)}) |", flush=True)


if __name__ == "__main__":
    main()
