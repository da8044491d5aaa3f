r"""The semi-supervised conditional VAE of Kingma et al. (2014), "M2".

Introduced in Chapter 5 (the full CVAE-SSL model).  Three networks:

* encoder :math:`q_\phi(z \mid x, y)` and decoder :math:`p_\theta(x \mid z, y)`
  (:mod:`vaessl_lib.models.cvae`),
* classifier :math:`q_\phi(y \mid x)` (:mod:`vaessl_lib.models.classifiers`).

The objective, equation by equation (paper numbering and sign convention: the bounds
are :math:`-\mathcal L` and :math:`-\mathcal U`, so :math:`\mathcal L`, :math:`\mathcal U`
and :math:`\mathcal J^\alpha` are losses, minimised):

* eq. 6, labelled bound :math:`\log p(x,y) \ge -\mathcal L(x,y)`: :meth:`M2.labeled_terms`
  :math:`\mathcal L(x,y) = -\mathbb E_{q(z|x,y)}[\log p(x|y,z) + \log p(y) + \log p(z) - \log q(z|x,y)]`
* eq. 7, unlabelled bound :math:`\log p(x) \ge -\mathcal U(x)`: :meth:`M2.unlabeled_terms`
  :math:`\mathcal U(x) = \sum_y q(y|x)\,\mathcal L(x,y) - \mathcal H(q(y|x))`,
  the sum over every label computed in one batched pass
* eq. 8-9, the whole objective with the classification term:
  :meth:`M2.training_loss` and :func:`paper_weights`
  :math:`\mathcal J^\alpha = \sum_{(x,y)\in\tilde p_l}\mathcal L(x,y) + \sum_{x\in\tilde p_u}\mathcal U(x)
  + \alpha\,\mathbb E_{\tilde p_l}[-\log q(y|x)]`

The lecture notes' recipe is the same class with different switches
(:data:`NOTES_CONFIG`): every defect the book fixes is one field of
:class:`M2Config`, not a rewrite.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

from ..checks import MAX_LAYERS, MAX_WIDTH, training_fractions, whole
from ..errors import VaesslError
from ..losses import (bernoulli_nll, categorical_entropy, gaussian_nll, kl_standard_normal, log_uniform_prior,
                      negative_elbo)
from .base import Batch, Classifies, TrainState, evaluating
from .classifiers import ClassifierSpec
from .cvae import Decoder, Encoder

ENTROPY_SIGNS = ("paper", "notes")
LIKELIHOODS = ("bernoulli", "gaussian")


@dataclass
class M2Config:
    """Every switch of the M2 model; saved in checkpoints.

    ``entropy``: ``"paper"`` gives eq. 7, :math:`\\mathcal U = E_q[-\\mathcal L] - \\mathcal H(q)`;
    ``"notes"`` gives the lecture notes' :math:`E_q[-\\mathcal L] + \\mathcal H(q)`.
    The three weights multiply the batch-averaged labelled bound, classification
    loss and unlabelled bound (see :func:`paper_weights` for the paper's values).
    ``kl_warmup`` is the fraction of training over which the KL weight rises from 0 to 1.
    ``classifier_warmup`` is the fraction of training during which the unlabelled bound
    treats q(y|x) as fixed weights (no gradient into the classifier), so the generative
    model first learns the classes from the classifier rather than the reverse.
    ``freeze_generative_after_warmup`` then trains only q(y|x) against the fixed generative
    model (block-coordinate descent on eq. 9), and ``classifier_restart`` re-initialises
    q(y|x) when the warm-up ends (see :class:`vaessl_lib.methods.m2.ClassifierRestart`).
    ``reduction`` is ``"mean"`` (average over the batch) or ``"sum"`` (sum over it).
    ``x_dim`` and ``likelihood`` say what M2 models: 784 binarisable pixels with a Bernoulli decoder
    (the M2 of the paper), or, inside M1+M2 (:mod:`vaessl_lib.models.m1m2`), M1's ``x_dim``-dimensional
    latent codes with a diagonal-Gaussian decoder.
    """

    num_classes: int = 10
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    hidden: int = 500
    latent: int = 50
    layers: int = 1
    activation: str = "softplus"
    vae_batchnorm: bool = False
    entropy: str = "paper"
    labeled_weight: float = 1.0
    classification_weight: float = 1.0
    unlabeled_weight: float = 1.0
    include_log_prior: bool = True
    kl_warmup: float = 0.0
    classifier_warmup: float = 0.0
    classifier_restart: bool = False
    freeze_generative_after_warmup: bool = False
    reduction: str = "mean"
    alpha: float | None = None  # the paper's alpha, recorded when the weights came from it
    pseudo_threshold: float | None = None  # m2-pseudo: CE on confident unlabelled examples (None: off)
    x_dim: int = 784
    likelihood: str = "bernoulli"

    def __post_init__(self) -> None:
        self.classifier = ClassifierSpec.of(self.classifier)
        if self.entropy not in ENTROPY_SIGNS:
            raise VaesslError(f"entropy must be one of {ENTROPY_SIGNS}, got {self.entropy!r}")
        if self.reduction not in ("mean", "sum"):
            raise VaesslError(f"reduction must be 'mean' or 'sum', got {self.reduction!r}")
        training_fractions(self, "kl_warmup", "classifier_warmup")
        whole(self.hidden, "M2's hidden width", 1, MAX_WIDTH)
        whole(self.latent, "M2's latent size", 1, MAX_WIDTH)
        whole(self.layers, "M2's number of hidden layers", 1, MAX_LAYERS)
        whole(self.x_dim, "M2's input size", 1, MAX_WIDTH)
        if self.likelihood not in LIKELIHOODS:
            raise VaesslError(f"likelihood must be one of {LIKELIHOODS}, got {self.likelihood!r}")
        if self.pseudo_threshold is not None and not 0.0 < self.pseudo_threshold < 1.0:
            raise VaesslError(f"pseudo_threshold is a confidence in (0, 1), got {self.pseudo_threshold!r} "
                              f"(e.g. 0.95), or None to switch pseudo-labels off")

    def to_dict(self) -> dict:
        return asdict(self)


def paper_weights(n_labeled: int, n_unlabeled: int, alpha: float | None = None) -> dict[str, float]:
    r"""Kingma et al. (2014), eq. 9, as per-step weights on batch averages.

    :math:`\mathcal J^\alpha` sums the labelled bound over :math:`N_l` examples,
    the unlabelled bound over :math:`N_u`, and adds :math:`\alpha` times the
    *average* classification loss.  Divided by :math:`N = N_l + N_u`, an unbiased
    minibatch estimate is

    .. math::
        \tfrac{N_l}{N}\,\overline{\mathcal L}_l + \tfrac{N_u}{N}\,\overline{\mathcal U}_u
        + \tfrac{\alpha}{N}\,\overline{\mathrm{CE}}_l, \qquad \alpha = 0.1\,N \text{ by default.}

    Per labelled example the classification loss then weighs :math:`\alpha / N_l`
    times its bound (4 with 100 labels in the 4,000-image ``mnist-5k`` pool,
    60 in full MNIST's 60,000, 50 in the paper's 50,000; Pyro's tuned M2 uses 46).
    """
    n = n_labeled + n_unlabeled
    alpha = 0.1 * n if alpha is None else float(alpha)
    if alpha < 0:
        raise VaesslError(f"alpha must be non-negative, got {alpha}")
    return {"labeled_weight": n_labeled / n, "unlabeled_weight": n_unlabeled / n,
            "classification_weight": alpha / n, "alpha": alpha}


class M2(Classifies):
    """The M2 model: encoder q(z|x,y), decoder p(x|z,y), classifier q(y|x)."""

    uses_unlabeled = True

    def __init__(self, config: M2Config | None = None) -> None:
        super().__init__()
        self.config = config or M2Config()
        c = self.config
        self.num_classes = c.num_classes
        self.classifier = c.classifier.build(c.num_classes, c.x_dim)
        self.encoder = Encoder(c.x_dim, c.num_classes, c.hidden, c.latent, c.layers, c.activation, c.vae_batchnorm)
        out = c.x_dim * (2 if c.likelihood == "gaussian" else 1)     # a Gaussian decoder gives a mean and a log-variance
        self.decoder = Decoder(c.latent, c.num_classes, c.hidden, out, c.layers, c.activation, c.vae_batchnorm)

    # ------------------------------------------------------------------ pieces
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Classifier logits of q(y|x), shape (B, K)."""
        return self.classifier(x)

    def _reduce(self, v: torch.Tensor) -> torch.Tensor:
        return v.mean() if self.config.reduction == "mean" else v.sum()

    def kl_weight(self, state: TrainState | None) -> float:
        """KL warm-up: the weight on the KL term rises linearly to 1 over ``kl_warmup`` of training."""
        w = self.config.kl_warmup
        if state is None or w <= 0:
            return 1.0
        return min(1.0, state.progress / w)

    def bound(self, x_flat: torch.Tensor, y: torch.Tensor, noise: torch.Tensor | None = None,
              kl_weight: float = 1.0, posterior: tuple[torch.Tensor, torch.Tensor] | None = None
              ) -> dict[str, torch.Tensor]:
        r"""Eq. 6 for rows of (x, y): returns ``recon`` :math:`-\log p(x|y,z)`, ``kl`` and ``neg_elbo``.

        ``x_flat`` is (N, D), or (K, B, D) for the same B images under K labels (a broadcast view, with
        ``posterior`` given); ``y`` holds integer labels, one per row; ``noise`` (same shape as z) fixes
        :math:`\epsilon` of the reparameterisation :math:`z=\mu+\sigma\epsilon`; ``posterior``
        passes q(z|x,y)'s (mu, logvar) when they were already computed.
        """
        y1 = F.one_hot(y, self.num_classes).to(x_flat.dtype)
        mu, logvar = self.encoder(x_flat, y1) if posterior is None else posterior
        eps = torch.randn_like(mu) if noise is None else noise
        z = mu + torch.exp(0.5 * logvar) * eps                         # reparameterisation trick
        out = self.decoder(z, y1)
        if x_flat.dim() == 3:        # (K, B, D): B images under each of K labels, class-major, never copied
            out = out.reshape(*x_flat.shape[:2], -1)
        recon = self.reconstruction_nll(out, x_flat).reshape(-1)       # -log p(x | y, z)
        kl = kl_standard_normal(mu, logvar)                            # KL(q(z|x,y) || p(z))
        log_py = log_uniform_prior(self.num_classes) if self.config.include_log_prior else 0.0
        return {"recon": recon, "kl": kl, "neg_elbo": negative_elbo(recon, kl, log_py, kl_weight)}

    def reconstruction_nll(self, out: torch.Tensor, x_flat: torch.Tensor) -> torch.Tensor:
        r""":math:`-\log p_\theta(x \mid y, z)` from the decoder's output: Bernoulli logits for pixels, or
        the mean and log-variance (clamped to [-12, 8], as the encoder's) of a diagonal Gaussian for features."""
        if self.config.likelihood == "bernoulli":
            return bernoulli_nll(out, x_flat)
        mean, logvar = out.chunk(2, dim=-1)
        return gaussian_nll(mean, logvar.clamp(-12.0, 8.0), x_flat)

    def labeled_terms(self, x: torch.Tensor, y: torch.Tensor, state: TrainState | None = None,
                      noise: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Eq. 6 and the classification loss for a labelled batch, per example."""
        x_flat = x.reshape(len(x), -1)
        terms = self.bound(x_flat, y, noise, self.kl_weight(state))
        terms["ce"] = self.classification_loss(x, y)
        return terms

    def classification_loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        r"""The classification term of eq. 9 per example: :math:`-\log q(y\mid x)`."""
        return F.cross_entropy(self.logits(x), y, reduction="none")

    def unlabeled_terms(self, x: torch.Tensor, state: TrainState | None = None,
                        noise: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        r"""Eq. 7 for an unlabelled batch, every class in **one batched pass**.

        The batch of B images is repeated K times (one copy per label), the
        encoder and decoder run once on the K·B rows, and the bound is read
        back as a (B, K) matrix:

        .. math::
            \mathcal U(x) = \sum_y q(y\mid x)\,\mathcal L(x,y) \mp \mathcal H(q(y\mid x))

        with ``-`` for the paper (``entropy="paper"``) and ``+`` for the notes.
        ``noise`` of shape (K, B, latent) fixes the reparameterisation noise.
        """
        b, k = len(x), self.num_classes
        x_flat = x.reshape(b, -1)
        x_rep = x_flat.unsqueeze(0).expand(k, b, x_flat.shape[1])              # a view: no copy of the images
        y_rep = torch.arange(k, device=x.device).repeat_interleave(b)           # 0..0, 1..1, ...
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.generative_frozen(state)):
            mu, logvar = self.encoder.forward_all_labels(x_flat, k)            # W_x x computed once per image
            rows = self.bound(x_rep, y_rep, None if noise is None else noise.reshape(k * b, -1),
                              self.kl_weight(state), posterior=(mu, logvar))
        neg_elbo = rows["neg_elbo"].reshape(k, b).t()                              # (B, K)
        return self._combine(self.logits(x), neg_elbo, rows["recon"].reshape(k, b).t(),
                             rows["kl"].reshape(k, b).t(), self.in_classifier_warmup(state))

    def in_classifier_warmup(self, state: TrainState | None) -> bool:
        return state is not None and state.progress < self.config.classifier_warmup

    def generative_frozen(self, state: TrainState | None) -> bool:
        """After the warm-up, optionally train only q(y|x) against the fixed generative model."""
        return (self.config.freeze_generative_after_warmup and state is not None
                and self.config.classifier_warmup > 0 and not self.in_classifier_warmup(state))

    def reset_classifier(self) -> None:
        """Re-initialise q(y|x) (used when the classifier warm-up ends with ``classifier_restart``)."""
        for module in self.classifier.modules():
            if module is not self.classifier and hasattr(module, "reset_parameters"):
                module.reset_parameters()

    def unlabeled_terms_loop(self, x: torch.Tensor, state: TrainState | None = None,
                             noise: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Eq. 7 as the lecture notes compute it: a Python loop over the K classes.

        Kept as the reference that :meth:`unlabeled_terms` is tested against and
        as the baseline of ``benchmarks/m2_throughput.py``.  With ``vae_batchnorm`` in
        training mode the two differ: batch-norm normalises over the K*B rows of the
        batched pass but over each label's B rows here (Chapter 5); in eval mode, or
        without batch-norm, they agree to float precision.
        """
        b = len(x)
        x_flat = x.reshape(b, -1)
        cols = []
        for c in range(self.num_classes):
            y = torch.full((b,), c, dtype=torch.long, device=x.device)
            cols.append(self.bound(x_flat, y, None if noise is None else noise[c], self.kl_weight(state)))
        stack = {key: torch.stack([col[key] for col in cols], dim=1) for key in ("neg_elbo", "recon", "kl")}
        return self._combine(self.logits(x), stack["neg_elbo"], stack["recon"], stack["kl"],
                             self.in_classifier_warmup(state))

    def _combine(self, logits: torch.Tensor, neg_elbo: torch.Tensor, recon: torch.Tensor,
                 kl: torch.Tensor, warmup: bool = False) -> dict[str, torch.Tensor]:
        if warmup:  # classifier warm-up: q(y|x) weighs the bound but receives no gradient from it
            logits = logits.detach()
        q = torch.softmax(logits, dim=-1)                                   # q(y|x), (B, K)
        entropy = categorical_entropy(logits)                               # H(q(y|x)), (B,)
        expected = (q * neg_elbo).sum(dim=-1)                               # sum_y q(y|x) L(x,y)
        sign = -1.0 if self.config.entropy == "paper" else 1.0
        return {"U": expected + sign * entropy, "expected_neg_elbo": expected, "entropy": entropy,
                "recon": (q * recon).sum(-1), "kl": (q * kl).sum(-1)}

    # ------------------------------------------------------------------ training
    def training_loss(self, batch: Batch, state: TrainState | None = None) -> dict[str, torch.Tensor]:
        r"""Eq. 8-9 on one step's batches; returns every term and their weighted sum ``loss``.

        .. math::
            \text{loss} = w_l\,\overline{\mathcal L(x_l,y_l)} + w_c\,\overline{-\log q(y_l|x_l)}
            + w_u\,\overline{\mathcal U(x_u)}
        """
        c = self.config
        if self.generative_frozen(state):
            lab = {"neg_elbo": torch.zeros(len(batch.y_labeled), device=batch.y_labeled.device),
                   "ce": self.classification_loss(batch.x_labeled, batch.y_labeled)}
        else:
            lab = self.labeled_terms(batch.x_labeled, batch.y_labeled, state)
        out = {
            "labeled_neg_elbo": self._reduce(lab["neg_elbo"]),
            "ce": self._reduce(lab["ce"]),
        }
        loss = c.labeled_weight * out["labeled_neg_elbo"] + c.classification_weight * out["ce"]
        if batch.x_unlabeled is not None and c.unlabeled_weight:
            unl = self.unlabeled_terms(batch.x_unlabeled, state)
            out["U"] = self._reduce(unl["U"])
            out["entropy"] = unl["entropy"].mean()
            out["unlabeled_recon"] = unl["recon"].mean()
            out["unlabeled_kl"] = unl["kl"].mean()
            loss = loss + c.unlabeled_weight * out["U"]
        if batch.x_unlabeled is not None and c.pseudo_threshold is not None:
            pseudo = self.pseudo_label_loss(batch.x_unlabeled)
            out["pseudo_ce"], out["pseudo_share"] = pseudo["pseudo_ce"], pseudo["pseudo_share"]
            loss = loss + c.classification_weight * out["pseudo_ce"]
        out["loss"] = loss
        return out

    def pseudo_label_loss(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        r"""The lecture notes' ``m2-pseudo`` term: the classification loss of an unlabelled example,
        counted only where the classifier is confident, with its own arg-max as the label.

        .. math:: \overline{[\max_y q(y|x_u) > \tau]\,\big(-\log q(\hat y_u \mid x_u)\big)}, \quad
                  \hat y_u = \arg\max_y q(y|x_u)

        (averaged over the whole unlabelled batch, so it weighs more as more examples pass
        the threshold; weighted like the labelled classification term).
        """
        from ..pseudo_labels import select_confident

        logits = self.logits(x)
        keep, labels = select_confident(torch.softmax(logits.detach(), -1), self.config.pseudo_threshold)
        ce = F.cross_entropy(logits, labels, reduction="none") * keep
        return {"pseudo_ce": self._reduce(ce), "pseudo_share": keep.float().mean()}

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(self, y: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        """Conditional generation ("give me a 4"): images p(x|z,y) with z ~ N(0, I) unless given."""
        y = torch.as_tensor(y, dtype=torch.long, device=self.device).reshape(-1)
        if y.numel() and (y.min() < 0 or y.max() >= self.num_classes):
            raise VaesslError(f"labels must be in 0..{self.num_classes - 1}")
        if z is None:
            z = torch.randn(len(y), self.config.latent, device=self.device)
        with evaluating(self):
            out = self.decoder(z.to(self.device), F.one_hot(y, self.num_classes).float())
        if self.config.likelihood == "gaussian":    # features, not images: the mean of p(x|z,y)
            return out.chunk(2, dim=-1)[0].cpu()
        return torch.sigmoid(out).reshape(-1, 1, 28, 28).cpu()


NOTES_CONFIG = dict(
    classifier=ClassifierSpec("linear"), hidden=400, latent=20, activation="relu", entropy="notes",
    labeled_weight=1.0, unlabeled_weight=0.1, classification_weight=1.0, include_log_prior=False,
)
"""The lecture notes' recipe: linear classifier on raw pixels, 400 hidden / 20 latent,
the entropy added with the wrong sign, weights 1 / 0.1 / 1.0 (labelled bound,
unlabelled bound, classification).  Trained with Adam 1e-3 on zipped loaders
(64 labelled / 128 unlabelled): see :mod:`vaessl_lib.methods`."""
