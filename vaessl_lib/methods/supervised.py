"""``supervised``: the classifier alone on the labelled examples (Chapter 2's baseline).

It gets the same training budget as the SSL methods: an epoch has as many
steps as a pass over the unlabelled pool, each on a labelled batch.  Its
optimiser defaults (Adam 1e-3, 20 epochs) are those of ``m2`` and
``self-training``, the SSL methods it is the baseline of most often, on purpose, so that a plain call is a fair comparison.  Tuned on
the full-MNIST validation set for itself alone, it would take lr 3e-3 for 10
epochs (76.0 % against 75.4 %, 100 labels, seeds 0-2;
``benchmarks/results/search_mnist.md``): the benchmark reports that variant as
a stronger reference (``supervised/mlp+lr3e-3``).
"""

from __future__ import annotations

from ..models.supervised import SupervisedClassifier, SupervisedConfig
from . import Method, register


def build(split, classifier, overrides):
    return SupervisedClassifier(SupervisedConfig(num_classes=split.num_classes,
                                                 **({"classifier": classifier} if classifier else {}), **overrides))


register(Method(
    name="supervised",
    summary="classifier q(y|x) trained on the labelled examples only",
    build=build,
    train_defaults=dict(epochs=20, batch_labeled=64, batch_unlabeled=128, lr=1e-3, schedule="cycle"),
    model_fields=("shift",),
))
