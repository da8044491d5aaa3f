"""Small trained models shipped with the package, loaded by name in one call.

Used from Chapter 3 on (VAE intuition: ``vae``, ``vae2d``), in Chapter 4
(diffusion: ``ddpm``) and in Chapter 6 (conditional generation: ``cvae``,
``m2``, ``ddpm`` and the fixed ``classifier`` that judges their samples).

>>> from vaessl_lib.pretrained import load_pretrained      # doctest: +SKIP
>>> vae = load_pretrained("vae2d")
>>> vae.sample(16).shape
torch.Size([16, 1, 28, 28])

Each file in ``vaessl_lib/weights/`` is an ordinary vaessl checkpoint
(:func:`vaessl_lib.checkpoints.save_checkpoint`) stored in half precision;
loading casts it back to float32.  All of them were written by
``scripts/make_checkpoints.py`` from the settings in :data:`PRETRAINED` on the
50,000-image training pool of full MNIST (never its validation or test images), and
each records that command, its data, seed, epochs and training time in
``model.checkpoint["extra"]``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from torch import nn

from .checkpoints import load_checkpoint, read_checkpoint, save_checkpoint
from .errors import VaesslError
from .models import ddpm as _ddpm  # noqa: F401  (registers DDPM with the checkpoint loader)
from .models import vae as _vae  # noqa: F401  (registers VAE and CVAE)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SCRIPT = "python scripts/make_checkpoints.py"
DATA = ("mnist: the 50,000-image training pool of full MNIST (its 60,000 training images less the fixed "
        "10,000-image validation set of split_labeled_unlabeled; the test set is never seen)")

PRETRAINED: dict[str, dict] = {
    "vae": dict(model="VAE", chapter=3, data=DATA, labels=0, seed=0, epochs=30,
                batch_size=128, lr=1e-3, config=dict(latent=16, hidden=256),
                summary="unsupervised VAE, 16-D latent, Bernoulli decoder (train_vae, Adam 1e-3, batch 128)"),
    "vae2d": dict(model="VAE", chapter=3, data=DATA, labels=0, seed=0, epochs=30,
                  batch_size=128, lr=1e-3, config=dict(latent=2, hidden=256),
                  summary="unsupervised VAE with a 2-D latent space, for latent plots and the manifold"),
    "cvae": dict(model="CVAE", chapter=6, data=DATA, labels=50_000, seed=0, epochs=100,
                 batch_size=128, lr=1e-3, config=dict(latent=16, hidden=256, num_classes=10),
                 summary="conditional VAE q(z|x,y), p(x|z,y) trained with all 50,000 labels of the pool"),
    "m2": dict(model="M2", chapter=6, data=DATA, labels=100, seed=0, epochs=20,
               config=dict(),
               summary="the semi-supervised M2 of Chapter 5: train_method('m2', 'mnist', 100) "
                       "(100 labels, 49,900 unlabelled, the library's defaults)"),
    "m1m2": dict(model="M1M2", chapter=6, data=DATA, labels=100, seed=0, epochs=20,
                 config=dict(),
                 summary="M1+M2 of Chapter 5: train_method('m1m2', 'mnist', 100) (M1, a VAE, on all 50,000 "
                         "images of the pool, then M2 on its codes with 100 labels; the library's defaults)"),
    "ddpm": dict(model="DDPM", chapter=4, data=DATA, labels=50_000, seed=0, epochs=3,
                 batch_size=64, lr=2e-3, ema_decay=0.995, config=dict(timesteps=400, channels=(16, 32, 64), num_classes=10, p_uncond=0.1),
                 summary="class-conditional DDPM (T=400, ~0.44M-parameter U-Net, classifier-free "
                         "guidance); trained for about ten minutes on one CPU thread, so its digits are rough"),
    "classifier": dict(model="SupervisedClassifier", chapter=6, data=DATA, labels=50_000, seed=0, epochs=3,
                       config=dict(classifier="cnn"),
                       summary="supervised CNN on the 50,000 labels of the pool: the fixed judge of generated "
                               "digits (no generator was trained with it)"),
}
"""What each shipped model is and how it was trained (``scripts/make_checkpoints.py`` reads these settings)."""


def pretrained_path(name: str) -> Path:
    """The file of a shipped model; raises :class:`VaesslError` for an unknown name."""
    if name not in PRETRAINED:
        raise VaesslError(f"unknown pretrained model {name!r}; choose one of {', '.join(PRETRAINED)}")
    return WEIGHTS_DIR / f"{name}.pt"


def load_pretrained(name: str, device: str | torch.device = "cpu") -> nn.Module:
    """Load a shipped model by name (``vae``, ``vae2d``, ``cvae``, ``m2``, ``ddpm``, ``classifier``), in eval mode.

    The model carries ``.checkpoint`` (method, configs, per-epoch history and
    ``extra``: command, data, seed, epochs, seconds).
    """
    path = pretrained_path(name)
    if not path.is_file():
        raise VaesslError(f"the pretrained model {name!r} is missing from {WEIGHTS_DIR}; "
                          f"recreate it with {SCRIPT} --only {name}")
    return load_checkpoint(path, device=device)


def save_pretrained(path: str | Path, model: nn.Module, method: str, train_config: dict | None = None,
                    history: list | None = None, extra: dict | None = None) -> Path:
    """:func:`~vaessl_lib.checkpoints.save_checkpoint` of a half-precision copy of ``model`` (``model`` is untouched).

    The file is read back at once, so metadata that ``torch.load(weights_only=True)``
    refuses is caught here rather than by the reader."""
    small = copy.deepcopy(model).cpu().half()
    path = save_checkpoint(path, small, method, train_config, history, extra)
    read_checkpoint(path)              # fails now, not at load time, if the metadata is not weights-only loadable
    return path
