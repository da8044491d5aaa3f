r"""The Ladder network (Rasmus et al. 2015), introduced in Chapter 2.

A fully connected encoder runs twice on the same batch: a *corrupted* pass
with Gaussian noise added at every layer (inputs included), and a *clean*
pass.  A top-down decoder, fed at each layer by a lateral connection from the
corrupted encoder, denoises the corrupted pass; its estimates must match the
clean pass layer by layer.  Layers are numbered l = 0 (the 784 pixels) .. L
(the class scores); with ``widths = (1000, 500, 250, 250, 250)``, L = 6.

Corrupted encoder (the clean one is the same with ``noise_std = 0``)::

    z~(0) = x + n(0)                                   n(l) ~ N(0, noise_std^2)
    z~(l) = BN(W(l) h~(l-1)) + n(l)                    BN: batch mean/std, no affine
    h~(l) = ReLU(gamma(l) * (z~(l) + beta(l)))         (softmax scores at l = L)

Decoder, from the top down, with the "vanilla" (gaussian) combinator g::

    u(L) = BN(softmax(h~(L))),   u(l) = BN(V(l+1) z^(l+1))
    z^(l) = g(z~(l), u(l)) = (z~(l) - mu(u)) * v(u) + mu(u)
    mu(u) = a1 sigmoid(a2 u + a3) + a4 u + a5,   v(u) = a6 sigmoid(a7 u + a8) + a9 u + a10

Cost, with mu(l), sigma(l) the clean pass's batch statistics of W(l) h(l-1)::

    C = CE(softmax(h~(L)) on the labelled rows)
        + sum_l lambda(l) / (N m(l)) * sum_n || z(l) - (z^(l) - mu(l)) / sigma(l) ||^2

Labelled and unlabelled images travel in one batch, but every BN above
normalises the two parts separately (as the reference implementations do):
sharing the statistics lets the cross-entropy squeeze the unlabelled rows'
scores together, and test accuracy then collapses (to ~20% on mnist-5k).
``logits(x)`` is the clean encoder with the running batch-norm statistics
(in eval mode), so predictions do not depend on the rest of the batch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import VaesslError
from .base import Batch, Classifies, TrainState

EPS = 1e-5


@dataclass
class LadderConfig:
    num_classes: int = 10
    widths: tuple[int, ...] = (1000, 500, 250, 250, 250)   # hidden layers of the encoder (an MLP)
    noise_std: float = 0.3                                  # std of the Gaussian noise at every layer
    denoise_weights: tuple[float, ...] = (1000.0, 10.0, 0.1, 0.1, 0.1, 0.1, 0.1)  # lambda(l), input .. top

    def __post_init__(self) -> None:
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int) or self.num_classes < 2:
            raise VaesslError(f"num_classes must be an integer >= 2, got {self.num_classes!r}")
        if not isinstance(self.widths, (list, tuple)) or not self.widths or any(
                isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in self.widths):
            raise VaesslError(f"widths must be a non-empty list of positive integers (hidden layer sizes), "
                              f"got {self.widths!r}")
        self.widths = tuple(self.widths)
        if isinstance(self.noise_std, bool) or not isinstance(self.noise_std, (int, float)) \
                or not math.isfinite(self.noise_std) or self.noise_std < 0:
            raise VaesslError(f"noise_std must be a finite number >= 0, got {self.noise_std!r}")
        self.noise_std = float(self.noise_std)
        layers = len(self.widths) + 2
        if not isinstance(self.denoise_weights, (list, tuple)) or len(self.denoise_weights) != layers:
            got = len(self.denoise_weights) if isinstance(self.denoise_weights, (list, tuple)) else "not a list"
            raise VaesslError(f"denoise_weights needs one weight per layer, {layers} for {len(self.widths)} hidden "
                              f"layers (input, {len(self.widths)} hidden, top); got {got}: {self.denoise_weights!r}")
        if any(isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0
               for w in self.denoise_weights):
            raise VaesslError(f"denoise_weights must be finite numbers >= 0, got {self.denoise_weights!r}")
        self.denoise_weights = tuple(float(w) for w in self.denoise_weights)

    def to_dict(self) -> dict:
        return asdict(self)


def batch_standardise(t: torch.Tensor, parts: tuple[int, ...]):
    """Normalise each part of the rows (labelled, unlabelled) by its own batch mean and std.

    Returns the normalised rows and, per row, the mean and std used.  Normalising the labelled rows
    with the unlabelled ones would let the cross-entropy push the labelled scores apart by squeezing
    the unlabelled rows' scores together (each unit's variance over the batch is fixed at 1).
    """
    chunks = t.split(list(parts))
    mu = torch.cat([c.mean(0, keepdim=True).expand_as(c) for c in chunks])
    sigma = torch.cat([(c.var(0, unbiased=False, keepdim=True) + EPS).sqrt().expand_as(c) for c in chunks])
    return (t - mu) / sigma, mu, sigma


def combinator_init(width: int) -> torch.Tensor:
    """a1..a10 per unit (rows), a2 = a7 = 1 and the rest 0, so that z^ = 0 at the start."""
    a = torch.zeros(10, width)
    a[1] = a[6] = 1.0
    return a


class Ladder(Classifies):
    """Corrupted and clean encoders sharing weights, a denoising decoder, and their joint cost."""

    def __init__(self, config: LadderConfig | None = None) -> None:
        super().__init__()
        self.config = config or LadderConfig()
        self.num_classes = self.config.num_classes
        sizes = [784, *self.config.widths, self.num_classes]        # m(l), l = 0 .. L
        pairs = list(zip(sizes[:-1], sizes[1:]))
        self.W = nn.ModuleList(nn.Linear(m_in, m_out, bias=False) for m_in, m_out in pairs)
        self.V = nn.ModuleList(nn.Linear(m_out, m_in, bias=False) for m_in, m_out in pairs)  # V(l+1): l+1 -> l
        self.bn = nn.ModuleList(nn.BatchNorm1d(m, affine=False) for m in sizes[1:])  # running stats, for eval
        self.beta = nn.ParameterList(nn.Parameter(torch.zeros(m)) for m in sizes[1:])
        self.gamma = nn.ParameterList(nn.Parameter(torch.ones(m)) for m in sizes[1:])
        self.a = nn.ParameterList(nn.Parameter(combinator_init(m)) for m in sizes)

    def encode(self, x: torch.Tensor, corrupt: bool, parts: tuple[int, ...] | None = None):
        """One encoder pass: z(l) for l = 0..L, the scores h(L) and the batch (mu(l), sigma(l)) of each layer.

        In training, the rows are batch-normalised in ``parts`` (labelled, unlabelled) of their own, and
        the clean pass updates the running statistics from the last part (the unlabelled rows).
        """
        noise = self.config.noise_std if corrupt else 0.0
        parts = parts or (len(x),)
        h = x.reshape(len(x), -1)
        z = h + noise * torch.randn_like(h)                             # z~(0) = x + n(0)
        zs, stats = [z], [(0.0, 1.0)]                                   # the input is not normalised
        h = z
        last = len(self.W) - 1
        for l, (W, bn, beta, gamma) in enumerate(zip(self.W, self.bn, self.beta, self.gamma)):
            pre = W(h)                                                  # W(l) h(l-1)
            if self.training:
                z, mu, sigma = batch_standardise(pre, parts)            # BN(W(l) h(l-1)), mu(l), sigma(l)
                if not corrupt:
                    with torch.no_grad():
                        bn.running_mean.lerp_(mu[-1], bn.momentum)
                        bn.running_var.lerp_(sigma[-1] ** 2 - EPS, bn.momentum)
                        bn.num_batches_tracked += 1
            else:
                z, mu, sigma = bn(pre), bn.running_mean, (bn.running_var + bn.eps).sqrt()
            z = z + noise * torch.randn_like(z)                         # + n(l)
            zs.append(z)
            stats.append((mu, sigma))
            h = gamma * (z + beta)                                      # h(l) = phi(gamma (z + beta))
            if l < last:
                h = F.relu(h)                                           # (softmax at the top: h is the logits)
        return zs, h, stats

    @staticmethod
    def g(z_tilde: torch.Tensor, u: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """The vanilla combinator: z^ = (z~ - mu(u)) v(u) + mu(u), per unit."""
        mu = a[0] * torch.sigmoid(a[1] * u + a[2]) + a[3] * u + a[4]
        v = a[5] * torch.sigmoid(a[6] * u + a[7]) + a[8] * u + a[9]
        return (z_tilde - mu) * v + mu

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.encode(x, corrupt=False)[1]

    @property
    def uses_unlabeled(self) -> bool:
        """With every lambda(l) = 0 the unlabelled rows cannot change the gradient: the Ladder's own
        supervised baseline (the same noisy encoder and schedule, labels alone), trained without them."""
        return any(w > 0 for w in self.config.denoise_weights)

    def training_loss(self, batch: Batch, state: TrainState | None = None) -> dict[str, torch.Tensor]:
        """CE on the corrupted scores of the labelled rows + the weighted denoising costs of all rows."""
        xu = batch.x_unlabeled
        x = batch.x_labeled if xu is None else torch.cat([batch.x_labeled, xu])
        parts = (len(x),) if xu is None or len(xu) == 0 else (len(batch.x_labeled), len(xu))
        z_noisy, logits_noisy, _ = self.encode(x, corrupt=True, parts=parts)
        ce = F.cross_entropy(logits_noisy[:len(batch.y_labeled)], batch.y_labeled)
        if not self.uses_unlabeled:                                      # no decoder: CE of the noisy encoder
            with torch.no_grad():
                self.encode(x, corrupt=False, parts=parts)               # (the clean pass keeps the BN statistics)
            return {"loss": ce, "ce": ce, "denoise": ce.new_zeros(())}
        z_clean, _, stats = self.encode(x, corrupt=False, parts=parts)

        terms: dict[str, torch.Tensor] = {}
        z_hat = None
        for l in reversed(range(len(z_noisy))):                          # top-down, l = L .. 0
            if z_hat is None:
                u = batch_standardise(torch.softmax(logits_noisy, -1), parts)[0]  # u(L) = BN(h~(L))
            else:
                u = batch_standardise(self.V[l](z_hat), parts)[0]       # u(l) = BN(V(l+1) z^(l+1))
            z_hat = self.g(z_noisy[l], u, self.a[l])                    # z^(l) = g(z~(l), u(l))
            mu, sigma = stats[l]
            z_hat_bn = (z_hat - mu) / sigma                             # normalised by the clean statistics
            # lambda(l) / (N m(l)) sum_n ||z(l) - z^BN(l)||^2: the mean over rows and units
            terms[f"denoise_l{l}"] = self.config.denoise_weights[l] * (z_clean[l] - z_hat_bn).pow(2).mean()
        denoise = sum(terms.values())
        return {"loss": ce + denoise, "ce": ce, "denoise": denoise,
                **{f"denoise_l{l}": terms[f"denoise_l{l}"] for l in range(len(z_noisy))}}
