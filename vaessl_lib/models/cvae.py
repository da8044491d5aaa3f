"""The conditional VAE's two networks: encoder q(z|x,y) and decoder p(x|z,y).

Introduced in Chapter 5 (the full CVAE-SSL model).  Both are MLPs that read
the label as a one-hot vector concatenated to their input, so one batched call
can evaluate every class at once (see :meth:`vaessl_lib.models.m2.M2.unlabeled_terms`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .classifiers import activation


def hidden_stack(in_dim: int, hidden: int, layers: int, act: str, batchnorm: bool) -> nn.Sequential:
    """``layers`` x (Linear -> [BatchNorm] -> activation), from ``in_dim`` to ``hidden`` units."""
    mods: list[nn.Module] = []
    for i in range(layers):
        mods.append(nn.Linear(in_dim if i == 0 else hidden, hidden))
        if batchnorm:
            mods.append(nn.BatchNorm1d(hidden))
        mods.append(activation(act))
    return nn.Sequential(*mods)


class Encoder(nn.Module):
    r"""q_\phi(z \mid x, y) = \mathcal N(\mu_\phi(x, y), \operatorname{diag}\sigma^2_\phi(x, y))."""

    def __init__(self, x_dim: int = 784, y_dim: int = 10, hidden: int = 500, latent: int = 50,
                 layers: int = 1, act: str = "softplus", batchnorm: bool = False) -> None:
        super().__init__()
        self.body = hidden_stack(x_dim + y_dim, hidden, layers, act, batchnorm)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)

    def forward(self, x_flat: torch.Tensor, y_onehot: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(torch.cat([x_flat, y_onehot], dim=-1))
        # log-variance clamped to [-12, 8] (sigma^2 from 6e-6 to 3e3) against overflow in exp(logvar); outside
        # that range the clamp passes no gradient, so a unit pinned there stays until its input moves back
        return self.mu(h), self.logvar(h).clamp(-12.0, 8.0)

    def forward_all_labels(self, x_flat: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        r"""q(z|x,y) for every image and every label at once; rows are class-major (y=0 block first).

        The first layer is linear in the concatenation, :math:`W[x; y] + b = (W_x x + b) + W_y y`,
        so the expensive :math:`W_x x` (784 inputs) is computed once per image and the label part
        (one column of :math:`W_y` per class) is broadcast over the K copies.
        """
        first: nn.Linear = self.body[0]
        d = x_flat.shape[-1]
        hx = F.linear(x_flat, first.weight[:, :d], first.bias)                   # (B, H), once per image
        hy = first.weight[:, d:d + k].t()                                        # (K, H), one row per label
        h = (hy.unsqueeze(1) + hx.unsqueeze(0)).reshape(k * len(x_flat), -1)     # (K*B, H)
        h = self.body[1:](h)
        return self.mu(h), self.logvar(h).clamp(-12.0, 8.0)


class Decoder(nn.Module):
    r"""p_\theta(x \mid z, y) = \operatorname{Bernoulli}(\operatorname{sigmoid}(f_\theta(z, y))); returns the logits."""

    def __init__(self, latent: int = 50, y_dim: int = 10, hidden: int = 500, x_dim: int = 784,
                 layers: int = 1, act: str = "softplus", batchnorm: bool = False) -> None:
        super().__init__()
        self.net = hidden_stack(latent + y_dim, hidden, layers, act, batchnorm)
        self.net.append(nn.Linear(hidden, x_dim))

    def forward(self, z: torch.Tensor, y_onehot: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, y_onehot], dim=-1))
