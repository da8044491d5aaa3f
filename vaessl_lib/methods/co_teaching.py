r"""``co-teaching``: two networks teach each other with their small-loss examples (Chapter 2).

Han et al. (2018) is a method for **noisy labels**, not a 100-label SSL
method: it uses only the labelled set, and it helps when part of those labels
are wrong.  Deep networks fit clean examples before noisy ones, so early in
training the examples with a *small* loss are likely clean.  Each step, for a
batch :math:`B` with labels :math:`\tilde y`:

.. math::
    R(T) = 1 - \tau \min\!\Big(\frac{T}{T_k}, 1\Big), \qquad
    \bar B_A = \operatorname*{arg\,min}_{|B'| = \lceil R(T)|B|\rceil} \ell(f_A, B'), \quad
    \bar B_B = \operatorname*{arg\,min}_{|B'| = \lceil R(T)|B|\rceil} \ell(f_B, B')

and A is updated on :math:`\bar B_B` (the examples *B* finds easy), B on
:math:`\bar B_A`.  The cross update stops a network from confirming its own
mistakes.  :math:`\tau` is the forget rate (by default the label-noise rate of
the split, as the paper assumes it known) and :math:`T_k` the fraction of
training over which it ramps up (``ramp``; 0.1 by default, chosen on the
full-MNIST validation set with 3,000 labels of which 45 % are flipped:
78.8 % against 74.9 % for 0.25 and 74.1 % for 0.5, seed 0,
``benchmarks/results/search_mnist.md``).  Predictions are network A's.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

from ..augment import check_shift, random_shift
from ..checkpoints import register_model
from ..errors import VaesslError
from ..models.base import Batch, Classifies, TrainState
from ..models.classifiers import ClassifierSpec
from . import Method, register


def kept_fraction(progress: float, forget_rate: float, ramp: float) -> float:
    r""":math:`R(T) = 1 - \tau\,\min(T/T_k, 1)` with ``progress`` T and ``ramp`` :math:`T_k` as fractions of training."""
    return 1.0 - forget_rate * (min(1.0, progress / ramp) if ramp > 0 else 1.0)


def small_loss_indices(losses: torch.Tensor, keep: float) -> torch.Tensor:
    """Indices of the ``ceil(keep * B)`` smallest per-example losses (at least one)."""
    k = max(1, math.ceil(keep * len(losses) - 1e-9))
    return torch.topk(losses, k, largest=False).indices


@dataclass
class CoTeachingConfig:
    """``forget_rate`` τ in [0, 1) (``None``: the split's label-noise rate) and ``ramp`` T_k in (0, 1]."""

    num_classes: int = 10
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    forget_rate: float | None = None
    ramp: float = 0.1
    shift: int = 0

    def __post_init__(self) -> None:
        self.classifier = ClassifierSpec.of(self.classifier)
        check_shift(self.shift)
        if self.forget_rate is not None and not 0.0 <= self.forget_rate < 1.0:
            raise VaesslError(f"forget_rate is the share of each batch dropped, in [0, 1), got {self.forget_rate}")
        if not 0.0 < self.ramp <= 1.0:
            raise VaesslError(f"ramp is a fraction of training in (0, 1], got {self.ramp}")

    def to_dict(self) -> dict:
        return asdict(self)


class CoTeaching(Classifies):
    """Networks ``a`` and ``b`` of the same architecture, cross-updated on each other's small-loss examples."""

    uses_unlabeled = False

    def __init__(self, config: CoTeachingConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or CoTeachingConfig()
        self.num_classes = c.num_classes
        self.a, self.b = c.classifier.build(c.num_classes), c.classifier.build(c.num_classes)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.a(x)

    def training_loss(self, batch: Batch, state: TrainState | None = None) -> dict[str, torch.Tensor]:
        x, y = random_shift(batch.x_labeled, self.config.shift), batch.y_labeled
        loss_a = F.cross_entropy(self.a(x), y, reduction="none")
        loss_b = F.cross_entropy(self.b(x), y, reduction="none")
        keep = kept_fraction(state.progress if state else 1.0, self.config.forget_rate or 0.0, self.config.ramp)
        easy_for_a = small_loss_indices(loss_a.detach(), keep)
        easy_for_b = small_loss_indices(loss_b.detach(), keep)
        la, lb = loss_a[easy_for_b].mean(), loss_b[easy_for_a].mean()     # the cross update
        return {"loss_a": la, "loss_b": lb, "kept": torch.tensor(keep), "loss": la + lb}


register_model(CoTeaching, CoTeachingConfig)


def _build(split, clf, over) -> CoTeaching:
    over = dict(over)
    if over.get("forget_rate") is None:
        over["forget_rate"] = split.label_noise
    return CoTeaching(CoTeachingConfig(num_classes=split.num_classes, **({"classifier": clf} if clf else {}), **over))


register(Method(
    name="co-teaching",
    summary="two networks, each trained on the other's small-loss examples (for noisy labels; Han et al. 2018)",
    build=_build,
    # 10 epochs: on the full-MNIST validation set (3,000 labels, 45 % flipped, seed 0) 78.8 % against
    # 77.1 % for 20 (benchmarks/results/search_mnist.md)
    train_defaults=dict(epochs=10, batch_labeled=64, batch_unlabeled=128, lr=1e-3, schedule="cycle"),
    model_fields=("forget_rate", "ramp", "shift"),
))
