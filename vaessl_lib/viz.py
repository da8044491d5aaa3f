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


def plot_histories(histories: Mapping[str, Sequence[Mapping]], key: str = "val_accuracy", ax=None,
                   anchors: Mapping[str, float] | None = None, ylabel: str | None = None):
    """One line per run of ``key`` (by default the validation accuracy, logged every epoch) against the
    epoch; optional horizontal anchor lines."""
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
    ax.set_ylabel(ylabel or key.replace("val_", "validation_").replace("_", " "))
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


# --------------------------------------------------------------------------- Chapters 3, 4 and 6: generative models
def latent_scatter(model, x: torch.Tensor, y: torch.Tensor, ax=None, max_points: int = 2000,
                   class_names: Sequence[str] | None = None):
    """Chapter 3: the posterior means mu(x) of a VAE, coloured by class.

    A 2-D latent is drawn as is; a larger one is projected on its first two
    principal components (the axes say which).  Returns the axes.
    """
    import matplotlib.pyplot as plt

    x, y = x[:max_points], torch.as_tensor(y)[:max_points].cpu()
    with torch.no_grad():
        mu = model.encode(x)[0].cpu()
    xlabel, ylabel = "$z_1$", "$z_2$"
    if mu.shape[1] > 2:
        mu = mu - mu.mean(0)
        _, _, v = torch.pca_lowrank(mu, q=2, center=False)
        mu, xlabel, ylabel = mu @ v, "PC 1 of $\\mu(x)$", "PC 2 of $\\mu(x)$"
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.8))
    cmap = plt.get_cmap("tab10")
    for k in torch.unique(y).tolist():
        pts = mu[y == k]
        ax.scatter(pts[:, 0], pts[:, 1], s=4, alpha=0.7, color=cmap(k % 10),
                   label=class_names[k] if class_names else str(k))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(markerscale=3, fontsize=8, loc="best", ncol=2)
    return ax


def latent_manifold(model, n: int = 15, ax=None, quantile: float = 0.05):
    """Chapter 3: decode an n x n grid of z covering the prior N(0, I) of a 2-D VAE (Kingma & Welling, fig. 4).

    The grid points are the normal quantiles from ``quantile`` to ``1 - quantile``
    on each axis (z_1 left to right, z_2 bottom to top).
    """
    if model.config.latent != 2:
        from .errors import VaesslError

        raise VaesslError(f"the manifold needs a 2-D latent space; this VAE has {model.config.latent} dimensions")
    q = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(quantile, 1 - quantile, n))
    z2, z1 = torch.meshgrid(q.flip(0), q, indexing="ij")        # rows: z_2 from top (high) to bottom
    with torch.no_grad():
        images = model.decode(torch.stack([z1.flatten(), z2.flatten()], 1)).cpu()
    return image_grid(images, nrow=n, ax=ax, title="decoded grid of $z$ (2-D latent)")


def interpolation_strip(model, x1: torch.Tensor, x2: torch.Tensor, steps: int = 10, ax=None):
    """Chapter 3: decode the straight line between the latent means of two images."""
    return image_grid(model.interpolate(x1, x2, steps), nrow=steps, ax=ax,
                      title="$z = (1-s)\\,\\mu(x_1) + s\\,\\mu(x_2)$")


def _strip_ticks(ax, labels: Sequence[str], nrow: int) -> None:
    ax.set_axis_on()
    ax.set_xticks([2 + 30 * i + 14 for i in range(nrow)][:len(labels)])
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)


def forward_noising_strip(ddpm, x0: torch.Tensor, times: Sequence[int] | None = None, ax=None, seed: int = 0):
    """Chapter 4: :math:`x_t` of the forward process for one image at several t (one noise draw, eq. 4)."""
    T = ddpm.timesteps
    times = list(times) if times is not None else [0, T // 16, T // 8, T // 4, T // 2, 3 * T // 4, T - 1]
    x0 = x0.reshape(1, 1, 28, 28).to(ddpm.device) * 2 - 1
    noise = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(seed)).to(ddpm.device)
    with torch.no_grad():
        xt = torch.cat([ddpm.q_sample(x0, torch.tensor([t], device=ddpm.device), noise) for t in times])
    ax = image_grid(((xt.clamp(-1, 1) + 1) / 2).cpu(), nrow=len(times), ax=ax,
                    title="forward process $q(x_t\\mid x_0)$")
    _strip_ticks(ax, [f"t={t + 1}" for t in times], len(times))
    return ax


def reverse_sampling_strip(ddpm, labels: Sequence[int] | int | None = None, n: int = 1, steps: int = 9,
                           guidance: float = 0.0, seed: int = 0, ax=None):
    """Chapter 4: the reverse chain from noise (t = T) to an image (t = 0), one row per sample."""
    if isinstance(labels, int):
        labels = [labels] * n
    n = len(labels) if labels is not None else n
    _, chain, times = ddpm.sample(n, labels, guidance, torch.Generator().manual_seed(seed), return_steps=steps)
    images = chain.transpose(0, 1).reshape(-1, 1, 28, 28)           # (n * S): one row per sample
    ax = image_grid(images, nrow=len(times), ax=ax, title="reverse process $p_\\theta(x_{t-1}\\mid x_t)$")
    _strip_ticks(ax, [f"t={t}" for t in times], len(times))
    return ax


def side_by_side_samples(samples: Mapping[str, torch.Tensor], nrow: int = 10, cell: float = 0.45):
    """Chapters 3-6: one panel of samples per model (e.g. ``{"VAE": ..., "DDPM": ...}``); returns the figure."""
    import matplotlib.pyplot as plt

    rows = max((len(v) + nrow - 1) // nrow for v in samples.values())
    fig, axes = plt.subplots(1, len(samples), figsize=(len(samples) * nrow * cell + 0.3, rows * cell + 0.6),
                             squeeze=False)
    for ax, (name, images) in zip(axes[0], samples.items()):
        image_grid(images, nrow=nrow, ax=ax, title=name)
    fig.tight_layout()
    return fig
