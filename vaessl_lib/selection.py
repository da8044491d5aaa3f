r"""Choosing a setting on a validation set, and how much that choice can be trusted (Chapter 7).

Every run of the book keeps the per-example result on the validation set
(right or wrong), so that the same runs can be re-scored on smaller
validation sets without training again.  With candidates :math:`c = 1..C`
and :math:`r_c(i) \in \{0, 1\}` whether candidate :math:`c` classified
validation image :math:`i` correctly, a validation set :math:`S` of
:math:`m` images picks

.. math:: \hat c(S) = \arg\max_c \sum_{i \in S} r_c(i)

(ties: the first candidate).  Drawing :math:`S` at random many times gives
how often each candidate would have been chosen with only :math:`m`
validation images, and what that choice costs in accuracy on the full set,

.. math:: \text{regret}(m) = \mathbb E_S\big[\max_c \bar r_c - \bar r_{\hat c(S)}\big],
          \qquad \bar r_c = \tfrac1n \textstyle\sum_{i=1}^n r_c(i).

The standard error of one accuracy :math:`p` measured on :math:`m` images is
:math:`\sqrt{p(1-p)/m}`: 3 points at :math:`p = 0.9` with :math:`m = 100`,
0.3 points with :math:`m = 10{,}000` (Oliver et al., 2018, make the same point
for realistic SSL evaluation).
"""

from __future__ import annotations

import base64
from typing import Sequence

import numpy as np

from .errors import VaesslError


def pack_correct(correct: Sequence[bool] | np.ndarray) -> str:
    """Per-example right/wrong as a compact text (8 examples a byte, base64) for a JSON record."""
    bits = np.asarray(correct, dtype=bool).astype(np.uint8)
    return base64.b64encode(np.packbits(bits).tobytes()).decode("ascii")


def unpack_correct(text: str, n: int) -> np.ndarray:
    """The inverse of :func:`pack_correct`: a boolean array of ``n`` entries."""
    bits = np.unpackbits(np.frombuffer(base64.b64decode(text), dtype=np.uint8))
    if len(bits) < n:
        raise VaesslError(f"the packed results hold {len(bits)} examples, fewer than the {n} asked for")
    return bits[:n].astype(bool)


def choice_frequencies(correct: Sequence[np.ndarray], size: int, draws: int = 2000,
                       seed: int = 0) -> tuple[np.ndarray, float]:
    """How often each candidate wins on ``draws`` random validation subsets of ``size`` images, and the
    mean regret (accuracy on the full set lost by the candidate chosen, see the module docstring).

    ``correct`` holds one boolean array per candidate, all over the same validation images.
    """
    table = np.stack([np.asarray(c, dtype=bool) for c in correct])
    n = table.shape[1]
    if not 0 < size <= n:
        raise VaesslError(f"a validation subset must hold 1 to {n} images, got {size}")
    full = table.mean(1)
    rng = np.random.default_rng(seed)
    wins = np.zeros(len(table))
    regret = 0.0
    for _ in range(draws):
        idx = rng.choice(n, size, replace=False)
        chosen = int(np.argmax(table[:, idx].sum(1)))      # argmax takes the first of ties
        wins[chosen] += 1
        regret += full.max() - full[chosen]
    return wins / draws, regret / draws


def standard_error(accuracy: float, size: int) -> float:
    r"""Binomial standard error :math:`\sqrt{p(1-p)/m}` of an accuracy measured on ``size`` images."""
    return float(np.sqrt(accuracy * (1 - accuracy) / size))
