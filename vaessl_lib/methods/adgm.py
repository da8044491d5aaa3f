"""``adgm`` and ``sdgm``: the auxiliary and skip deep generative models of Maaløe et al. (2016) (Chapter 5).

Both build :class:`vaessl_lib.models.adgm.ADGM` with eq. 9's weights (alpha = 0.1 N, as for ``m2``) and
train it with the one loop on the same schedule as ``m2`` (a pass over the unlabelled pool per epoch,
64 labelled and 128 unlabelled images a step).  The networks are the paper's for MNIST (two hidden
layers of 500 units in each of the five networks, a and z of 100 dimensions, batch-norm).
"""

from __future__ import annotations

import dataclasses

from ..errors import VaesslError
from ..models.adgm import ADGM, ADGMConfig
from ..models.classifiers import ClassifierSpec
from ..models.m2 import paper_weights
from . import Method, register

MODEL_FIELDS = tuple(f.name for f in dataclasses.fields(ADGMConfig)
                     if f.name not in ("num_classes", "skip", "x_dim")) + ("weights",)
ADGM_DEFAULTS: dict = dict(kl_warmup=0.0)
ADGM_EPOCHS = 20


def build(split, classifier: ClassifierSpec | None, overrides: dict, skip: bool) -> ADGM:
    if classifier is not None:
        raise VaesslError("the auxiliary DGMs have their own classifier q(y|a,x) (an MLP on the image and a): "
                          "leave --classifier and --dropout out")
    fields = {**ADGM_DEFAULTS, **overrides}
    weights = fields.pop("weights", "paper")
    if weights != "paper":
        raise VaesslError(f"weights must be 'paper' (eq. 9's, from alpha), got {weights!r}")
    explicit = {k: v for k, v in fields.items() if k.endswith("_weight")}
    fields.update(paper_weights(len(split.y_labeled), len(split.x_unlabeled), fields.pop("alpha", None)))
    fields.update(explicit)                                                 # explicit weights win
    return ADGM(ADGMConfig(num_classes=split.num_classes, skip=skip, **fields))


TRAIN_DEFAULTS = dict(epochs=ADGM_EPOCHS, batch_labeled=64, batch_unlabeled=128, lr=3e-4, schedule="cycle")

register(Method(
    name="adgm",
    summary="auxiliary deep generative model (Maaløe et al. 2016): M2 with q(a|x), q(y|a,x) and p(a|x,y,z)",
    build=lambda split, clf, over: build(split, clf, over, skip=False),
    train_defaults=TRAIN_DEFAULTS, model_fields=MODEL_FIELDS,
))

register(Method(
    name="sdgm",
    summary="skip deep generative model (Maaløe et al. 2016): the auxiliary a as a generative layer p(a|y,z)",
    build=lambda split, clf, over: build(split, clf, over, skip=True),
    train_defaults=TRAIN_DEFAULTS, model_fields=MODEL_FIELDS,
))
