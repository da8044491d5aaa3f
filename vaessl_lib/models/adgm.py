r"""Auxiliary deep generative models (Maaløe et al. 2016): M2 with an auxiliary latent variable *a*.

Introduced in Chapter 5 (where the VAE line goes next).  M2's classifier :math:`q(y\mid x)` only sees
the pixels; the auxiliary variable gives the variational distribution a richer family,
:math:`q(a, y, z \mid x) = q(a\mid x)\,q(y\mid a, x)\,q(z\mid a, x, y)`, and the classifier
:math:`q(y \mid a, x)` reads both the image and a sample of :math:`a`.  Two generative models:

* **ADGM** (``skip=False``): :math:`p(x, y, z, a) = p(a\mid x, y, z)\,p(x\mid y, z)\,p(y)\,p(z)`:
  the images are generated as in M2, and *a* is only there to enlarge :math:`q`;
* **SDGM** (skip deep generative model, ``skip=True``): :math:`p(x, y, z, a) = p(x\mid a, y, z)\,
  p(a\mid y, z)\,p(y)\,p(z)`: *a* becomes a second stochastic layer of the generator, with a skip
  connection from (y, z) to x.

With :math:`p(z) = \mathcal N(0, I)`, :math:`p(y) = 1/K`, Gaussian :math:`p(a\mid\cdot)`, :math:`q(a\mid x)`,
:math:`q(z\mid\cdot)` and a Bernoulli :math:`p(x\mid\cdot)`, the bounds (Maaløe et al. 2016, eq. 7-9;
written as losses, as :mod:`vaessl_lib.models.m2` writes Kingma et al.'s) are, for a labelled pair

.. math::
    \mathcal L(x, y) = \mathbb E_{q(a|x)\,q(z|a,x,y)}\big[-\log p(x\mid\cdot) - \log p(a\mid\cdot) - \log p(y)
    - \log p(z) + \log q(z\mid a,x,y) + \log q(a\mid x)\big] \ \ge\ -\log p(x, y)

and for an unlabelled image, with the sum over every label in one batched pass as in M2,

.. math::
    \mathcal U(x) = \mathbb E_{q(a|x)}\Big[\sum_y q(y\mid a,x)\,\ell(x, y, a) - \mathcal H\big(q(y\mid a,x)\big)
    + \log q(a\mid x)\Big] \ \ge\ -\log p(x)

where :math:`\ell(x,y,a)` is :math:`\mathcal L` without its :math:`\log q(a|x)` term and with *a* fixed.
The objective adds the classification loss on the labelled pairs, as eq. 9 of Kingma et al.:
:math:`\mathcal J^\alpha = \sum_l \mathcal L + \sum_u \mathcal U + \alpha\,\mathbb E_{\tilde p_l}
\mathbb E_{q(a|x)}[-\log q(y\mid a, x)]`.  One sample of *a* per image and of *z* per (image, label);
the KL of :math:`q(z|\cdot)` from :math:`p(z)` in closed form, that of :math:`q(a|x)` from
:math:`p(a|\cdot)` by its one-sample estimate :math:`\log q(a|x) - \log p(a|\cdot)`.  Predictions use the
mean of :math:`q(a\mid x)`: :math:`\hat y = \arg\max_y q(y \mid \mathbb E_q[a], x)`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import MAX_LAYERS, MAX_WIDTH, training_fractions, whole
from ..errors import VaesslError
from ..losses import bernoulli_nll, categorical_entropy, gaussian_nll, kl_standard_normal, log_uniform_prior
from .base import Batch, Classifies, TrainState, evaluating
from .cvae import hidden_stack

ACTIVATIONS = ("relu", "softplus", "elu")


@dataclass
class ADGMConfig:
    """Every switch of the auxiliary DGM; saved in checkpoints.  The defaults are the paper's networks for
    MNIST (two hidden layers of 500 units in every network, a and z of 100 dimensions, batch-norm); the
    three weights multiply the batch-averaged labelled bound, classification loss and unlabelled bound
    (eq. 9's, from :func:`vaessl_lib.models.m2.paper_weights`).  ``kl_warmup`` and ``classifier_warmup``
    are M2's (:class:`vaessl_lib.models.m2.M2Config`): the KL weight's ramp, and the share of training
    during which the unlabelled bound weighs its labels by q(y|a,x) without training q(y|a,x) through it."""

    num_classes: int = 10
    skip: bool = False
    hidden: int = 500
    layers: int = 2
    latent: int = 100
    aux: int = 100
    activation: str = "relu"
    batchnorm: bool = True
    labeled_weight: float = 1.0
    classification_weight: float = 1.0
    unlabeled_weight: float = 1.0
    alpha: float | None = None    # the paper's alpha, recorded when the weights came from it
    kl_warmup: float = 0.0
    classifier_warmup: float = 0.0
    x_dim: int = 784

    def __post_init__(self) -> None:
        whole(self.num_classes, "the number of classes", 2, MAX_WIDTH)
        whole(self.hidden, "the auxiliary DGM's hidden width", 1, MAX_WIDTH)
        whole(self.layers, "the auxiliary DGM's number of hidden layers", 1, MAX_LAYERS)
        whole(self.latent, "the size of z", 1, MAX_WIDTH)
        whole(self.aux, "the size of the auxiliary variable a", 1, MAX_WIDTH)
        whole(self.x_dim, "the input size", 1, MAX_WIDTH)
        if self.activation not in ACTIVATIONS:
            raise VaesslError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        training_fractions(self, "kl_warmup", "classifier_warmup")

    def to_dict(self) -> dict:
        return asdict(self)


class LabelNet(nn.Module):
    r"""An MLP whose input is [per-image blocks, per-row blocks, one-hot y], with a fast path for all labels.

    Its first layer is linear in the concatenation, :math:`W[u; v; y] + b = W_u u + W_v v + W_y y + b`, so
    for the K copies of an image (one per label) the per-image part :math:`W_u u` is computed once and the
    label part is one column of :math:`W_y` per class (as :meth:`vaessl_lib.models.cvae.Encoder.forward_all_labels`).
    """

    def __init__(self, image_dim: int, row_dim: int, k: int, hidden: int, layers: int, out: int,
                 act: str, batchnorm: bool) -> None:
        super().__init__()
        self.image_dim, self.row_dim, self.k = image_dim, row_dim, k
        self.body = hidden_stack(image_dim + row_dim + k, hidden, layers, act, batchnorm)
        self.head = nn.Linear(hidden, out)

    def forward(self, image: torch.Tensor | None, row: torch.Tensor | None = None,
                y: torch.Tensor | None = None) -> torch.Tensor:
        """One output per row, for rows with their own label ``y`` (N,) (none for a network without one)."""
        parts = [p for p in (image, row) if p is not None]
        if self.k:
            parts.append(F.one_hot(y, self.k).to(self.head.weight.dtype))
        return self.head(self.body(parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)))

    def all_labels(self, image: torch.Tensor | None, row: torch.Tensor | None, b: int) -> torch.Tensor:
        """Outputs for every (label, image) pair, K*B rows class-major (all of y=0 first); ``image`` holds
        B rows (one per image), ``row`` K*B rows."""
        first: nn.Linear = self.body[0]
        w_image, w_row, w_y = first.weight.split([self.image_dim, self.row_dim, self.k], dim=1)
        h = w_y.t().unsqueeze(1) + first.bias                                   # (K, 1, H): the label part
        if image is not None:
            h = h + F.linear(image, w_image).unsqueeze(0)                       # (K, B, H), W_u u once per image
        h = h.expand(self.k, b, -1)
        if row is not None:
            h = h + F.linear(row, w_row).reshape(self.k, b, -1)
        return self.head(self.body[1:](h.reshape(self.k * b, -1)))


def _gaussian(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, log-variance) from a network's output; the log-variance clamped to [-12, 8] as in M2's encoder."""
    mu, logvar = out.chunk(2, dim=-1)
    return mu, logvar.clamp(-12.0, 8.0)


class ADGM(Classifies):
    """The auxiliary (``skip=False``) or skip (``skip=True``) deep generative model of Maaløe et al. (2016)."""

    uses_unlabeled = True

    def __init__(self, config: ADGMConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or ADGMConfig()
        self.num_classes = k = c.num_classes
        net = dict(hidden=c.hidden, layers=c.layers, act=c.activation, batchnorm=c.batchnorm)
        self.q_a = LabelNet(c.x_dim, 0, 0, out=2 * c.aux, **net)                        # q(a | x)
        self.q_y = LabelNet(c.x_dim + c.aux, 0, 0, out=k, **net)                        # q(y | a, x)
        self.q_z = LabelNet(c.x_dim + c.aux, 0, k, out=2 * c.latent, **net)             # q(z | a, x, y)
        if c.skip:
            self.p_a = LabelNet(0, c.latent, k, out=2 * c.aux, **net)                   # p(a | y, z)
            self.p_x = LabelNet(c.aux, c.latent, k, out=c.x_dim, **net)                 # p(x | a, y, z)
        else:
            self.p_a = LabelNet(c.x_dim, c.latent, k, out=2 * c.aux, **net)             # p(a | x, y, z)
            self.p_x = LabelNet(0, c.latent, k, out=c.x_dim, **net)                     # p(x | y, z)

    # ------------------------------------------------------------------ pieces
    def _q_a(self, x_flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return _gaussian(self.q_a(x_flat))

    def _q_y_logits(self, x_flat: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        return self.q_y(torch.cat([x_flat, a], dim=-1))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """q(y | a, x) at the mean of q(a | x), shape (B, K)."""
        x_flat = x.reshape(len(x), -1)
        mu_a, _ = self._q_a(x_flat)
        return self._q_y_logits(x_flat, mu_a)

    def kl_weight(self, state: TrainState | None) -> float:
        """KL warm-up: the weight on both KL terms rises linearly to 1 over ``kl_warmup`` of training."""
        w = self.config.kl_warmup
        return 1.0 if state is None or w <= 0 else min(1.0, state.progress / w)

    def sample_a(self, x_flat: torch.Tensor, noise: torch.Tensor | None = None
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        r""":math:`a \sim q(a\mid x)` by reparameterisation, and :math:`\log q(a\mid x)` (B,)."""
        mu, logvar = self._q_a(x_flat)
        eps = torch.randn_like(mu) if noise is None else noise
        a = mu + torch.exp(0.5 * logvar) * eps
        return a, -gaussian_nll(mu, logvar, a)

    def _terms(self, x_flat: torch.Tensor, a: torch.Tensor, z_mu: torch.Tensor, z_logvar: torch.Tensor,
               x_logits_fn, p_a_fn, z_noise: torch.Tensor | None, kl_weight: float) -> dict[str, torch.Tensor]:
        """:math:`\\ell(x, y, a)` for rows of (image, label): reconstruction, the two KL terms, their sum."""
        eps = torch.randn_like(z_mu) if z_noise is None else z_noise
        z = z_mu + torch.exp(0.5 * z_logvar) * eps
        recon = bernoulli_nll(x_logits_fn(z), x_flat).reshape(-1)                       # -log p(x | .)
        pa_mu, pa_logvar = _gaussian(p_a_fn(z))
        nll_a = gaussian_nll(pa_mu, pa_logvar, a).reshape(-1)                          # -log p(a | .)
        kl_z = kl_standard_normal(z_mu, z_logvar)                                      # KL(q(z|a,x,y) || p(z))
        log_py = log_uniform_prior(self.num_classes)
        return {"recon": recon, "kl_z": kl_z, "nll_a": nll_a,
                "ell": recon + kl_weight * (kl_z + nll_a) - log_py}

    def labeled_terms(self, x: torch.Tensor, y: torch.Tensor, state: TrainState | None = None,
                      a_noise: torch.Tensor | None = None, z_noise: torch.Tensor | None = None
                      ) -> dict[str, torch.Tensor]:
        """:math:`\\mathcal L(x, y)` and the classification loss :math:`-\\log q(y|a,x)`, per example."""
        x_flat = x.reshape(len(x), -1)
        w = self.kl_weight(state)
        a, log_qa = self.sample_a(x_flat, a_noise)
        xa = torch.cat([x_flat, a], dim=-1)
        z_mu, z_logvar = _gaussian(self.q_z(xa, None, y))
        skip = self.config.skip
        terms = self._terms(
            x_flat, a, z_mu, z_logvar,
            lambda z: self.p_x(a if skip else None, z, y),
            lambda z: self.p_a(None if skip else x_flat, z, y), z_noise, w)
        terms["neg_elbo"] = terms["ell"] + w * log_qa
        terms["ce"] = F.cross_entropy(self._q_y_logits(x_flat, a), y, reduction="none")
        return terms

    def unlabeled_terms(self, x: torch.Tensor, state: TrainState | None = None,
                        a_noise: torch.Tensor | None = None, z_noise: torch.Tensor | None = None
                        ) -> dict[str, torch.Tensor]:
        """:math:`\\mathcal U(x)` per image, every label in one batched pass (K*B rows, class-major).

        ``a_noise`` (B, aux) and ``z_noise`` (K, B, latent) fix the reparameterisation noise."""
        b, k = len(x), self.num_classes
        x_flat = x.reshape(b, -1)
        w = self.kl_weight(state)
        a, log_qa = self.sample_a(x_flat, a_noise)
        logits = self._q_y_logits(x_flat, a)                                            # q(y | a, x), (B, K)
        z_mu, z_logvar = _gaussian(self.q_z.all_labels(torch.cat([x_flat, a], dim=-1), None, b))
        skip = self.config.skip
        x_rep = x_flat.unsqueeze(0).expand(k, b, -1)                                   # views, no copies
        a_rep = a.unsqueeze(0).expand(k, b, -1)
        rows = self._terms(
            x_rep, a_rep, z_mu, z_logvar,
            lambda z: self.p_x.all_labels(a if skip else None, z, b).reshape(k, b, -1),
            lambda z: self.p_a.all_labels(None if skip else x_flat, z, b).reshape(k, b, -1),
            None if z_noise is None else z_noise.reshape(k * b, -1), w)
        if state is not None and state.progress < self.config.classifier_warmup:
            logits = logits.detach()               # the warm-up: q(y|a,x) weighs the bound, learns nothing from it
        q = torch.softmax(logits, dim=-1)
        entropy = categorical_entropy(logits)
        expected = (q * rows["ell"].reshape(k, b).t()).sum(-1)                         # sum_y q(y|a,x) l(x,y,a)
        return {"U": expected - entropy + w * log_qa, "entropy": entropy,
                "recon": (q * rows["recon"].reshape(k, b).t()).sum(-1),
                "kl_z": (q * rows["kl_z"].reshape(k, b).t()).sum(-1), "log_qa": log_qa}

    # ------------------------------------------------------------------ training
    def training_loss(self, batch: Batch, state: TrainState | None = None) -> dict[str, torch.Tensor]:
        r""":math:`\mathcal J^\alpha` on one step's batches, as batch means with eq. 9's weights:
        :math:`w_l\,\overline{\mathcal L} + w_c\,\overline{-\log q(y_l|a,x_l)} + w_u\,\overline{\mathcal U}`."""
        c = self.config
        lab = self.labeled_terms(batch.x_labeled, batch.y_labeled, state)
        out = {"labeled_neg_elbo": lab["neg_elbo"].mean(), "ce": lab["ce"].mean()}
        loss = c.labeled_weight * out["labeled_neg_elbo"] + c.classification_weight * out["ce"]
        if batch.x_unlabeled is not None and c.unlabeled_weight:
            unl = self.unlabeled_terms(batch.x_unlabeled, state)
            out.update(U=unl["U"].mean(), entropy=unl["entropy"].mean(), unlabeled_recon=unl["recon"].mean())
            loss = loss + c.unlabeled_weight * out["U"]
        out["loss"] = loss
        return out

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(self, y: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """Images of the asked-for classes: z ~ N(0, I) unless given; for the SDGM a ~ p(a | y, z) first;
        the Bernoulli means of p(x | ...), shape (N, 1, 28, 28)."""
        y = torch.as_tensor(y, dtype=torch.long, device=self.device).reshape(-1)
        if y.numel() and (y.min() < 0 or y.max() >= self.num_classes):
            raise VaesslError(f"labels must be in 0..{self.num_classes - 1}")
        z = torch.randn(len(y), self.config.latent, device=self.device) if z is None else z.to(self.device)
        with evaluating(self):
            if self.config.skip:
                mu, logvar = _gaussian(self.p_a(None, z, y))
                a = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
                out = self.p_x(a, z, y)
            else:
                out = self.p_x(None, z, y)
        return torch.sigmoid(out).reshape(-1, 1, 28, 28).cpu()


def _register() -> None:
    from ..checkpoints import register_model

    register_model(ADGM, ADGMConfig)


_register()
