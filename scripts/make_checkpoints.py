"""Train the models shipped in ``vaessl_lib/weights/`` (Chapters 3, 4 and 6) and print what was written.

    python scripts/make_checkpoints.py                 # all of them (about 12 CPU minutes, 1 thread)
    python scripts/make_checkpoints.py --only ddpm vae # just these
    python scripts/make_checkpoints.py --out /tmp/w    # somewhere else

Every model is trained on the 4,000 training digits of ``mnist-5k`` with the
settings in :data:`vaessl_lib.pretrained.PRETRAINED`, on the CPU with one
thread, and saved in half precision.  Each checkpoint's ``extra`` records the
command, data, seed, epochs, threads and seconds.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch

from vaessl_lib.data import load_dataset
from vaessl_lib.methods import train_method
from vaessl_lib.models.ddpm import DDPM, DDPMConfig, train_ddpm
from vaessl_lib.models.vae import CVAE, VAE, CVAEConfig, VAEConfig, train_vae
from vaessl_lib.pretrained import PRETRAINED, SCRIPT, WEIGHTS_DIR, save_pretrained


def train_one(name: str, data, progress: bool):
    """Train ``name`` as PRETRAINED describes; return (model, method, train_config, history, note)."""
    spec = PRETRAINED[name]
    seed, epochs = spec["seed"], spec["epochs"]
    torch.manual_seed(seed)
    if name in ("vae", "vae2d", "cvae"):
        conditional = name == "cvae"
        model = CVAE(CVAEConfig(**spec["config"])) if conditional else VAE(VAEConfig(**spec["config"]))
        history = train_vae(model, data.x_train, epochs, spec["batch_size"], spec["lr"], seed,
                            labels=data.y_train if conditional else None, progress=progress)
        tc = dict(epochs=epochs, batch_size=spec["batch_size"], lr=spec["lr"], seed=seed, optimizer="adam")
        return model, name, tc, history, f"final negative ELBO {history[-1]['loss']:.1f} nats"
    if name == "ddpm":
        model = DDPM(DDPMConfig(**spec["config"]))
        history = train_ddpm(model, data.x_train, data.y_train, epochs, spec["batch_size"], spec["lr"], seed,
                             spec["ema_decay"], progress=progress)
        tc = dict(epochs=epochs, batch_size=spec["batch_size"], lr=spec["lr"], seed=seed, optimizer="adam",
                  lr_schedule="one-cycle cosine", ema_decay=spec["ema_decay"])
        note = (f"final eps-MSE {history[-1]['loss']:.4f}; trained for a few minutes on one CPU thread: "
                f"the digits are rough but recognisable, not a converged diffusion model")
        return model, name, tc, history, note
    method = "m2" if name == "m2" else "supervised"
    result = train_method(method, data, spec["labels"], epochs=epochs, seed=seed, device="cpu",
                          log=None, progress=progress, **({"classifier": "cnn"} if name == "classifier" else {}))
    note = f"test accuracy {result.test_accuracy:.4f} on the 1,000 mnist-5k test digits"
    return result.model, method, result.train_config.to_dict(), list(result.history), note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", choices=list(PRETRAINED), default=list(PRETRAINED), metavar="NAME",
                    help=f"which models to train ({', '.join(PRETRAINED)}; default: all)")
    ap.add_argument("--out", type=Path, default=WEIGHTS_DIR, help=f"folder for NAME.pt (default: {WEIGHTS_DIR})")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = load_dataset("mnist-5k", verbose=False)
    command = " ".join([SCRIPT, *sys.argv[1:]]) if argv is None else " ".join([SCRIPT, *argv])
    for name in args.only:
        spec = PRETRAINED[name]
        start, cpu = time.perf_counter(), time.process_time()
        model, method, tc, history, note = train_one(name, data, not args.no_progress)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        extra = dict(name=name, command=command, data=spec["data"], dataset="mnist-5k",
                     train_images=len(data.x_train), labels=spec["labels"], seed=spec["seed"],
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
