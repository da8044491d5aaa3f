r"""The unsupervised VAE and the fully-labelled conditional VAE.

Introduced in Chapter 3 (VAE intuition: encoder, decoder, the two ELBO terms,
the latent space) and used again in Chapter 6 (conditional generation,
"give me a 4").  Both models are small MLPs with a Bernoulli likelihood; the
ELBO terms come from :mod:`vaessl_lib.losses`, the networks from
:mod:`vaessl_lib.models.cvae` (the unsupervised VAE is the same encoder and
decoder with an empty label vector).

* :class:`VAE`: :math:`q_\phi(z\mid x)`, :math:`p_\theta(x\mid z)`, prior :math:`p(z)=\mathcal N(0, I)`
* :class:`CVAE`: :math:`q_\phi(z\mid x, y)`, :math:`p_\theta(x\mid z, y)`, every label known
* :func:`train_vae`: a plain Adam loop over tensors that returns per-epoch ELBO terms
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import VaesslError
from ..losses import bernoulli_nll, kl_standard_normal, negative_elbo, reparameterize
from .base import as_images
from .cvae import Decoder, Encoder


@dataclass
class VAEConfig:
    """Sizes of the VAE: ``latent`` (2 gives a plottable latent space), ``hidden`` units per layer."""

    latent: int = 16
    hidden: int = 256
    layers: int = 1
    activation: str = "relu"

    def __post_init__(self) -> None:
        if self.latent < 1 or self.hidden < 1 or self.layers < 1:
            raise VaesslError("latent, hidden and layers must be positive")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class CVAEConfig(VAEConfig):
    """A :class:`VAEConfig` plus the number of classes the encoder and decoder are conditioned on."""

    num_classes: int = 10

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_classes < 2:
            raise VaesslError("a conditional VAE needs at least 2 classes")


class VAE(nn.Module):
    r"""Kingma & Welling (2014): :math:`q_\phi(z|x)=\mathcal N(\mu_\phi(x),\operatorname{diag}\sigma^2_\phi(x))`,
    :math:`p_\theta(x|z)=\operatorname{Bernoulli}(\operatorname{sigmoid} f_\theta(z))`."""

    num_classes: int = 0  # the label vector is empty: the same networks as the CVAE with y_dim = 0

    def __init__(self, config: VAEConfig | None = None) -> None:
        super().__init__()
        self.config = config or VAEConfig()
        c = self.config
        self.encoder = Encoder(784, self.num_classes, c.hidden, c.latent, c.layers, c.activation)
        self.decoder = Decoder(c.latent, self.num_classes, c.hidden, 784, c.layers, c.activation)

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def _onehot(self, y: torch.Tensor | None, n: int) -> torch.Tensor:
        if y is not None:
            raise VaesslError("the unsupervised VAE takes no labels; use the CVAE for conditional generation")
        return torch.zeros(n, 0, device=self.device)

    # ------------------------------------------------------------------ the two networks
    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        r"""The encoder :math:`q_\phi(z\mid x) = \mathcal N(\mu, \operatorname{diag}\,e^{\log\sigma^2})`: returns (mu, logvar)."""
        x_flat = x.reshape(len(x), -1).to(self.device)
        return self.encoder(x_flat, self._onehot(y, len(x)))

    def decoder_logits(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Logits :math:`f_\\theta(z)` of the Bernoulli decoder, shape (B, 784)."""
        return self.decoder(z.to(self.device), self._onehot(y, len(z)))

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r"""Pixel probabilities :math:`\pi = \operatorname{sigmoid}(f_\theta(z))` of :math:`p_\theta(x\mid z)`, (B, 1, 28, 28)."""
        return torch.sigmoid(self.decoder_logits(z, y)).reshape(-1, 1, 28, 28)

    # ------------------------------------------------------------------ the ELBO
    def elbo_terms(self, x: torch.Tensor, y: torch.Tensor | None = None,
                   reduction: str = "mean") -> dict[str, torch.Tensor]:
        r"""The two terms of the negative ELBO and their sum, one sample of z per image.

        .. math::
            -\mathrm{ELBO}(x) = \underbrace{-\mathbb E_{q(z|x)}[\log p(x\mid z)]}_{\texttt{reconstruction}}
            + \underbrace{\mathrm{KL}(q(z\mid x)\,\|\,\mathcal N(0, I))}_{\texttt{kl}} = \texttt{loss}

        ``reduction="mean"`` averages over the batch; ``"none"`` keeps one value per image.
        """
        x_flat = x.reshape(len(x), -1).to(self.device)
        mu, logvar = self.encode(x_flat, y)
        z = reparameterize(mu, logvar)                                  # z = mu + sigma * eps
        recon = bernoulli_nll(self.decoder_logits(z, y), x_flat)        # -log p(x | z[, y])
        kl = kl_standard_normal(mu, logvar)                             # KL(q(z|x[,y]) || p(z))
        terms = {"reconstruction": recon, "kl": kl, "loss": negative_elbo(recon, kl)}
        if reduction == "mean":
            return {k: v.mean() for k, v in terms.items()}
        if reduction != "none":
            raise VaesslError(f"reduction must be 'mean' or 'none', got {reduction!r}")
        return terms

    # ------------------------------------------------------------------ using it
    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        r""":math:`\hat x = \operatorname{sigmoid}(f_\theta(\mu_\phi(x)))`: decode the posterior mean, (N, 1, 28, 28)."""
        x = as_images(x)
        mu, _ = self.encode(x, y)
        return self.decode(mu, y).cpu()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""Ancestral sampling :math:`z\sim\mathcal N(0, I)`, images :math:`\pi_\theta(z)` (the decoder's mean)."""
        if n < 1:
            raise VaesslError(f"the number of samples must be at least 1, got {n}")
        z = torch.randn(n, self.config.latent, generator=generator)
        return self.decode(z).cpu()

    @torch.no_grad()
    def interpolate(self, x1: torch.Tensor, x2: torch.Tensor, steps: int = 10) -> torch.Tensor:
        r"""Decode :math:`z_s = (1-s)\,\mu_\phi(x_1) + s\,\mu_\phi(x_2)` for ``steps`` values of s in [0, 1]."""
        if steps < 2:
            raise VaesslError("interpolate needs at least 2 steps")
        x = torch.cat([as_images(torch.as_tensor(v).reshape(-1, 784), name)[:1] for v, name in ((x1, "x1"), (x2, "x2"))])
        mu, _ = self.encode(x)
        s = torch.linspace(0, 1, steps, device=mu.device).unsqueeze(1)
        return self.decode((1 - s) * mu[0] + s * mu[1]).cpu()


class CVAE(VAE):
    r"""Conditional VAE (Sohn et al. 2015) with every label known:
    :math:`q_\phi(z\mid x, y)`, :math:`p_\theta(x\mid z, y)`, :math:`z \perp y` under the prior."""

    def __init__(self, config: CVAEConfig | None = None) -> None:
        config = config or CVAEConfig()
        self.num_classes = config.num_classes
        super().__init__(config)

    def _onehot(self, y: torch.Tensor | None, n: int) -> torch.Tensor:
        if y is None:
            raise VaesslError("the CVAE needs the labels y (its encoder is q(z|x,y), its decoder p(x|z,y))")
        y = torch.as_tensor(y, dtype=torch.long, device=self.device).reshape(-1)
        if y.numel() and (y.min() < 0 or y.max() >= self.num_classes):
            raise VaesslError(f"labels must be in 0..{self.num_classes - 1}")
        if len(y) != n:
            raise VaesslError(f"got {len(y)} labels for {n} rows")
        return F.one_hot(y, self.num_classes).float()

    @torch.no_grad()
    def generate(self, y: torch.Tensor, z: torch.Tensor | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        r"""Conditional generation: :math:`z\sim\mathcal N(0,I)` (unless given), images :math:`\pi_\theta(z, y)`."""
        y = torch.as_tensor(y, dtype=torch.long).reshape(-1)
        if z is None:
            z = torch.randn(len(y), self.config.latent, generator=generator)
        return self.decode(z, y).cpu()

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` samples with labels drawn uniformly from the classes (the prior p(y))."""
        if n < 1:
            raise VaesslError(f"the number of samples must be at least 1, got {n}")
        return self.generate(torch.randint(0, self.num_classes, (n,), generator=generator), generator=generator)


def train_vae(model: VAE, x: torch.Tensor, epochs: int = 20, batch_size: int = 128, lr: float = 1e-3,
              seed: int = 0, labels: torch.Tensor | None = None, progress: bool = True) -> list[dict]:
    r"""Minimise the batch-averaged negative ELBO with Adam; returns one dict per epoch.

    Each record holds ``epoch``, the epoch's mean ``reconstruction``, ``kl`` and
    ``loss`` (:meth:`VAE.elbo_terms`) and ``seconds``.  ``labels`` are required
    for a :class:`CVAE` and refused for a :class:`VAE`.
    """
    from ..runtime import progress_bar

    x = as_images(x).to(model.device)
    if isinstance(model, CVAE) and labels is None:
        raise VaesslError("train_vae: a CVAE needs labels")
    if labels is not None:
        if not isinstance(model, CVAE):
            raise VaesslError("train_vae: labels are for a CVAE; the VAE is unsupervised")
        labels = torch.as_tensor(labels, dtype=torch.long, device=model.device)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history: list[dict] = []
    model.train()
    bar = progress_bar(epochs * -(-len(x) // batch_size), "vae", progress)
    for epoch in range(1, epochs + 1):
        start, sums, n = time.perf_counter(), {"reconstruction": 0.0, "kl": 0.0, "loss": 0.0}, 0
        for idx in torch.randperm(len(x), generator=gen).split(batch_size):
            idx = idx.to(model.device)
            terms = model.elbo_terms(x[idx], None if labels is None else labels[idx])
            opt.zero_grad(set_to_none=True)
            terms["loss"].backward()
            opt.step()
            for k in sums:
                sums[k] += float(terms[k].detach()) * len(idx)
            n += len(idx)
            bar.update(1)
        history.append({"epoch": epoch, **{k: v / n for k, v in sums.items()},
                        "seconds": time.perf_counter() - start})
        bar.set_postfix(loss=f"{history[-1]['loss']:.1f}")
    bar.close()
    model.eval()
    return history


def _register() -> None:
    from ..checkpoints import register_model

    register_model(VAE, VAEConfig)
    register_model(CVAE, CVAEConfig)


_register()
