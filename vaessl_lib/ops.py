r"""Two elementwise functions of the M2 step, written for speed on a CPU.

Used by every network with softplus units and by every Bernoulli decoder (Chapters 3 and 5).
On a CPU, PyTorch evaluates ``softplus`` and ``binary_cross_entropy_with_logits`` through
``log1p``, which it does not vectorise: on one core of the build machine ``F.softplus`` on a
1280 x 500 tensor (one M2 hidden layer summed over 10 labels) takes 6.9 ms, while ``exp`` and
``log``, which it vectorises, take 0.4 and 0.6 ms.  These two functions compute the same values
with ``exp`` and ``log``, and their gradients in closed form, so one M2 training step spends
its time in matrix products (``benchmarks/m2_speed.py`` measures both).  On a GPU they call
PyTorch's own fused kernels.

Both rest on one identity, exact for every real :math:`a`:

.. math::
    \operatorname{softplus}(a) = \log(1 + e^{a}) = \max(a, 0) + \log\big(1 + e^{-|a|}\big),
    \qquad \frac{d}{da}\operatorname{softplus}(a) = \operatorname{sigmoid}(a).

Since :math:`1 + e^{-|a|} \in (1, 2]`, ``log`` loses at most one float32 rounding step
(absolute error below 1.2e-7) against ``log1p``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _softplus_values(a: torch.Tensor) -> torch.Tensor:
    r""":math:`\max(a, 0) + \log(1 + e^{-|a|})`, computed in place on one buffer."""
    out = a.abs().neg_().exp_().add_(1.0).log_()
    return out.add_(a.clamp(min=0))


class _Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(a)
        return _softplus_values(a)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (a,) = ctx.saved_tensors
        s = torch.sigmoid(a)                               # d softplus(a) / da = sigmoid(a)
        return s * grad if torch.is_grad_enabled() else s.mul_(grad)   # in place unless a 2nd derivative is built


def softplus(a: torch.Tensor) -> torch.Tensor:
    r""":math:`\operatorname{softplus}(a) = \log(1 + e^{a})`, elementwise (see the module docstring)."""
    if a.device.type != "cpu":
        return F.softplus(a)
    return _Softplus.apply(a)


class Softplus(nn.Module):
    """The softplus activation as a module (no parameters: checkpoints of ``nn.Softplus`` networks load)."""

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return softplus(a)


class _BernoulliNLL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(logits, x)
        nll = _softplus_values(logits).addcmul_(x, logits, value=-1.0)
        return nll.sum(dim=-1)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        logits, x = ctx.saved_tensors
        g = grad.unsqueeze(-1)
        d_logits = None
        if ctx.needs_input_grad[0]:                        # sigmoid(a) - x, in place unless a 2nd derivative is built
            d_logits = (torch.sigmoid(logits) - x) * g if torch.is_grad_enabled() else torch.sigmoid(logits).sub_(x).mul_(g)
        d_x = -logits * g if ctx.needs_input_grad[1] else None
        return d_logits, d_x


def bernoulli_nll_rows(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""Row sums of :math:`-[x \log\pi + (1-x)\log(1-\pi)]` with :math:`\pi = \operatorname{sigmoid}(a)`:

    .. math::
        -\log p(x \mid a) = \sum_i \big[\operatorname{softplus}(a_i) - x_i a_i\big], \qquad
        \frac{\partial}{\partial a_i} = \operatorname{sigmoid}(a_i) - x_i

    ``logits`` and ``x`` have the same shape; the sum runs over the last axis.
    """
    if logits.device.type != "cpu":
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)
    return _BernoulliNLL.apply(logits, x)
