"""The terms of the evidence lower bound (ELBO), one function per term.

Introduced in Chapter 3 (VAE intuition) and used by the M2 model of Chapter 5.
All functions return one value per example (shape ``(B,)``, or ``(K, B)``
when the inputs carry a leading class axis); reductions over the batch are
left to the caller so that every term can be logged separately.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .ops import bernoulli_nll_rows


def kl_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""KL divergence of a diagonal Gaussian from the standard normal prior.

    .. math::
        \mathrm{KL}\big(\mathcal N(\mu, \sigma^2 I)\,\|\,\mathcal N(0, I)\big)
        = \tfrac12 \sum_j \big(\mu_j^2 + \sigma_j^2 - 1 - \log\sigma_j^2\big)

    Summed over the last (latent) axis.
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Negative Bernoulli log-likelihood :math:`-\log p(x\mid\cdot)` from decoder logits.

    .. math::
        -\log p(x \mid z, y) = -\sum_i \big[x_i \log \pi_i + (1-x_i)\log(1-\pi_i)\big],
        \qquad \pi = \operatorname{sigmoid}(\text{logits})

    computed stably as :math:`\sum_i [\operatorname{softplus}(a_i) - x_i a_i]` from the logits
    :math:`a` (:func:`vaessl_lib.ops.bernoulli_nll_rows`) and summed over pixels (the last axis of
    ``logits``; ``x`` is reshaped to match).
    """
    x = x.reshape(logits.shape)
    return bernoulli_nll_rows(logits, x)


def gaussian_nll(mean: torch.Tensor, logvar: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Negative diagonal-Gaussian log-likelihood, for a decoder of continuous features (M1+M2's
    :math:`p_\theta(z_1 \mid z_2, y)`, Chapter 5).

    .. math::
        -\log \mathcal N\big(x;\ \mu, \operatorname{diag}\sigma^2\big)
        = \tfrac12 \sum_i \Big[\log 2\pi + \log\sigma_i^2 + \frac{(x_i - \mu_i)^2}{\sigma_i^2}\Big]

    Summed over the last axis.
    """
    x = x.reshape(mean.shape)
    return 0.5 * (math.log(2 * math.pi) + logvar + (x - mean).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    r"""The reparameterisation trick: :math:`z = \mu + \sigma \odot \epsilon,\ \epsilon\sim\mathcal N(0, I)`.

    Gradients flow to :math:`\mu` and :math:`\sigma` because the randomness
    sits in :math:`\epsilon` alone.
    """
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def categorical_entropy(logits: torch.Tensor) -> torch.Tensor:
    r"""Entropy of a categorical distribution given by logits.

    .. math::  \mathcal H(q(y\mid x)) = -\sum_y q(y\mid x)\log q(y\mid x)
    """
    log_q = F.log_softmax(logits, dim=-1)
    return -(log_q.exp() * log_q).sum(dim=-1)


def log_uniform_prior(num_classes: int) -> float:
    r""":math:`\log p(y)` for the uniform label prior :math:`p(y) = 1/K`."""
    return -math.log(num_classes)


def negative_elbo(recon_nll: torch.Tensor, kl: torch.Tensor, log_prior_y: float = 0.0,
                  kl_weight: float = 1.0) -> torch.Tensor:
    r"""Kingma et al. (2014), eq. 6: the loss :math:`\mathcal L(x, y)`, minus the bound
    :math:`-\mathcal L(x, y) \le \log p(x, y)` (the paper's sign convention).

    .. math::
        \mathcal L(x,y) = \underbrace{-\mathbb E_{q(z|x,y)}[\log p(x\mid y,z)]}_{\text{recon\_nll}}
        - \log p(y) + \underbrace{\mathrm{KL}(q(z\mid x,y)\,\|\,p(z))}_{\text{kl}}

    ``kl_weight`` < 1 implements KL warm-up (annealing); it is 1 for the bound itself.
    """
    return recon_nll + kl_weight * kl - log_prior_y
