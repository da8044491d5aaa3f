"""``python -m vaessl_lib sample``: images from a shipped (or your own) generative model.

Used in Chapter 3 (samples of the VAE), Chapter 4 (the DDPM) and Chapter 6
(conditional generation, "give me a 4")::

    python -m vaessl_lib sample --model vae --n 64 --out vae.png
    python -m vaessl_lib sample --model cvae --label 4 --n 16 --out fours.npy
    python -m vaessl_lib sample --model ddpm --label 7 --guidance 2 --out sevens.pt

``.png`` writes one image grid; ``.pt`` and ``.npy`` write a float tensor of
shape (N, 1, 28, 28) with values in [0, 1].  Conditional models without
``--label`` cycle through the classes (0, 1, ..., 9, 0, ...).  Mistakes get a
one-line ``error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch

from .argtypes import real_number, whole_number
from .errors import VaesslError
from .outputs import check_output_file
from .runtime import DEVICES, check_seed, progress_bar, resolve_device

SAMPLE_MODELS = ("vae", "vae2d", "cvae", "m2", "m1m2", "ddpm")
MODEL_CLASS = {"vae": "VAE", "vae2d": "VAE", "cvae": "CVAE", "m2": "M2", "m1m2": "M1M2", "ddpm": "DDPM"}
FORMATS = (".png", ".pt", ".npy")
DEFAULT_GUIDANCE = 2.0  # classifier-free guidance weight w for the DDPM
MAX_IMAGES = 100_000    # 100,000 images of 28 x 28 float32 are 314 MB in memory
MAX_PNG_IMAGES = 10_000  # a grid of more is an image no viewer shows usefully
CHUNK = 256             # images drawn at once: memory stays flat, and the progress bar moves


def add_sample_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``sample`` subcommand to ``subparsers`` (from :func:`vaessl_lib.cli.build_parser`)."""
    sp = subparsers.add_parser("sample", help="generate images with a VAE, CVAE, M2 or DDPM",
                               description="Generate N images and write them as a .png grid or a .pt/.npy "
                                           "tensor (N, 1, 28, 28) in [0, 1].")
    sp.add_argument("--model", required=True, choices=SAMPLE_MODELS,
                    help="vae / vae2d (unconditional VAEs, Chapter 3), cvae (all labels), m2 or m1m2 (100 labels) "
                         "(Chapter 6), ddpm (class-conditional diffusion, Chapter 4)")
    sp.add_argument("--label", type=whole_number, default=None, metavar="K",
                    help="class to generate (conditional models only; default: cycle through the classes)")
    sp.add_argument("--n", type=whole_number, default=10, metavar="N", help="number of images (default: 10)")
    sp.add_argument("--out", required=True, metavar="FILE", help="output file: .png, .pt or .npy")
    sp.add_argument("--checkpoint", default=None, metavar="PATH",
                    help="a checkpoint of the same kind of model (default: the one shipped with vaessl_lib)")
    sp.add_argument("--seed", type=whole_number, default=0, metavar="S", help="random seed (default: 0)")
    sp.add_argument("--guidance", type=real_number, default=None, metavar="G",
                    help=f"ddpm only: classifier-free guidance weight w >= 0 (default: {DEFAULT_GUIDANCE})")
    sp.add_argument("--device", default="cpu", choices=DEVICES, help="cpu (default), auto, cuda or mps")
    return sp


def check_args(args: argparse.Namespace) -> str:
    """Validate everything that can be checked before loading a model; returns the output suffix."""
    suffix = Path(args.out).suffix.lower()
    if suffix not in FORMATS:
        raise VaesslError(f"cannot write {args.out!r}: the output must end in {', '.join(FORMATS)}")
    check_output_file(args.out)              # a path that cannot be written: one line before any sampling
    if args.n > MAX_IMAGES:
        raise VaesslError(f"--n {args.n} is more than {MAX_IMAGES:,} images ({MAX_IMAGES * 784 * 4 / 1e6:.0f} MB); "
                          f"draw several files of at most {MAX_IMAGES:,}")
    if suffix == ".png" and args.n > MAX_PNG_IMAGES:
        raise VaesslError(f"--n {args.n} is too many images for one .png grid (at most {MAX_PNG_IMAGES:,}); "
                          f"write .pt or .npy instead")
    if args.n <= 0:
        raise VaesslError(f"--n must be at least 1, got {args.n}")
    if args.label is not None and args.model in ("vae", "vae2d"):
        raise VaesslError(f"--label needs a conditional model (cvae, m2, m1m2 or ddpm); {args.model} is unconditional")
    if args.guidance is not None and args.model != "ddpm":
        raise VaesslError("--guidance applies to --model ddpm only")
    if args.guidance is not None and not math.isfinite(args.guidance):
        raise VaesslError(f"--guidance must be a finite number, got {args.guidance}")
    if args.guidance is not None and args.guidance < 0:
        raise VaesslError(f"--guidance must be 0 or more, got {args.guidance}")
    check_seed(args.seed, "--seed")
    return suffix


def load_model(kind: str, checkpoint: str | None, device: str = "cpu"):
    """The shipped model ``kind``, or the checkpoint at ``checkpoint`` if it holds that kind of model."""
    from .checkpoints import load_checkpoint
    from .pretrained import load_pretrained

    if checkpoint is None:
        return load_pretrained(kind, device)
    model = load_checkpoint(checkpoint, device)
    if type(model).__name__ != MODEL_CLASS[kind]:
        raise VaesslError(f"checkpoint {checkpoint} holds a {type(model).__name__}, not a "
                          f"{MODEL_CLASS[kind]} (--model {kind})")
    return model


def generate(model, kind: str, n: int, label: int | None = None, seed: int = 0,
             guidance: float | None = None) -> torch.Tensor:
    """``n`` images (n, 1, 28, 28) in [0, 1] from ``model``; the labels are ``label`` or 0..K-1 repeated."""
    gen = torch.Generator().manual_seed(check_seed(seed))
    k = getattr(model, "num_classes", 0)
    if kind not in ("vae", "vae2d") and label is not None and not 0 <= label < k:
        raise VaesslError(f"--label must be a class in 0..{k - 1}, got {label}")
    y = None if kind in ("vae", "vae2d") else (
        torch.full((n,), label, dtype=torch.long) if label is not None else torch.arange(n) % k)
    w = DEFAULT_GUIDANCE if guidance is None else guidance

    def draw(start: int, size: int) -> torch.Tensor:
        if kind in ("vae", "vae2d"):
            return model.sample(size, generator=gen)
        if kind == "ddpm":
            return model.sample(size, y[start:start + size], w, generator=gen)
        return model.generate(y[start:start + size], torch.randn(size, model.config.latent, generator=gen))

    if n <= CHUNK:                                  # one draw, as always: the same images for the same seed
        return draw(0, n)
    chunks = []                                     # in chunks: flat memory, and a bar for the slow DDPM
    bar = progress_bar(n, f"sampling {kind}", unit="image", leave=False)
    for start in range(0, n, CHUNK):
        chunks.append(draw(start, min(CHUNK, n - start)).cpu())
        bar.update(len(chunks[-1]))
    bar.close()
    return torch.cat(chunks)


def write_images(images: torch.Tensor, out: str | Path, nrow: int = 10) -> Path:
    """Write ``images`` (N, 1, 28, 28) in [0, 1] as a .png grid, a .pt tensor or a .npy array."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise VaesslError(f"cannot write {str(out)!r}: the output must end in {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    images = images.detach().cpu().float().clamp(0, 1)
    if suffix == ".png":
        from torchvision.utils import save_image

        save_image(images, out, nrow=nrow, padding=2, pad_value=1.0)
    elif suffix == ".pt":
        torch.save(images, out)
    else:
        np.save(out, images.numpy())
    return out


def run_sample(args: argparse.Namespace) -> int:
    """The ``sample`` subcommand: validate, load, generate, write, print one summary line."""
    check_args(args)
    model = load_model(args.model, args.checkpoint, str(resolve_device(args.device)))
    start = time.perf_counter()
    images = generate(model, args.model, args.n, args.label, args.seed, args.guidance)
    seconds = time.perf_counter() - start
    nrow = min(args.n, 10) if args.label is not None or args.model in ("vae", "vae2d") else getattr(model, "num_classes", 10)
    path = write_images(images, args.out, nrow=nrow)
    what = "" if args.model in ("vae", "vae2d") else (
        f", label {args.label}" if args.label is not None else ", labels 0..9 cycled")
    print(f"wrote {path}: {len(images)} images {tuple(images.shape[1:])} from {args.model}{what} "
          f"({seconds:.1f}s)")
    return 0
