r"""``co-training``: two classifiers on two disjoint views, each labelling for the other (Chapter 2).

Blum & Mitchell (1998): if an example has two *views*, each sufficient to
classify it and roughly independent given the class, a classifier confident
on one view can teach a classifier of the other.  Their algorithm adds each
classifier's most confident examples of a small pool (p positives, n negatives a
round) to one *shared* labelled set that both retrain on; this module implements the
*cross-labelling* variant of later accounts (e.g. Zhu's 2005 survey): each
classifier's pseudo-labels above a threshold train the *other* classifier only.
Here the views are two disjoint halves of the pixels (:func:`view_masks`):

* ``top-bottom``: rows 0-13 vs rows 14-27,
* ``left-right``: columns 0-13 vs columns 14-27,
* ``even-odd``: even vs odd columns (both views see the whole digit, coarsely).

Classifier A sees :math:`m_A \odot x`, classifier B sees :math:`m_B \odot x`.
After each round, A's confident predictions on the pool become pseudo-labels
*for B* and B's for A (:meth:`CoTraining.pseudo_label_round`); each network's loss is

.. math::
    \mathcal L_A = \overline{\mathrm{CE}}(f_A(m_A x_l), y_l) + \lambda\,\overline{\mathrm{CE}}(f_A(m_A x_u), \hat y^{(B)}_u)

and symmetrically for B.  The prediction combines the views as a product of
experts, :math:`\log q(y|x) = \log q_A(y|m_A x) + \log q_B(y|m_B x) + c`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

from ..augment import check_shift, random_shift
from ..checkpoints import register_model
from ..errors import VaesslError
from ..models.base import Batch, Classifies, TrainState, evaluating
from ..models.classifiers import ClassifierSpec
from ..pseudo_labels import (PseudoLabelRounds, check_threshold, round_report, select_confident,
                             split_losses, with_pseudo_labelled)
from . import Method, register

VIEWS = ("top-bottom", "left-right", "even-odd")


def view_masks(view: str, size: int = 28) -> tuple[torch.Tensor, torch.Tensor]:
    """Two disjoint 0/1 pixel masks, shape (1, 1, size, size), that together cover the image."""
    if view not in VIEWS:
        raise VaesslError(f"unknown view split {view!r}; choose one of {', '.join(VIEWS)}")
    rows = torch.arange(size)[:, None].expand(size, size)
    cols = torch.arange(size)[None, :].expand(size, size)
    a = {"top-bottom": rows < size // 2, "left-right": cols < size // 2, "even-odd": cols % 2 == 0}[view]
    return a.float().reshape(1, 1, size, size), (~a).float().reshape(1, 1, size, size)


@dataclass
class CoTrainingConfig:
    num_classes: int = 10
    classifier: ClassifierSpec = field(default_factory=ClassifierSpec)
    view: str = "top-bottom"
    threshold: float = 0.95
    rounds: int = 5
    pseudo_weight: float = 1.0
    shift: int = 0

    def __post_init__(self) -> None:
        self.classifier = ClassifierSpec.of(self.classifier)
        check_shift(self.shift)
        view_masks(self.view)
        check_threshold(self.threshold)
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < 1:
            raise VaesslError(f"rounds must be a whole number of at least 1, got {self.rounds!r}")

    def to_dict(self) -> dict:
        return asdict(self)


class CoTraining(Classifies):
    """Classifiers ``a`` and ``b`` on views ``mask_a`` and ``mask_b``, with pseudo-labels given to each."""

    uses_unlabeled = True

    def __init__(self, config: CoTrainingConfig | None = None, pool_size: int = 0) -> None:
        super().__init__()
        self.config = c = config or CoTrainingConfig()
        self.num_classes = c.num_classes
        self.a, self.b = c.classifier.build(c.num_classes), c.classifier.build(c.num_classes)
        mask_a, mask_b = view_masks(c.view)
        self.register_buffer("mask_a", mask_a, persistent=False)
        self.register_buffer("mask_b", mask_b, persistent=False)
        for name in ("pseudo_a", "pseudo_b"):   # labels given *to* a (by b) and to b (by a); -1 = none
            self.register_buffer(name, torch.full((pool_size,), -1, dtype=torch.long), persistent=False)

    def view_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.reshape(-1, 1, 28, 28)
        return self.a(x * self.mask_a), self.b(x * self.mask_b)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Product of experts: log q_A + log q_B (normalised again by the softmax of ``predict_proba``)."""
        la, lb = self.view_logits(x)
        return F.log_softmax(la, -1) + F.log_softmax(lb, -1)

    def _view_loss(self, net, mask, batch: Batch, pseudo: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = with_pseudo_labelled(batch, pseudo)
        ce = F.cross_entropy(net(random_shift(x, self.config.shift) * mask), y, reduction="none")
        return split_losses(ce, len(batch.y_labeled))

    def training_loss(self, batch: Batch, state: TrainState | None = None) -> dict[str, torch.Tensor]:
        ce_a, pce_a = self._view_loss(self.a, self.mask_a, batch, self.pseudo_a)
        ce_b, pce_b = self._view_loss(self.b, self.mask_b, batch, self.pseudo_b)
        w = self.config.pseudo_weight
        return {"ce_a": ce_a, "ce_b": ce_b, "pseudo_ce_a": pce_a, "pseudo_ce_b": pce_b,
                "loss": ce_a + ce_b + w * (pce_a + pce_b)}

    @torch.no_grad()
    def pseudo_label_round(self, split) -> dict[str, float]:
        """A's confident pool predictions become B's pseudo-labels, and B's become A's."""
        with evaluating(self):
            xs = split.x_unlabeled
            la, lb = zip(*(self.view_logits(xs[i:i + 2048].to(self.mask_a.device)) for i in range(0, len(xs), 2048)))
        conf_a, lab_a = select_confident(torch.softmax(torch.cat(la), -1), self.config.threshold)
        conf_b, lab_b = select_confident(torch.softmax(torch.cat(lb), -1), self.config.threshold)
        new_b = conf_a & (self.pseudo_b < 0)
        new_a = conf_b & (self.pseudo_a < 0)
        self.pseudo_b[new_b], self.pseudo_a[new_a] = lab_a[new_b], lab_b[new_a]
        return round_report([(new_a, lab_b), (new_b, lab_a)], [self.pseudo_a, self.pseudo_b],
                            split.y_unlabeled.to(self.mask_a.device))


register_model(CoTraining, CoTrainingConfig)

register(Method(
    name="co-training",
    summary="two classifiers on disjoint pixel views, each pseudo-labelling confident examples for the other",
    build=lambda split, clf, over: CoTraining(CoTrainingConfig(
        num_classes=split.num_classes, **({"classifier": clf} if clf else {}), **over), len(split.x_unlabeled)),
    # 10 epochs: on the full-MNIST validation set (100 labels, seed 0) 80.5 % against 79.3 % for 20
    # (benchmarks/results/search_mnist.md)
    train_defaults=dict(epochs=10, batch_labeled=64, batch_unlabeled=128, lr=1e-3, schedule="cycle"),
    model_fields=("view", "threshold", "rounds", "pseudo_weight", "shift"),
    callbacks=lambda over: [PseudoLabelRounds()],
))
