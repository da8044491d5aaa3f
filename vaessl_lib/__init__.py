"""vaessl_lib: the library of the course book on semi-supervised learning with VAEs.

The pieces, one concept per module:

* :mod:`~vaessl_lib.data`: datasets by name, the labelled/unlabelled split (Chapter 1)
* :mod:`~vaessl_lib.losses`: KL, Bernoulli likelihood, ELBO, entropy (Chapter 3)
* :mod:`~vaessl_lib.models`: classifiers q(y|x), the CVAE's encoder/decoder, M2 (Chapter 5)
* :mod:`~vaessl_lib.train`: the one training loop used by every method
* :mod:`~vaessl_lib.methods`: the methods by name (``supervised``, ``self-training``, ``co-training``,
  ``co-teaching``, ``pi``, ``ladder``, ``notes``, ``m2``, ``m2-pseudo``) (Chapters 2 and 5)
* :mod:`~vaessl_lib.models.vae`, :mod:`~vaessl_lib.models.ddpm`: the VAE, CVAE and a small DDPM (Chapters 3, 4, 6)
* :mod:`~vaessl_lib.checkpoints`, :mod:`~vaessl_lib.pretrained`: save/load models; the shipped weights by name
* :mod:`~vaessl_lib.course`: the graded exercises (the checker ``grader_for``, the instructor's ``assign`` and
  ``grade`` commands; needs ``vaessl_lib[exercises]``); nothing else in the package imports it
* :mod:`~vaessl_lib.reveal`: the folded result of a "predict, then run" exercise
* :mod:`~vaessl_lib.cli`: ``python -m vaessl_lib train|evaluate|sample|assign|grade``
"""

import signal as _signal
import sys as _sys

# Run as a command (python -m vaessl_lib, vaessl), a Ctrl-C while torch and numpy load (the first second or
# two) would land inside their imports, which swallow it or fail with a traceback. So during the imports
# SIGINT only takes a note, and the command then stops with one line and exit status 130.
_AS_COMMAND = _sys.argv[:1] == ["-m"] or _sys.argv[0].endswith(("vaessl", "vaessl.exe"))
_interrupted: list[bool] = []
_previous_handler = None
if _AS_COMMAND:
    try:
        _previous_handler = _signal.signal(_signal.SIGINT, lambda signum, frame: _interrupted.append(True))
    except ValueError:                 # not the main thread: leave signals alone
        _AS_COMMAND = False
try:
    from .checkpoints import load_checkpoint, save_checkpoint
    from .data import DATASETS, Dataset, SSLSplit, load_dataset, split_labeled_unlabeled
    from .errors import VaesslError
    from .methods import METHODS, train_method
    from .models import ddpm as _ddpm, vae as _vae  # noqa: F401  (registers VAE, CVAE, DDPM for load_checkpoint)
    from .pretrained import load_pretrained
    from .models import M2, M2Config, SupervisedClassifier, paper_weights
    from .runtime import resolve_device, seed_everything
    from .train import Callback, History, TrainConfig, Trainer, fit
finally:
    if _AS_COMMAND:
        _signal.signal(_signal.SIGINT, _previous_handler)
if _interrupted:
    _sys.stderr.write("error: interrupted\n")
    raise SystemExit(130)

__version__ = "0.1.0"

__all__ = [
    "DATASETS", "Dataset", "SSLSplit", "load_dataset", "split_labeled_unlabeled", "VaesslError",
    "METHODS", "train_method", "M2", "M2Config", "SupervisedClassifier", "paper_weights",
    "load_checkpoint", "save_checkpoint", "load_pretrained", "resolve_device", "seed_everything",
    "Callback", "History", "TrainConfig", "Trainer", "fit", "__version__",
]
