"""Markdown tables from the recorded benchmark results (the README's tables are pasted from here).

    python benchmarks/summarize.py
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def load(name: str) -> list[dict]:
    path = RESULTS / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def mean_std(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.1f} ± {sd:.1f}"


def accuracy_table(files: dict[str, str]) -> str:
    out = ["| dataset | method | q(y\\|x) | epochs | test accuracy % (mean ± std) | per seed | CPU min / run |",
           "|---|---|---|---|---|---|---|"]
    for label, name in files.items():
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for r in load(name):
            groups[(r["dataset"], r["method"], r["classifier"], r["epochs"])].append(r)
        for (dataset, method, clf, epochs), rs in groups.items():
            rs.sort(key=lambda r: r["seed"])
            accs = [100 * r["test_accuracy"] for r in rs]
            cpu = statistics.mean(r["cpu_s"] for r in rs) / 60
            out.append(f"| {dataset} | {method}{label} | {clf} | {epochs} | {mean_std(accs)} | "
                       f"{', '.join(f'{a:.1f}' for a in accs)} | {cpu:.1f} |")
    return "\n".join(out)


def ablation_table() -> str:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in load("m2_ablation.jsonl"):
        groups[(r["variant"], r["classifier"], r["epochs"])].append(r)
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from m2_ablation import PLAIN, VARIANTS

    out = ["| variant | settings (m2: on top of the plain recipe, no VAE batch-norm, no warm-up) | q(y\\|x) "
           "| epochs | test % (per seed) | best epoch % |",
           "|---|---|---|---|---|---|"]
    for (variant, clf, epochs), rs in groups.items():
        rs.sort(key=lambda r: r["seed"])
        accs = ", ".join(f"s{r['seed']}: {100 * r['test_accuracy']:.1f}" for r in rs)
        # (protocol 1 rows only: their best test epoch; later rows score the test set once)
        best = max((100 * r["best_test_accuracy"] for r in rs if "best_test_accuracy" in r), default=float("nan"))
        settings = ", ".join(f"{k}={v}" for k, v in VARIANTS[variant][1].items()
                             if not (k in PLAIN and v == PLAIN[k])) or "-"
        out.append(f"| {variant} | {settings} | {clf} | {epochs} | {accs} | {best:.1f} |")
    return "\n".join(out)


if __name__ == "__main__":
    print(accuracy_table({"": "accuracy_mnist-5k.jsonl",
                          " (no BN, no warm-up)": "accuracy_mnist-5k_m2-without-bn-warmup.jsonl"}))
    print()
    print(accuracy_table({"": "accuracy_fashion-mnist.jsonl",
                          " (no BN, no warm-up)": "accuracy_fashion-mnist_m2-without-bn-warmup.jsonl"}))
    print()
    print(ablation_table())
