"""``ladder``: the Ladder network (Rasmus et al. 2015; model in :mod:`vaessl_lib.models.ladder`).

Training follows the paper's recipe, scaled down: batches of 100
labelled + 100 unlabelled images, Adam at lr 0.002 held for the first two
thirds of training and then decayed linearly towards 0 (:class:`LinearDecay`;
the paper: 100 epochs flat, 50 decaying).  An epoch is one pass over the
unlabelled pool (``schedule="cycle"``).  The noise std 0.3 was compared with
0.2 on the full-MNIST validation set (100 labels, 10 epochs, seed 0): 96.8 %
against 95.2 % (``benchmarks/results/search_mnist.md``); the 40 epochs on the
same set: 97.9 % against 97.7 % for 20 and 96.8 % for 10 (seed 0).

With every ``denoise_weights`` entry 0 the model is the Ladder's own
supervised baseline: the same noisy encoder and schedule on the labels alone.

Model settings: ``widths``, ``noise_std``, ``denoise_weights``.  Overriding
``widths`` alone gives the paper's weights pattern (1000, 10, 0.1, ...) for
the new depth.
"""

from __future__ import annotations

from ..checkpoints import register_model
from ..errors import VaesslError
from ..models.ladder import Ladder, LadderConfig
from ..train import Callback
from . import Method, register

MODEL_FIELDS = ("widths", "noise_std", "denoise_weights")
DECAY_FRACTION = 1 / 3   # share of the epochs over which the learning rate falls linearly


def default_denoise_weights(hidden_layers: int) -> tuple[float, ...]:
    """lambda(l) for input, hidden layers and top: (1000, 10, 0.1, ..., 0.1), as in the paper's MNIST runs."""
    return (1000.0, 10.0) + (0.1,) * hidden_layers


class LinearDecay(Callback):
    """Keep ``trainer.config.lr`` until the last ``fraction`` of epochs, then lower it linearly each epoch."""

    def __init__(self, fraction: float = DECAY_FRACTION) -> None:
        self.fraction = fraction

    def on_epoch_start(self, trainer, epoch: int) -> None:
        epochs = trainer.config.epochs
        decay_epochs = max(1, round(self.fraction * epochs))
        start = epochs - decay_epochs
        scale = 1.0 if epoch < start else (epochs - epoch) / (decay_epochs + 1)
        for group in trainer.optimizer.param_groups:
            group["lr"] = trainer.config.lr * scale


def build(split, classifier, overrides: dict) -> Ladder:
    if classifier is not None:
        raise VaesslError("the ladder network is its own classifier (an MLP with the given widths); "
                          "set widths=... instead of a classifier")
    over = dict(overrides)
    if isinstance(over.get("widths"), (list, tuple)) and "denoise_weights" not in over:
        over["denoise_weights"] = default_denoise_weights(len(over["widths"]))
    return Ladder(LadderConfig(num_classes=split.num_classes, **over))


register_model(Ladder, LadderConfig)

register(Method(
    name="ladder",
    summary="Ladder network (Rasmus et al. 2015): denoising decoder with lateral connections, noisy encoder",
    build=build,
    train_defaults=dict(epochs=40, batch_labeled=100, batch_unlabeled=100, lr=0.002, schedule="cycle"),
    model_fields=MODEL_FIELDS,
    callbacks=lambda over: [LinearDecay()],
))
