"""``supervised``: the classifier alone on the labelled examples (Chapter 2's baseline).

It gets the same training budget as the SSL methods: an epoch has as many
steps as a pass over the unlabelled pool, each on a labelled batch.
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
