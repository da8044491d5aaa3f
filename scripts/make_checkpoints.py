"""Train the models shipped in ``vaessl_lib/weights/`` (Chapters 3, 4 and 6) and print what was written.

    python scripts/make_checkpoints.py                 # all of them (about an hour on one CPU thread)
    python scripts/make_checkpoints.py --only ddpm vae # just these
    python scripts/make_checkpoints.py --out /tmp/w    # somewhere else

Every model is trained on the 50,000-image training pool of full MNIST (the
training images outside the fixed validation set; full MNIST is downloaded, or
read from ``$VAESSL_DATA`` / ``--data-root``) with the settings in
:data:`vaessl_lib.pretrained.PRETRAINED`, on the CPU with one thread, and saved
in half precision.  The generative models and the judge see every image of the
pool with its label; ``m2`` and ``m1m2`` see 100 of the labels (the split of seed 0).  Each
checkpoint's ``extra`` records the command, data, seed, epochs, threads,
seconds and the validation and test accuracy of the classifiers.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from pathlib import Path

import torch

from vaessl_lib.data import SSLSplit, load_dataset, split_labeled_unlabeled
from vaessl_lib.methods import train_method
from vaessl_lib.models.ddpm import DDPM, DDPMConfig, train_ddpm
from vaessl_lib.models.vae import CVAE, VAE, CVAEConfig, VAEConfig, train_vae
from vaessl_lib.pretrained import PRETRAINED, SCRIPT, WEIGHTS_DIR, save_pretrained


def train_one(name: str, split: SSLSplit, progress: bool):
    """Train ``name`` as PRETRAINED describes on ``split``'s training pool; return (model, method,
    train_config, history, note)."""
    spec = PRETRAINED[name]
    seed, epochs = spec["seed"], spec["epochs"]
    torch.manual_seed(seed)
    x, y = split.training_pool()     # the whole pool, labelled or not, and its labels (supervised models)
    if name in ("vae", "vae2d", "cvae"):
        conditional = name == "cvae"
        model = CVAE(CVAEConfig(**spec["config"])) if conditional else VAE(VAEConfig(**spec["config"]))
        history = train_vae(model, x, epochs, spec["batch_size"], spec["lr"], seed,
                            labels=y if conditional else None, progress=progress)
        tc = dict(epochs=epochs, batch_size=spec["batch_size"], lr=spec["lr"], seed=seed, optimizer="adam")
        return model, name, tc, history, f"final negative ELBO {history[-1]['loss']:.1f} nats"
    if name == "ddpm":
        model = DDPM(DDPMConfig(**spec["config"]))
        history = train_ddpm(model, x, y, epochs, spec["batch_size"], spec["lr"], seed,
                             spec["ema_decay"], progress=progress)
        tc = dict(epochs=epochs, batch_size=spec["batch_size"], lr=spec["lr"], seed=seed, optimizer="adam",
                  lr_schedule="one-cycle cosine", ema_decay=spec["ema_decay"])
        note = (f"final eps-MSE {history[-1]['loss']:.4f}; trained for minutes on one CPU thread: "
                f"the digits are rough but recognisable, not a converged diffusion model")
        return model, name, tc, history, note
    method = name if name in ("m2", "m1m2") else "supervised"
    if name == "classifier":      # every label of the pool: an SSLSplit whose 'labelled' part is the pool
        split = dataclasses.replace(split, x_labeled=x, y_labeled=y, labeled_index=torch.cat(
            [split.labeled_index, split.unlabeled_index]), x_unlabeled=x[:0], y_unlabeled=y[:0],
            unlabeled_index=split.unlabeled_index[:0])
    result = train_method(method, split=split, epochs=epochs, seed=seed, device="cpu", log=None,
                          progress=progress, **({"classifier": "cnn"} if name == "classifier" else {}))
    note = (f"validation accuracy {result.val_accuracy:.4f} ({len(split.y_val):,} images), test accuracy "
            f"{result.test_accuracy:.4f} ({len(split.y_test):,} test digits)")
    return result.model, method, result.train_config.to_dict(), list(result.history), note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", choices=list(PRETRAINED), default=list(PRETRAINED), metavar="NAME",
                    help=f"which models to train ({', '.join(PRETRAINED)}; default: all)")
    ap.add_argument("--out", type=Path, default=WEIGHTS_DIR, help=f"folder for NAME.pt (default: {WEIGHTS_DIR})")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--dataset", default="mnist", choices=["mnist"], help=argparse.SUPPRESS)
    ap.add_argument("--data-root", default=None, help="folder holding MNIST/raw (default: $VAESSL_DATA, else download)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    ap_data = load_dataset(args.dataset, root=args.data_root, verbose=False)
    split = split_labeled_unlabeled(ap_data, 100, seed=0)
    command = " ".join([SCRIPT, *sys.argv[1:]]) if argv is None else " ".join([SCRIPT, *argv])
    for name in args.only:
        spec = PRETRAINED[name]
        start, cpu = time.perf_counter(), time.process_time()
        model, method, tc, history, note = train_one(name, split, not args.no_progress)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        extra = dict(name=name, command=command, data=spec["data"], dataset=args.dataset,
                     train_images=len(split.y_labeled) + len(split.y_unlabeled), labels=spec["labels"], seed=spec["seed"],
                     epochs=spec["epochs"], threads=args.threads, device="cpu",
                     seconds=round(wall, 1), cpu_seconds=round(cpu, 1), precision="float16",
                     torch=str(torch.__version__), machine=platform.machine(), note=note, summary=spec["summary"])
        path = save_pretrained(args.out / f"{name}.pt", model, method, tc, history, extra)
        params = sum(p.numel() for p in model.parameters())
        print(f"wrote {path}  ({path.stat().st_size / 1e6:.2f} MB, {params:,} parameters, {spec['epochs']} epochs, "
              f"seed {spec['seed']}, {wall:.0f}s wall / {cpu:.0f}s CPU)  {note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
