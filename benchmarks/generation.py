"""Conditional generation, measured: CVAE, M2 and M1+M2 against the DDPM (Chapter 6).

For the shipped ``cvae`` (all 50,000 labels of full MNIST's training pool),
``m2`` and ``m1m2`` (100 labels) and ``ddpm`` (class-conditional, without and with
classifier-free guidance), ask for ``--per-class`` images of every digit
(``--ddpm-per-class`` for the slow DDPM) and report network evaluations per
image, seconds per image (one batch, CPU, one thread) and the share that the
shipped supervised CNN (``classifier``, trained apart from every generator)
reads as the requested digit.  The judge's own accuracy is measured on the
10,000 test digits of full MNIST (``$VAESSL_DATA`` or ``--data-root``, else
downloaded).

    python benchmarks/generation.py [--per-class 100] [--ddpm-per-class 20] [--guidance 2] [--out FILE]
    python benchmarks/generation.py --no-ddpm --out benchmarks/results/generation_vaes.txt    # seconds

The last line is ``ddpm_vs_cvae_seconds_ratio=<x>`` (not with ``--no-ddpm``).
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
    ap.add_argument("--per-class", type=int, default=100, help="images per digit, CVAE and M2 (default 100)")
    ap.add_argument("--ddpm-per-class", type=int, default=20, help="images per digit, each DDPM row (default 20)")
    ap.add_argument("--data-root", default=None, help="folder holding MNIST/raw (default: $VAESSL_DATA)")
    ap.add_argument("--guidance", type=float, nargs="*", default=[2.0],
                    help="DDPM classifier-free guidance weights to add to w=0 (default: 2)")
    ap.add_argument("--no-ddpm", action="store_true", help="the VAEs only (seconds instead of minutes)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="also write the report to this file")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    clf = load_pretrained("classifier")
    data = load_dataset("mnist", root=args.data_root, verbose=False)
    ref = clf.accuracy(data.x_test, data.y_test)
    models = {"cvae": load_pretrained("cvae"), "m2 (100 labels)": load_pretrained("m2"),
              "m1m2 (100 labels)": load_pretrained("m1m2")}
    guidance = {}
    ddpm = None if args.no_ddpm else load_pretrained("ddpm")
    for w in [] if args.no_ddpm else [0.0, *args.guidance]:
        name = f"ddpm w={w:g}"
        models[name], guidance[name] = ddpm, w
    counts = {name: args.ddpm_per_class if name in guidance else args.per_class for name in models}
    rows = compare_generators(models, clf, per_class=counts, seed=args.seed, guidance=guidance)

    lines = [f"# python benchmarks/generation.py {' '.join(sys.argv[1:] if argv is None else argv)}".rstrip(),
             f"# {platform.machine()} CPU, torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
             f"{args.per_class} images per digit (DDPM {args.ddpm_per_class}), seed {args.seed}; load average {os.getloadavg()[0]:.1f} "
             f"on {os.cpu_count()} cores (other jobs slow the seconds down)",
             f"# judge: shipped supervised CNN ('classifier'), {100 * ref:.2f}% on the {len(data.y_test):,} "
             f"test digits of full MNIST", "", format_rows(rows), "", "per-class match (digits 0..9):"]
    lines += [f"  {r['model']:<18} {r['per_class_match']}" for r in rows]
    if not args.no_ddpm:
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
