r"""M1+M2, the stacked model of Kingma et al. (2014), Section 3.2 ("stacked generative semi-supervised model").

Introduced in Chapter 5, after M2.  Two models, trained one after the other:

* **M1**, a VAE (:class:`vaessl_lib.models.vae.VAE`) with latent code :math:`z_1`, is trained on every
  training image, labelled or not, with the ELBO of Chapter 3:
  :math:`q_\phi(z_1 \mid x)`, :math:`p_\theta(x \mid z_1)`, :math:`p(z_1) = \mathcal N(0, I)`.
* **M2** (:class:`vaessl_lib.models.m2.M2`) is then trained on M1's codes instead of on pixels, with a
  diagonal-Gaussian decoder :math:`p_\theta(z_1 \mid y, z_2)`, encoder :math:`q_\phi(z_2 \mid z_1, y)` and
  classifier :math:`q_\phi(y \mid z_1)`; its objective is eq. 6-9 with :math:`x` replaced by :math:`z_1`.
  M1 is held fixed.  M2 reads M1's posterior mean :math:`\mu_\phi(x)` (``features="mean"``, the default), or a
  fresh draw :math:`z_1 \sim q_\phi(z_1 \mid x)` at every step (``features="sample"``, as the paper trains it).
  Both defaults, the mean codes and M1's 100 epochs, were chosen on the validation set (full MNIST, 100 labels,
  seed 0: ``benchmarks/results/m1m2_search.md``).

The generative model is :math:`p(y)\,p(z_2)\,p_\theta(z_1 \mid y, z_2)\,p_\theta(x \mid z_1)`.  A prediction
goes image :math:`\to` M1's posterior mean :math:`\mu_\phi(x)` :math:`\to` M2's classifier; "give me a 4"
goes :math:`z_2 \sim \mathcal N(0, I)` :math:`\to` the mean of :math:`p_\theta(z_1 \mid y{=}4, z_2)`
:math:`\to` M1's decoder.  One checkpoint holds both models.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

import torch

from ..checks import MAX_LAYERS, MAX_WIDTH, whole
from ..errors import VaesslError
from ..losses import reparameterize
from .base import Batch, Classifies, TrainState
from .m2 import M2, M2Config
from .vae import VAE, VAEConfig, train_vae

FEATURES = ("sample", "mean")


def default_m1() -> VAEConfig:
    """The paper's M1: two hidden layers of 600 softplus units, a 50-dimensional :math:`z_1`."""
    return VAEConfig(latent=50, hidden=600, layers=2, activation="softplus")


@dataclass
class M1M2Config:
    """M1's sizes, M2's config (on M1's ``latent``-dimensional codes), how long M1 trains, and what M2 reads
    (``"mean"`` codes or ``"sample"`` draws, see the module's docstring)."""

    m1: VAEConfig = field(default_factory=default_m1)
    m2: M2Config = field(default_factory=lambda: M2Config(x_dim=50, likelihood="gaussian"))
    m1_epochs: int = 100
    features: str = "mean"

    def __post_init__(self) -> None:
        if isinstance(self.m1, dict):
            self.m1 = VAEConfig(**self.m1)
        if isinstance(self.m2, dict):
            self.m2 = M2Config(**self.m2)
        whole(self.m1.latent, "M1's latent size", 1, MAX_WIDTH)
        whole(self.m1.hidden, "M1's hidden width", 1, MAX_WIDTH)
        whole(self.m1.layers, "M1's number of hidden layers", 1, MAX_LAYERS)
        if self.m1.activation not in ("relu", "softplus", "elu"):
            raise VaesslError(f"M1's activation must be relu, softplus or elu, got {self.m1.activation!r}")
        if self.m2.x_dim != self.m1.latent or self.m2.likelihood != "gaussian":
            raise VaesslError(f"M1+M2's M2 models M1's {self.m1.latent}-dimensional codes: it needs "
                              f"x_dim={self.m1.latent} and likelihood='gaussian' (got x_dim={self.m2.x_dim}, "
                              f"likelihood={self.m2.likelihood!r})")
        whole(self.m1_epochs, "M1's epochs", 1, 100_000)
        if self.features not in FEATURES:
            raise VaesslError(f"features must be one of {FEATURES}, got {self.features!r}")

    @property
    def num_classes(self) -> int:
        return self.m2.num_classes

    @property
    def latent(self) -> int:
        """The size of M2's :math:`z_2`, the style code that conditional generation draws."""
        return self.m2.latent

    def to_dict(self) -> dict:
        return asdict(self)


class M1M2(Classifies):
    """M1 (a VAE on pixels) below M2 (on M1's codes); M1 is trained first and then held fixed."""

    uses_unlabeled = True
    decoder_passes = 2      # a generated image goes through M2's decoder, then M1's

    def __init__(self, config: M1M2Config | None = None) -> None:
        super().__init__()
        self.config = config or M1M2Config()
        self.num_classes = self.config.num_classes
        self.m1 = VAE(self.config.m1)
        self.m2 = M2(self.config.m2)
        # saved with the weights (and in a resumable run's state), so a loaded model is not trained again
        self.register_buffer("m1_trained", torch.zeros((), dtype=torch.bool))

    # ------------------------------------------------------------------ M1: images -> codes
    @torch.no_grad()
    def codes(self, x: torch.Tensor, sample: bool = False) -> torch.Tensor:
        r"""M1's code of each image: a draw :math:`z_1 = \mu + \sigma \odot \epsilon` from :math:`q_\phi(z_1 \mid x)`
        (``sample``) or its mean :math:`\mu_\phi(x)`; shape (B, latent).  No gradient reaches M1."""
        mu, logvar = self.m1.encode(x)
        return reparameterize(mu, logvar) if sample else mu

    def pretrain_m1(self, x: torch.Tensor, seed: int = 0, progress: bool = True,
                    log: Callable[[str], None] | None = print) -> list[dict]:
        """Train M1 on the images ``x`` (every training image, labelled or not) with the VAE's loop of
        Chapter 3 (:func:`vaessl_lib.models.vae.train_vae`), for ``m1_epochs``; then M1 stays fixed."""
        history = train_vae(self.m1, x, epochs=self.config.m1_epochs, seed=seed, progress=progress)
        self.m1_trained.fill_(True)
        if log:
            log(f"M1 trained on {len(x):,} images for {len(history)} epochs: negative ELBO "
                f"{history[-1]['loss']:.1f} nats")
        return history

    # ------------------------------------------------------------------ M2 on the codes
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """q(y | mu(x)): M2's classifier on M1's posterior mean, shape (B, K)."""
        return self.m2.logits(self.codes(x))

    def training_loss(self, batch: Batch, state: TrainState | None = None) -> dict[str, torch.Tensor]:
        r"""M2's eq. 8-9 (:meth:`vaessl_lib.models.m2.M2.training_loss`) on M1's codes of both batches."""
        if not bool(self.m1_trained):
            raise VaesslError("M1+M2 trains M2 on M1's codes: train M1 first (model.pretrain_m1(images), "
                              "which train_method('m1m2', ...) does before the first epoch)")
        sample = self.config.features == "sample"
        x_u = None if batch.x_unlabeled is None else self.codes(batch.x_unlabeled, sample)
        return self.m2.training_loss(Batch(self.codes(batch.x_labeled, sample), batch.y_labeled, x_u,
                                           batch.idx_unlabeled), state)

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(self, y: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        r"""Conditional generation: :math:`z_2 \sim \mathcal N(0, I)` (unless given), :math:`z_1` the mean of
        :math:`p_\theta(z_1 \mid y, z_2)`, images :math:`\pi_\theta(z_1)` from M1's decoder, (B, 1, 28, 28)."""
        # M2.generate puts M2 (batch-norm) in eval mode itself; M1 has no batch-norm or dropout
        return self.m1.decode(self.m2.generate(y, z)).cpu()


def _register() -> None:
    from ..checkpoints import register_model

    register_model(M1M2, M1M2Config)


_register()
