"""Conditional generation, measured: CVAE and M2 against the DDPM (Chapter 6).

For the shipped ``cvae`` (all 4,000 labels), ``m2`` (100 labels) and
``ddpm`` (class-conditional, without and with classifier-free guidance), ask
for ``--per-class`` images of every digit and report network evaluations per
image, seconds per image (one batch, CPU, one thread) and the share that the
shipped supervised CNN (``classifier``) reads as the requested digit.

    python benchmarks/generation.py [--per-class 10] [--guidance 2] [--out benchmarks/results/generation.txt]

The last line is ``ddpm_vs_cvae_seconds_ratio=<x>``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import torch

from vaessl_lib.compare import compare_generators, format_rows
from vaessl_lib.data import load_dataset
from vaessl_lib.pretrained import load_pretrained

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-class", type=int, default=10, help="images per digit and model (default 10)")
    ap.add_argument("--guidance", type=float, nargs="*", default=[2.0],
                    help="DDPM classifier-free guidance weights to add to w=0 (default: 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="also write the report to this file")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    clf = load_pretrained("classifier")
    data = load_dataset("mnist-5k", verbose=False)
    ref = clf.accuracy(data.x_test, data.y_test)
    models = {"cvae": load_pretrained("cvae"), "m2 (100 labels)": load_pretrained("m2")}
    guidance = {}
    ddpm = load_pretrained("ddpm")
    for w in [0.0, *args.guidance]:
        name = f"ddpm w={w:g}"
        models[name], guidance[name] = ddpm, w
    rows = compare_generators(models, clf, per_class=args.per_class, seed=args.seed, guidance=guidance)

    lines = [f"# python benchmarks/generation.py {' '.join(sys.argv[1:] if argv is None else argv)}".rstrip(),
             f"# {platform.machine()} CPU, torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
             f"{args.per_class} images per digit and model, seed {args.seed}; load average {os.getloadavg()[0]:.1f} "
             f"on {os.cpu_count()} cores (other jobs slow the seconds down)",
             f"# judge: shipped supervised CNN ('classifier'), {100 * ref:.1f}% on the 1,000 real mnist-5k "
             f"test digits", "", format_rows(rows), "", "per-class match (digits 0..9):"]
    lines += [f"  {r['model']:<18} {r['per_class_match']}" for r in rows]
    cvae_s = rows[0]["seconds_per_sample"]
    ddpm_s = next(r["seconds_per_sample"] for r in rows if r["model"] == "ddpm w=0")
    lines += ["", f"ddpm_vs_cvae_seconds_ratio={ddpm_s / cvae_s:.0f}"]
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
