"""Data augmentation on whole batches of tensors (Chapter 2, the Π-model and its fair baseline).

A consistency method such as the Π-model needs two *different* views of
each image; a random translation by a few pixels is the classic choice for
digits.  :func:`random_shift` draws one offset per image and moves the whole
batch with a single indexing operation (no per-image Python loop).

The supervised baseline gets the same augmentation (``shift`` in its config),
so a method's gain is measured against a baseline with the same network,
augmentation and budget.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .errors import VaesslError

MAX_SHIFT = 8   # pixels: a digit moved further than this is mostly off its 28 x 28 canvas


def check_shift(shift: object) -> int:
    """The one rule for a ``shift`` setting (every method that augments): a whole number of pixels,
    0 to :data:`MAX_SHIFT`. Checked when a config is built, so a bad value never starts a run."""
    if isinstance(shift, bool) or not isinstance(shift, int) or not 0 <= shift <= MAX_SHIFT:
        raise VaesslError(f"shift is a whole number of pixels from 0 to {MAX_SHIFT}, got {shift!r}")
    return shift


def random_shift(x: torch.Tensor, max_shift: int = 2, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Translate every image by its own random offset :math:`(d_y, d_x) \in \{-s..s\}^2`, zero-filled.

    .. math:: \tilde x_{n}[i, j] = x_n[i + d_{y,n},\, j + d_{x,n}] \quad (0 \text{ outside the image})

    ``x`` has shape (N, C, H, W); the result has the same shape, dtype and device.
    """
    if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
        raise VaesslError(f"max_shift must be a non-negative whole number of pixels, got {max_shift!r}")
    if max_shift == 0 or x.numel() == 0:
        return x
    if x.dim() != 4:
        raise VaesslError(f"random_shift expects images shaped (N, C, H, W), got {tuple(x.shape)}")
    n, c, h, w = x.shape
    s = max_shift
    padded = F.pad(x, (s, s, s, s))                                              # (N, C, H+2s, W+2s)
    offsets = torch.randint(0, 2 * s + 1, (2, n), generator=generator,
                            device=generator.device if generator is not None else "cpu").to(x.device)
    rows = offsets[0][:, None] + torch.arange(h, device=x.device)                # (N, H): i + s + d_y
    cols = offsets[1][:, None] + torch.arange(w, device=x.device)                # (N, W)
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    chan = torch.arange(c, device=x.device)[None, :, None, None]
    return padded[batch, chan, rows[:, None, :, None], cols[:, None, None, :]]
