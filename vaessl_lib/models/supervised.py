"""Supervised-only baseline: the classifier q(y|x) trained on the labelled examples alone.

Introduced in Chapter 2.  It is the yardstick of every SSL method in the book,
built from the *same* classifier network (:class:`ClassifierSpec`) as the
method it is compared with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

from ..augment import check_shift, random_shift
from .base import Batch, Classifies, TrainState
from .classifiers import ClassifierSpec


@dataclass
class SupervisedConfig:
    """``shift``: random translation of up to this many pixels on every training batch
    (0 = none), so the baseline can get the same augmentation as the method it is compared with."""

    num_classes: int = 10
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    shift: int = 0

    def __post_init__(self) -> None:
        self.classifier = ClassifierSpec.of(self.classifier)
        check_shift(self.shift)

    def to_dict(self) -> dict:
        return asdict(self)


class SupervisedClassifier(Classifies):
    r"""Minimises the cross-entropy :math:`-\frac1B\sum_i \log q(y_i\mid x_i)` on labelled batches."""

    uses_unlabeled = False

    def __init__(self, config: SupervisedConfig | None = None) -> None:
        super().__init__()
        self.config = config or SupervisedConfig()
        self.num_classes = self.config.num_classes
        self.classifier = self.config.classifier.build(self.num_classes)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """The training-time augmentation (random shifts of up to ``config.shift`` pixels)."""
        return random_shift(x, self.config.shift)

    def training_loss(self, batch: Batch, state: TrainState | None = None) -> dict[str, torch.Tensor]:
        ce = F.cross_entropy(self.logits(self.augment(batch.x_labeled)), batch.y_labeled)
        return {"ce": ce, "loss": ce}
