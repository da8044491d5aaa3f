"""Draw the figures of Chapters 3, 4 and 6 from the shipped checkpoints into ``book/figures/``.

    python tools/make_chapter_figures.py            # all figures, one CPU thread, about a minute

Every figure uses the models of :mod:`vaessl_lib.pretrained` (``vae``, ``vae2d``,
``cvae``, ``m2``, ``ddpm``) and the test digits of full MNIST (``$VAESSL_DATA`` or
``--data-root``, else downloaded), with fixed seeds, so
re-running the script redraws the same pictures.  The chapters include the PNGs
with MyST ``{figure}`` directives; the notebooks of the chapters draw the same
plots live.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from vaessl_lib import load_dataset, load_pretrained, viz  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "book" / "figures"
SEED = 0
DPI = 110


def gen() -> torch.Generator:
    return torch.Generator().manual_seed(SEED)


def save(fig, name: str) -> None:
    path = OUT / name
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path.relative_to(ROOT)}")


def ch03(data) -> None:
    vae, vae2d = load_pretrained("vae"), load_pretrained("vae2d")

    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    n = 2_000                                             # the notebook plots the same first 2,000
    viz.latent_scatter(vae2d, data.x_test[:n], data.y_test[:n], ax=axes[0])
    axes[0].set_title(f"posterior means $\\mu(x)$ of {n:,} test digits")
    viz.latent_manifold(vae2d, n=15, ax=axes[1])
    fig.tight_layout()
    save(fig, "ch03_latent_space.png")

    x = data.x_test[torch.cat([torch.nonzero(data.y_test == d)[:1, 0] for d in range(10)])]
    fig, axes = plt.subplots(3, 1, figsize=(6.5, 2.7))
    viz.image_grid(x, nrow=10, ax=axes[0], title="test digits")
    viz.image_grid(vae.reconstruct(x), nrow=10, ax=axes[1], title="their reconstructions (vae, 16-D)")
    viz.image_grid(vae.sample(10, generator=gen()), nrow=10, ax=axes[2],
                   title="new digits: decoded $z \\sim \\mathcal{N}(0, I)$")
    for ax in axes:
        ax.title.set_fontsize(9)
    fig.tight_layout()
    save(fig, "ch03_reconstructions_samples.png")


def ch04(data) -> None:
    ddpm, vae, cvae = load_pretrained("ddpm"), load_pretrained("vae"), load_pretrained("cvae")

    fig, axes = plt.subplots(2, 1, figsize=(7, 3.6), gridspec_kw=dict(height_ratios=[1, 2]))
    viz.forward_noising_strip(ddpm, data.x_test[0], ax=axes[0])
    viz.reverse_sampling_strip(ddpm, labels=[2, 7], steps=9, seed=SEED, ax=axes[1])
    fig.tight_layout()
    save(fig, "ch04_forward_reverse.png")

    digits = torch.arange(10)
    samples = {
        "VAE, $z \\sim \\mathcal{N}(0, I)$": vae.sample(10, generator=gen()),
        "CVAE, digits 0-9": cvae.generate(digits, generator=gen()),
        "DDPM $w=0$, digits 0-9": ddpm.generate(digits, guidance=0.0, generator=gen()),
        "DDPM $w=2$, digits 0-9": ddpm.generate(digits, guidance=2.0, generator=gen()),
    }
    fig = viz.side_by_side_samples(samples, nrow=5)
    save(fig, "ch04_vae_vs_ddpm.png")


def ch06(data) -> None:
    cvae, m2 = load_pretrained("cvae"), load_pretrained("m2")
    fig, axes = plt.subplots(1, 2, figsize=(11, 6))
    for ax, (name, model) in zip(axes, [("CVAE, all 50,000 labels", cvae), ("M2, 100 labels", m2)]):
        z = torch.randn(8, model.config.latent, generator=gen())
        viz.image_grid(model.generate(torch.arange(10).repeat_interleave(len(z)), z.repeat(10, 1)),
                       nrow=len(z), ax=ax, title=name)
    fig.tight_layout()
    save(fig, "ch06_class_grids.png")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", choices=["ch03", "ch04", "ch06"], default=["ch03", "ch04", "ch06"])
    ap.add_argument("--data-root", default=None, help="folder holding MNIST/raw (default: $VAESSL_DATA)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    data = load_dataset("mnist", root=args.data_root, verbose=False)
    for name in args.only:
        {"ch03": ch03, "ch04": ch04, "ch06": ch06}[name](data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
