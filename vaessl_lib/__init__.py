"""vaessl_lib: the library of the course book on semi-supervised learning with VAEs.

The pieces, one concept per module:

* :mod:`~vaessl_lib.data`: datasets by name, the labelled/unlabelled split (Chapter 1)
* :mod:`~vaessl_lib.losses`: KL, Bernoulli likelihood, ELBO, entropy (Chapter 3)
* :mod:`~vaessl_lib.models`: classifiers q(y|x), the CVAE's encoder/decoder, M2 (Chapter 5)
* :mod:`~vaessl_lib.train`: the one training loop used by every method
* :mod:`~vaessl_lib.methods`: the methods by name (``supervised``, ``notes``, ``m2``)
* :mod:`~vaessl_lib.checkpoints`: save and load trained models
* :mod:`~vaessl_lib.cli`: ``python -m vaessl_lib train|evaluate``
"""

from .checkpoints import load_checkpoint, save_checkpoint
from .data import DATASETS, Dataset, SSLSplit, load_dataset, split_labeled_unlabeled
from .errors import VaesslError
from .methods import METHODS, train_method
from .models import M2, M2Config, SupervisedClassifier, paper_weights
from .runtime import resolve_device, seed_everything
from .train import Callback, History, TrainConfig, Trainer, fit

__version__ = "0.1.0"

__all__ = [
    "DATASETS", "Dataset", "SSLSplit", "load_dataset", "split_labeled_unlabeled", "VaesslError",
    "METHODS", "train_method", "M2", "M2Config", "SupervisedClassifier", "paper_weights",
    "load_checkpoint", "save_checkpoint", "resolve_device", "seed_everything",
    "Callback", "History", "TrainConfig", "Trainer", "fit", "__version__",
]
