"""Pseudo-labels: the classifier's confident guesses used as labels (Chapter 2).

Shared by self-training, co-training and the notes' ``m2-pseudo`` variant.
:func:`select_confident` is the one selection rule; :class:`PseudoLabelRounds`
is the training-loop callback that runs a labelling *round* at fixed points
of training and writes what it did into the history (how many examples were
added and how many of those pseudo-labels were right: the true labels of the
pool are never used for training, only for this report).
"""

from __future__ import annotations

import torch

from .errors import VaesslError
from .train import Callback


def check_threshold(threshold: float, name: str = "threshold") -> float:
    """A confidence threshold must lie strictly between 0 and 1."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold < 1.0:
        raise VaesslError(f"{name} is a confidence in (0, 1), got {threshold!r} (e.g. 0.95)")
    return float(threshold)


def select_confident(probs: torch.Tensor, threshold: float) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Which rows to pseudo-label, and with which label.

    .. math:: \text{keep}_i = \big[\max_y q(y\mid x_i) > \tau\big], \qquad \hat y_i = \arg\max_y q(y\mid x_i)

    ``probs`` is (N, K) with rows summing to 1; returns a boolean mask (N,) and
    the labels (N,) (meaningful where the mask is true).
    """
    check_threshold(threshold)
    confidence, labels = probs.max(dim=-1)
    return confidence > threshold, labels


def with_pseudo_labelled(batch, pseudo: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The labelled batch followed by the unlabelled examples of the batch that hold a pseudo-label.

    ``pseudo`` has one entry per pool example (-1: none yet), indexed by ``batch.idx_unlabeled``.
    Returns images and labels; the first ``len(batch.y_labeled)`` rows are the true labels.
    """
    x, y = batch.x_labeled, batch.y_labeled
    if batch.x_unlabeled is not None and len(pseudo):
        pl = pseudo[batch.idx_unlabeled]
        keep = pl >= 0
        x, y = torch.cat([x, batch.x_unlabeled[keep]]), torch.cat([y, pl[keep]])
    return x, y


def split_losses(ce: torch.Tensor, n_labeled: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean per-example loss over the labelled rows and over the pseudo-labelled rows (0 if none)."""
    return ce[:n_labeled].mean(), (ce[n_labeled:].mean() if len(ce) > n_labeled else ce.new_zeros(()))


def round_report(added: list[tuple[torch.Tensor, torch.Tensor]], buffers: list[torch.Tensor],
                 truth: torch.Tensor) -> dict[str, float]:
    """What a labelling round did: ``added`` holds (mask of new examples, their labels) per receiving
    buffer; ``buffers`` are the pseudo-label buffers after the round; ``truth`` the pool's hidden labels
    (used for this report only)."""
    right = [(labels[new] == truth[new]) for new, labels in added]
    have = torch.cat([buf[buf >= 0] == truth[buf >= 0] for buf in buffers])
    return {"pseudo_added": int(sum(int(new.sum()) for new, _ in added)),
            "pseudo_added_correct": int(sum(int(r.sum()) for r in right)),
            "pseudo_total": len(have),
            "pseudo_accuracy": float(have.float().mean()) if len(have) else float("nan")}


class PseudoLabelRounds(Callback):
    """Call ``model.pseudo_label_round(split)`` at the end of rounds 1..R-1 of training.

    Training of E epochs is cut into ``model.config.rounds`` rounds of about
    E/R epochs; after each round but the last, the model labels the pool and
    the returned counts (``pseudo_added``, ``pseudo_added_correct``,
    ``pseudo_total``, ...) are added to that epoch's history record.
    """

    def on_epoch_end(self, trainer, epoch: int, record: dict) -> None:
        rounds = trainer.model.config.rounds
        epochs = trainer.config.epochs
        ends = {round(epochs * r / rounds) for r in range(1, rounds)}
        if epoch + 1 in ends and epoch + 1 < epochs:
            record.update(trainer.model.pseudo_label_round(trainer.split))
            record["round"] = sum(1 for e in ends if e <= epoch + 1)
