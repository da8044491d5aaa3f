"""The book's methods by name, all trained by the one loop in :mod:`vaessl_lib.train`.

>>> from vaessl_lib.methods import train_method                     # doctest: +SKIP
>>> result = train_method("m2", dataset="mnist-5k", labels=100, epochs=10, seed=0)
>>> result.val_accuracy, result.test_accuracy

A method is a :class:`Method`: how to build its model for a split and which
training settings it uses.  ``overrides`` switch single fields of the model
config or the training config (e.g. ``schedule="cycle"`` or
``entropy="paper"`` on the ``notes`` recipe), which is how the book fixes the
lecture notes' defects one at a time.  Later chapters add methods with
:func:`register`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..checkpoints import save_checkpoint
from ..data import Dataset, SSLSplit, corrupt_labels, load_dataset, split_labeled_unlabeled
from ..errors import VaesslError
from ..models.base import Classifies
from ..models.classifiers import CLASSIFIERS, ClassifierSpec
from ..outputs import RESUME_FILE, RunCheckpoint, check_run_dir, read_resume, replace_atomically
from ..runtime import seed_everything
from ..train import Callback, History, TrainConfig, Trainer


@dataclass
class Method:
    """A named recipe: ``build(split, classifier, model_overrides)`` and its training defaults."""

    name: str
    summary: str
    build: Callable[[SSLSplit, ClassifierSpec | None, dict], Classifies]
    train_defaults: dict = field(default_factory=dict)
    model_fields: tuple[str, ...] = ()
    callbacks: Callable[[dict], list[Callback]] | None = None


METHODS: dict[str, Method] = {}


def register(method: Method) -> Method:
    METHODS[method.name] = method
    return method


def get_method(name: str) -> Method:
    if name not in METHODS:
        raise VaesslError(f"unknown method {name!r}; choose one of {', '.join(METHODS)}")
    return METHODS[name]


def classifier_spec(classifier: str | ClassifierSpec | None, default: str = "mlp") -> ClassifierSpec:
    if classifier is None:
        return ClassifierSpec(default)
    if isinstance(classifier, ClassifierSpec):
        return classifier
    if classifier not in CLASSIFIERS:
        raise VaesslError(f"unknown classifier {classifier!r}; choose one of {', '.join(CLASSIFIERS)}")
    return ClassifierSpec(classifier)


def _split_overrides(method: Method, overrides: dict[str, Any]) -> tuple[dict, dict]:
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    model_over, train_over = {}, {}
    for key, value in overrides.items():
        if key in train_fields:
            train_over[key] = value
        elif key in method.model_fields:
            model_over[key] = value
        else:
            raise VaesslError(f"method {method.name!r} has no setting {key!r}; model settings: "
                              f"{', '.join(method.model_fields) or 'none'}; training settings: "
                              f"{', '.join(sorted(train_fields))}")
    return model_over, train_over


@dataclass
class RunResult:
    """What :func:`train_method` returns."""

    model: Classifies
    history: History
    split: SSLSplit
    train_config: TrainConfig
    method: str
    test_scored: float | None = None     # the test accuracy scored once after training (None: not scored)

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy of the kept model (the last epoch's; NaN without a validation set)."""
        if self.history and "val_accuracy" in self.history.last:
            return self.history.last["val_accuracy"]
        return self.model.accuracy(self.split.x_val, self.split.y_val)

    @property
    def test_accuracy(self) -> float:
        """Test accuracy of the kept model, scored once after training (``score_test=False``: an error)."""
        if self.test_scored is None:
            raise VaesslError("this run was trained with score_test=False: its test set was not scored "
                              "(choose settings on result.val_accuracy, then train the chosen one with score_test=True)")
        return self.test_scored


def train_method(method: str, dataset: str | Dataset | None = None, labels: int | None = None,
                 epochs: int | None = None,
                 seed: int = 0, classifier: str | ClassifierSpec | None = None, device: str = "auto",
                 out: str | Path | None = None, log: Callable[[str], None] | None = print,
                 progress: bool = True, split: SSLSplit | None = None, callbacks: list[Callback] | tuple = (),
                 label_noise: float = 0.0, score_test: bool = True, val_size: int | None = None,
                 unlabeled: int | None = None, overwrite: bool = False, resume: bool = False,
                 **overrides: Any) -> RunResult:
    """Build ``method``'s model for a labelled/unlabelled split, train it, optionally save it.

    ``callbacks`` hook into the loop (see :class:`vaessl_lib.train.Callback`).
    The split is drawn with ``seed`` (the same seed gives the same labelled
    examples for every method, so comparisons are fair).  ``label_noise``
    flips that share of the labels to other classes (symmetric noise, see
    :func:`vaessl_lib.data.corrupt_labels`; Chapter 2's co-teaching).  With
    ``out`` the run writes ``out/history.csv`` and ``out/resume.pt`` after every epoch and
    ``out/model.pt`` at the end; the folder is checked before training starts (it must be
    writable, and must not hold a run already unless ``overwrite``: :mod:`vaessl_lib.outputs`).
    ``resume=True`` continues the interrupted run in ``out`` after its last complete epoch,
    when it is asked for with the same arguments, and ends with the history (and model) of an
    uninterrupted run.

    Every epoch logs ``val_accuracy`` (the split's validation set); the model
    after the last epoch is kept, and its test accuracy is scored once, at the
    end (``result.test_accuracy``, also in the last history row).  A search
    over settings passes ``score_test=False`` and compares
    ``result.val_accuracy`` only.  ``val_size`` sets the size of the
    validation set (default: the dataset's, see
    :func:`vaessl_lib.data.split_labeled_unlabeled`; 0 for none), and
    ``unlabeled`` keeps only that many of the unlabelled pool (stratified: a fast run
    on a full dataset, the same labelled, validation and test sets).
    """
    spec = get_method(method)
    model_over, train_over = _split_overrides(spec, overrides)
    if split is None:
        dataset = "mnist-5k" if dataset is None else dataset
        data = load_dataset(dataset) if isinstance(dataset, str) else dataset
        split = split_labeled_unlabeled(data, 100 if labels is None else labels, seed, n_val=val_size,
                                        n_unlabeled=unlabeled)
    elif dataset is not None and split.dataset and (dataset if isinstance(dataset, str) else
                                                      getattr(dataset, "name", "")) != split.dataset:
        raise VaesslError(f"dataset={getattr(dataset, 'name', dataset)!r} does not match the given split, drawn from "
                          f"{split.dataset!r}; pass one of them")
    elif labels is not None and labels != len(split.y_labeled):
        raise VaesslError(f"labels={labels} does not match the given split's {len(split.y_labeled)} labelled "
                          f"examples; pass one of them")
    elif val_size is not None and val_size != len(split.y_val):
        raise VaesslError(f"val_size={val_size} does not match the given split's {len(split.y_val)}-image validation "
                          f"set; pass one of them")
    elif unlabeled is not None and unlabeled != len(split.y_unlabeled):
        raise VaesslError(f"unlabeled={unlabeled} does not match the given split's {len(split.y_unlabeled)}-image "
                          f"unlabelled pool; pass one of them")
    split = corrupt_labels(split, label_noise, seed)
    settings = {**spec.train_defaults, **train_over, "seed": seed, "device": device, "progress": progress}
    if epochs is not None:
        settings["epochs"] = epochs
    config = TrainConfig(**settings)
    if out is not None:        # after the input checks, before any training: a bad --out never costs a run
        out = check_run_dir(out, overwrite, resume)
    elif resume:
        raise VaesslError("resume=True needs out=, the folder of the interrupted run")
    seed_everything(seed)
    model = spec.build(split, classifier_spec(classifier) if classifier is not None else None, model_over)
    callbacks = [*(spec.callbacks(model_over) if spec.callbacks else []), *callbacks]
    trainer = Trainer(model, split, config, callbacks, log)
    if out is not None:
        identity = run_identity(method, config, model, split)
        if resume:
            trainer.load_state_dict(read_resume(out, identity))
            if log:
                log(f"resuming the run in {out} after epoch {len(trainer.history)} of {config.epochs}")
        trainer.callbacks.append(RunCheckpoint(out, identity))     # last: it saves what the others did
    history = trainer.fit()
    test = trainer.test_accuracy() if score_test else None
    if test is not None and history:
        history.last["test_accuracy"] = test
    if out is not None:
        replace_atomically(out / "history.csv", history.to_csv)
        save_checkpoint(out / "model.pt", trainer.model, method, config.to_dict(), history,
                        {"labels": len(split.y_labeled), "dataset": split.dataset or getattr(dataset, "name", dataset) or "",
                         "validation": len(split.y_val), "label_noise": split.label_noise,
                         "val_accuracy": history.last.get("val_accuracy") if history else None,
                         "test_accuracy": test})
        (out / RESUME_FILE).unlink(missing_ok=True)                  # finished: nothing left to resume
    return RunResult(trainer.model, history, split, config, method, test)


def run_identity(method: str, config: TrainConfig, model: Classifies, split: SSLSplit) -> dict:
    """What a resumed run must share with the interrupted one: method, training settings (not the device
    or the progress bar), model settings, and the split (sizes and a fingerprint of its examples)."""
    train = {k: v for k, v in config.to_dict().items() if k not in ("device", "progress")}
    model_config = model.config.to_dict() if hasattr(model.config, "to_dict") else {}
    fingerprint = {"dataset": split.dataset, "labels": len(split.y_labeled), "unlabeled": len(split.y_unlabeled),
                   "validation": len(split.y_val), "test": len(split.y_test), "label_noise": split.label_noise,
                   "labelled_sum": round(float(split.x_labeled.double().sum()), 3),
                   "label_sum": int(split.y_labeled.sum()),
                   "unlabeled_sum": round(float(split.x_unlabeled.double().sum()), 3)}
    return {"method": method, "train": train, "model": model_config, "split": fingerprint}


from . import supervised as _supervised  # noqa: E402,F401  (registers "supervised")
from . import m2 as _m2  # noqa: E402,F401  (registers "notes", "m2" and "m2-pseudo")
from . import self_training as _self_training  # noqa: E402,F401  (registers "self-training")
from . import co_training as _co_training  # noqa: E402,F401  (registers "co-training")
from . import co_teaching as _co_teaching  # noqa: E402,F401  (registers "co-teaching")
from . import pi_model as _pi_model  # noqa: E402,F401  (registers "pi")
from . import ladder as _ladder  # noqa: E402,F401  (registers "ladder")
from . import m1m2 as _m1m2  # noqa: E402,F401  (registers "m1m2")
from . import adgm as _adgm  # noqa: E402,F401  (registers "adgm" and "sdgm")

__all__ = ["METHODS", "Method", "RunResult", "get_method", "register", "train_method"]
