"""``m1m2``: M1+M2 of Kingma et al. (2014), M2 trained on the codes of a VAE (Chapter 5).

Built in two stages by the one loop: before the first epoch :class:`PretrainM1` trains M1 (a VAE) on
every training image of the split, labelled and unlabelled (never the validation or test images); the
epochs then train M2 on M1's codes exactly as the ``m2`` method trains it on pixels, with eq. 9's
weights (alpha = 0.1 N), batch-norm in M2's encoder and decoder and the classifier warm-up.
"""

from __future__ import annotations

import dataclasses

import torch

from ..errors import VaesslError
from ..models.classifiers import ClassifierSpec
from ..models.m1m2 import M1M2, M1M2Config, default_m1
from ..models.m2 import M2Config
from ..models.vae import VAEConfig
from ..train import Callback
from . import Method, register
from .m2 import M2_DEFAULTS, m2_config

M1_FIELDS = ("m1_latent", "m1_hidden", "m1_layers", "m1_epochs", "features")
M2_FIELDS = tuple(f.name for f in dataclasses.fields(M2Config)
                  if f.name not in ("num_classes", "x_dim", "likelihood", "classifier_restart"))
MODEL_FIELDS = M2_FIELDS + M1_FIELDS


def build(split, classifier: ClassifierSpec | None, overrides: dict) -> M1M2:
    over = dict(overrides)
    m1 = default_m1()
    m1 = VAEConfig(latent=over.pop("m1_latent", m1.latent), hidden=over.pop("m1_hidden", m1.hidden),
                   layers=over.pop("m1_layers", m1.layers), activation=m1.activation)
    top = {k: over.pop(k) for k in ("m1_epochs", "features") if k in over}
    if classifier is not None and classifier.name == "cnn":
        raise VaesslError("m1m2's classifier reads M1's codes, not images: choose --classifier mlp or linear")
    # the m2 method's settings and eq. 9's weights, for an M2 of M1's codes with a Gaussian decoder
    m2 = m2_config(split, classifier, over, {**M2_DEFAULTS, "x_dim": m1.latent, "likelihood": "gaussian"})
    return M1M2(M1M2Config(m1=m1, m2=m2, **top))


class PretrainM1(Callback):
    """Before the first epoch, train M1 on every training image of the split (labelled and unlabelled);
    a resumed run finds it trained (the model's ``m1_trained`` flag) and goes on with M2."""

    def on_epoch_start(self, trainer, epoch: int) -> None:
        model: M1M2 = trainer.model
        if bool(model.m1_trained):
            return
        s = trainer.split
        images = torch.cat([s.x_labeled, s.x_unlabeled]) if len(s.x_unlabeled) else s.x_labeled
        model.pretrain_m1(images, seed=trainer.config.seed, progress=trainer.config.progress, log=trainer.log)


register(Method(
    name="m1m2",
    summary="M1+M2 (Kingma et al. 2014): a VAE (M1) trained on every image, then M2 on its 50-dim codes",
    build=build,
    train_defaults=dict(epochs=20, batch_labeled=64, batch_unlabeled=128, lr=1e-3, schedule="cycle"),
    model_fields=MODEL_FIELDS,
    callbacks=lambda over: [PretrainM1()],
))
