"""M2's training speed on full MNIST beside Pyro's SS-VAE example and the machine's matrix-product bound.

Issue 13, item 1: an epoch of ``m2`` should be at least 2x faster per unlabelled image than Pyro's
``examples/vae/ss_vae_M2.py`` and within 1.5x of the GEMM bound.  One run measures, on one thread
each and side by side (alternating, best of ``--repeats``):

* **the bound**: the matrix-product FLOPs of one ``m2`` training step (64 labelled + 128 unlabelled
  images, forward and backward, counted by ``torch.utils.flop_counter``) divided by the rate of a
  1280x500x784 matrix product (the decoder's output layer over 128 images x 10 labels) on this machine;
* **ours**: one epoch of ``vaessl_lib``'s ``m2`` (defaults, full MNIST, 100 labels, seed 0, the
  classifier warm-up off so that every step does the whole work), through the library's one
  training loop; seconds per unlabelled image;
* **Pyro**: one epoch of its example with the tutorial's settings (``--aux-loss -alm 46 -enum parallel
  -zd 50 -hl 500 -lr 0.00042 -b1 0.95``) at 100 labels (``-sup 100 -bs 100``), its own code unchanged
  (its ``visdom`` import is answered by a stub, its data loader pointed at the same MNIST files).

    git clone https://github.com/pyro-ppl/pyro /tmp/pyro            # any checkout of pyro-ppl/pyro
    python benchmarks/m2_speed.py --pyro /tmp/pyro/examples/vae
    python benchmarks/m2_speed.py --pyro /tmp/pyro/examples/vae pyro-accuracy --epochs 50

``pyro-accuracy`` runs Pyro's example to the end (50 epochs, about an hour on one thread) and records
its validation and test accuracy per epoch beside ours.  Results: ``benchmarks/results/m2_speed.txt``
and ``benchmarks/results/pyro_m2.jsonl``; full MNIST from ``$VAESSL_DATA`` (or a download).
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"
IDX = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
PYRO_SETTINGS = dict(aux_loss=True, aux_loss_multiplier=46.0, enum_discrete="parallel", sup_num=100, z_dim=50,
                     hidden_layers=[500], learning_rate=0.00042, beta_1=0.95, batch_size=100, seed=0, cuda=False,
                     jit=False, visualize=False)


def cpu_name() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name"))
    except (OSError, StopIteration):
        import platform
        return platform.processor() or platform.machine()


# ---------------------------------------------------------------------------------------------- the bound
def gemm_rate(m: int = 1280, k: int = 500, n: int = 784, reps: int = 20, rounds: int = 5) -> float:
    """FLOP/s of an (m x k) @ (k x n) product in float32 on this thread, best of ``rounds``."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = min(best, (time.perf_counter() - start) / reps)
    return 2 * m * k * n / best


def step_flops(split) -> float:
    """Matrix-product FLOPs of one m2 training step (forward and backward) at the default batch sizes."""
    from torch.utils.flop_counter import FlopCounterMode

    from vaessl_lib.methods import get_method
    from vaessl_lib.models.base import Batch

    method = get_method("m2")
    model = method.build(split, None, {"classifier_warmup": 0.0}).train()
    b_l, b_u = method.train_defaults["batch_labeled"], method.train_defaults["batch_unlabeled"]
    batch = Batch(split.x_labeled[:b_l], split.y_labeled[:b_l], split.x_unlabeled[:b_u], None)
    with FlopCounterMode(display=False) as counter:
        model.training_loss(batch, None)["loss"].backward()
    return float(counter.get_total_flops())


# ---------------------------------------------------------------------------------------------- ours
def time_ours(split) -> dict:
    """One epoch of m2 through vaessl_lib's training loop; the classifier warm-up off (every step full)."""
    from vaessl_lib import train_method

    result = train_method("m2", split=split, epochs=1, seed=0, device="cpu", log=None, progress=False,
                          score_test=False, eval_unlabeled=False, classifier_warmup=0.0)
    row = result.history[0]
    return {"seconds": row["seconds"], "images": len(split.x_unlabeled), "steps": row["steps"]}


# ---------------------------------------------------------------------------------------------- Pyro
def load_pyro(example: Path, mnist_raw: Path, work: Path) -> types.ModuleType:
    """Pyro's ss_vae_M2 module, unchanged, with a stub for its visdom import and its MNIST read from
    ``mnist_raw`` (linked into ``work``; nothing is written into the checkout)."""
    if not (example / "ss_vae_M2.py").is_file():
        raise SystemExit(f"--pyro {example}: no ss_vae_M2.py there; pass the examples/vae folder of a pyro-ppl/pyro "
                         f"checkout (git clone https://github.com/pyro-ppl/pyro)")
    raw = work / "MNISTCached" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in IDX:
        src = mnist_raw / name
        if not src.is_file():
            raise SystemExit(f"{src} is missing: Pyro's loader needs the four uncompressed MNIST idx files")
        if not (raw / name).exists():
            (raw / name).symlink_to(src)
    sys.modules.setdefault("visdom", types.SimpleNamespace(Visdom=None))   # only used with --visualize
    os.environ.pop("CI", None)              # Pyro's data helper reads ~/.data when CI is set
    sys.path.insert(0, str(example))
    spec = importlib.util.spec_from_file_location("pyro_ss_vae_M2", example / "ss_vae_M2.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "pyro":
            raise SystemExit("Pyro is not installed: pip install pyro-ppl") from None
        raise
    module.setup_data_loaders = functools.partial(module.setup_data_loaders, root=str(work))
    return module


def pyro_commit(example: Path, given: str | None = None) -> str:
    if given:
        return given
    try:
        return subprocess.run(["git", "-C", str(example), "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def run_pyro(module: types.ModuleType, epochs: int, logfile: Path | None = None,
             printed: list[str] | None = None) -> list[dict]:
    """Pyro's own ``main`` for ``epochs`` epochs, every epoch's inference timed (its accuracy passes are not);
    the lines it prints (one per epoch, then its summary) are appended to ``printed``."""
    timings: list[dict] = []
    inner = module.run_inference_for_epoch
    inner_print = module.print_and_log

    def keep(logger, msg):
        if printed is not None:
            printed.append(str(msg))
        inner_print(logger, msg)

    def timed(data_loaders, losses, periodic_interval_batches):
        start = time.perf_counter()
        out = inner(data_loaders, losses, periodic_interval_batches)
        timings.append({"seconds": time.perf_counter() - start, "images": len(data_loaders["unsup"].dataset)})
        return out

    module.run_inference_for_epoch, module.print_and_log = timed, keep
    module.MNISTCached.train_data_sup = None          # a fresh split on every call (the class caches it)
    args = argparse.Namespace(num_epochs=epochs, logfile=str(logfile) if logfile else None, **PYRO_SETTINGS)
    try:
        module.main(args)
    finally:
        module.run_inference_for_epoch, module.print_and_log = inner, inner_print
    return timings


# ---------------------------------------------------------------------------------------------- commands
def seconds(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.1f}" for r in runs)


def speed(args, split, pyro_module) -> None:
    torch.set_num_threads(1)
    lines = [f"# m2_speed: {cpu_name()}, {os.cpu_count()} cores, 1 thread per measurement, torch {torch.__version__}"
             f"{', pyro ' + __import__('pyro').__version__ if pyro_module else ''}; full MNIST, 100 labels, seed 0; "
             f"{time.strftime('%Y-%m-%d %H:%M')}"]
    flops = step_flops(split)
    ours, pyro_runs, rates = [], [], []
    for r in range(args.repeats):                      # alternate, so neither side gains from running second
        rates.append(gemm_rate())
        ours.append(time_ours(split))
        print(f"repeat {r + 1}: ours {ours[-1]['seconds']:.1f} s / epoch", flush=True)
        if pyro_module is not None:
            pyro_runs.append(run_pyro(pyro_module, 1)[0])
            print(f"repeat {r + 1}: Pyro {pyro_runs[-1]['seconds']:.1f} s / epoch", flush=True)
    rate = max(rates)
    best = min(ours, key=lambda o: o["seconds"])
    steps = best["steps"]
    bound = steps * flops / rate
    per_image = best["seconds"] / best["images"]
    lines += [f"GEMM 1280x500x784: {rate / 1e9:.1f} GFLOP/s (best of {args.repeats} x 5 rounds)",
              f"one m2 step (64 labelled + 128 unlabelled, forward + backward): {flops / 1e9:.2f} GFLOP of matrix "
              f"products; {steps} steps per epoch: bound {bound:.1f} s / epoch",
              f"ours (vaessl_lib m2): {best['seconds']:.1f} s / epoch over {best['images']} unlabelled images = "
              f"{1000 * per_image:.3f} ms / image (runs: {seconds(ours)} s)",
              f"ours / bound = {best['seconds'] / bound:.2f}"]
    if pyro_runs:
        p = min(pyro_runs, key=lambda o: o["seconds"])
        p_image = p["seconds"] / p["images"]
        lines += [f"Pyro ss_vae_M2.py (commit {pyro_commit(args.pyro, args.pyro_commit)}): {p['seconds']:.1f} s / epoch over "
                  f"{p['images']} unlabelled images = {1000 * p_image:.3f} ms / image "
                  f"(runs: {seconds(pyro_runs)} s)",
                  f"Pyro / ours per unlabelled image = {p_image / per_image:.2f}"]
    else:
        lines.append("Pyro: not measured (pass --pyro <pyro checkout>/examples/vae)")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n\n")
        print(f"appended to {args.out}")


def pyro_accuracy(args, split, pyro_module) -> None:
    if pyro_module is None:
        raise SystemExit("pyro-accuracy needs --pyro <pyro checkout>/examples/vae")
    torch.set_num_threads(1)
    log = RESULTS / "pyro_m2_seed0.log"
    start = time.perf_counter()
    printed: list[str] = []
    timings = run_pyro(pyro_module, args.epochs, log, printed)
    last = printed[-1] if printed else ""
    row = {"method": "pyro ss_vae_M2.py", "commit": pyro_commit(args.pyro, args.pyro_commit), "settings": PYRO_SETTINGS,
           "epochs": args.epochs, "wall_seconds": time.perf_counter() - start,
           "epoch_seconds": [t["seconds"] for t in timings], "final": last, "printed": printed, "cpu": cpu_name(),
           "threads": 1, "torch": torch.__version__, "pyro": __import__("pyro").__version__}
    with open(RESULTS / "pyro_m2.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    print(last)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", default="speed", choices=["speed", "pyro-accuracy"])
    ap.add_argument("--pyro", type=Path, help="the examples/vae folder of a pyro-ppl/pyro checkout")
    ap.add_argument("--pyro-commit", help="the pyro-ppl/pyro commit of --pyro when it is not a git checkout")
    ap.add_argument("--repeats", type=int, default=2, help="alternating measurements per side (best counts)")
    ap.add_argument("--epochs", type=int, default=50, help="pyro-accuracy: epochs (the tutorial's 50)")
    ap.add_argument("--out", type=Path, default=RESULTS / "m2_speed.txt", help="speed: file the report is appended to")
    args = ap.parse_args(argv)
    from vaessl_lib.data import default_root, load_dataset, split_labeled_unlabeled

    data = load_dataset("mnist")
    split = split_labeled_unlabeled(data, 100, 0)
    with tempfile.TemporaryDirectory() as work:
        module = load_pyro(args.pyro, default_root() / "MNIST" / "raw", Path(work)) if args.pyro else None
        (speed if args.command == "speed" else pyro_accuracy)(args, split, module)


if __name__ == "__main__":
    main()
