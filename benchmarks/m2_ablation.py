"""What makes the faithful M2 work on small data: one line per tried variant.

Each variant is the ``m2`` method (or ``supervised``) with a few overrides,
trained with 100 labels on ``mnist-5k`` for the given seeds; results are
appended as JSON lines to ``benchmarks/results/m2_ablation.jsonl`` and a
summary line per variant is printed.

    python benchmarks/m2_ablation.py --variants alpha46 alpha46_warmup --seeds 0 --epochs 50
    python benchmarks/m2_ablation.py --list
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from vaessl_lib import load_dataset, split_labeled_unlabeled, train_method

N_LABELS = 100
POOL = 4000

# name -> (method, overrides); alpha is the paper's alpha (per labelled example: alpha / 100)
VARIANTS: dict[str, tuple[str, dict]] = {
    "supervised": ("supervised", {}),
    "paper_alpha": ("m2", {}),                                        # alpha = 0.1 N = 400 (4 per label)
    "alpha46": ("m2", {"alpha": 46 * N_LABELS}),                      # Pyro's per-example weight
    "alpha200": ("m2", {"alpha": 200 * N_LABELS}),
    "alpha46_lr1e-3": ("m2", {"alpha": 46 * N_LABELS, "lr": 1e-3}),
    "alpha46_warmup": ("m2", {"alpha": 46 * N_LABELS, "kl_warmup": 0.3}),
    "alpha46_z10": ("m2", {"alpha": 46 * N_LABELS, "latent": 10}),
    "alpha46_z10_warmup": ("m2", {"alpha": 46 * N_LABELS, "latent": 10, "kl_warmup": 0.3}),
    "alpha46_bn": ("m2", {"alpha": 46 * N_LABELS, "vae_batchnorm": True}),
    "alpha46_2layers": ("m2", {"alpha": 46 * N_LABELS, "layers": 2}),
    "alpha46_b1_095": ("m2", {"alpha": 46 * N_LABELS, "beta1": 0.95, "lr": 4.2e-4}),
    "alpha46_nobn_clf": ("m2", {"alpha": 46 * N_LABELS, "classifier_bn": False}),
    "alpha46_z2": ("m2", {"alpha": 46 * N_LABELS, "latent": 2}),
    "alpha46_z5": ("m2", {"alpha": 46 * N_LABELS, "latent": 5}),
    "alpha46_z5_bs256": ("m2", {"alpha": 46 * N_LABELS, "latent": 5, "batch_unlabeled": 256}),
}


def run(name: str, seed: int, epochs: int, classifier: str, data) -> dict:
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
            "epochs": epochs, "test_accuracy": hist.last["test_accuracy"],
            "best_test_accuracy": max(hist.column("test_accuracy")),
            "unlabeled_accuracy": hist.last.get("unlabeled_accuracy"),
            "curve": [round(a, 4) for a in hist.column("test_accuracy")],
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
    args = ap.parse_args()
    if args.list:
        for k, (m, o) in VARIANTS.items():
            print(f"{k:24s} {m:10s} {o}")
        return
    data = load_dataset("mnist-5k")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    for name in args.variants:
        accs = []
        for seed in args.seeds:
            row = run(name, seed, args.epochs, args.classifier, data)
            accs.append(row["test_accuracy"])
            with open(args.out, "a") as fh:
                fh.write(json.dumps(row) + "\n")
            print(f"  {name} seed {seed}: test {row['test_accuracy']:.4f} (best {row['best_test_accuracy']:.4f}, "
                  f"{row['wall_s']}s)", flush=True)
        sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
        print(f"{name:24s} {args.classifier:6s} {args.epochs:3d} ep  "
              f"{100 * statistics.mean(accs):.1f} ± {100 * sd:.1f}", flush=True)


if __name__ == "__main__":
    main()
