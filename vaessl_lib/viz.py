"""Plotting helpers used by every notebook (matplotlib + ``torchvision.utils.make_grid``)."""

from __future__ import annotations

from typing import Mapping, Sequence

import torch


def image_grid(images: torch.Tensor, nrow: int = 10, ax=None, title: str | None = None):
    """Show images (N, 1, 28, 28) in [0, 1] as one grid; returns the matplotlib axes."""
    import matplotlib.pyplot as plt
    from torchvision.utils import make_grid

    grid = make_grid(images.detach().cpu().reshape(-1, 1, 28, 28), nrow=nrow, padding=2, pad_value=1.0)
    if ax is None:
        _, ax = plt.subplots(figsize=(nrow * 0.6, max(1, (len(images) + nrow - 1) // nrow) * 0.6 + 0.4))
    ax.imshow(grid[0].numpy(), cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def labelled_images(images: torch.Tensor, labels: Sequence, ncols: int = 10, colors: Sequence[str] | None = None):
    """Images with a caption under each (e.g. predicted labels, red where wrong)."""
    import matplotlib.pyplot as plt

    n = len(images)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 0.9, nrows * 1.1), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i].reshape(28, 28).cpu().numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(str(labels[i]), fontsize=9, color=(colors[i] if colors else "black"))
    fig.tight_layout()
    return fig


def plot_histories(histories: Mapping[str, Sequence[Mapping]], key: str = "test_accuracy", ax=None,
                   anchors: Mapping[str, float] | None = None, ylabel: str | None = None):
    """One line per run of ``key`` against the epoch; optional horizontal anchor lines."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8))
    for name, hist in histories.items():
        ax.plot([r["epoch"] for r in hist], [r[key] for r in hist], marker="o", ms=2.5, label=name)
    for name, value in (anchors or {}).items():
        ax.axhline(value, ls="--", lw=0.8, color="gray")
        ax.annotate(name, (0.01, value), xycoords=("axes fraction", "data"), fontsize=8, color="gray",
                    va="bottom")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or key.replace("_", " "))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def class_grid(model, z: torch.Tensor | None = None, columns: int = 8, seed: int = 0):
    """Conditional generation: one row per class, the same z down each column (style held fixed)."""
    k = model.num_classes
    if z is None:
        z = torch.randn(columns, model.config.latent, generator=torch.Generator().manual_seed(seed))
    ys = torch.arange(k).repeat_interleave(len(z))
    images = model.generate(ys, z.repeat(k, 1))
    return image_grid(images, nrow=len(z))
