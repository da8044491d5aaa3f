"""The one training loop, used by every method of the book.

Introduced in Chapter 5 and reused everywhere after.  A model plugs in by
answering two calls (see :mod:`vaessl_lib.models.base`):

* ``model.training_loss(batch, state) -> {"loss": ..., <named terms>}``
* ``model.logits(x)`` (through ``predict``) for the accuracies.

The loop decides which examples each step sees:

* ``schedule="cycle"`` (faithful): one epoch is one pass over the *unlabelled*
  pool; labelled batches are drawn from a stream of reshuffled passes over the
  labelled set, so the few labels are cycled across the whole pool.
* ``schedule="zip"`` (the lecture notes): ``zip(labelled_loader, unlabelled_loader)``
  stops at the shorter loader, so 100 labels in batches of 64 make an
  "epoch" of 2 optimiser steps.

What is measured, and when (Chapter 7, "Applications and limits"): after
every epoch the loop logs the accuracy on the labelled set, on the
unlabelled pool (its hidden labels, for the report only) and on the
**validation** set; the test set is never looked at during training.  The
model that is kept is the one after the **last** epoch (no epoch is picked by
its validation score: the number of epochs is itself a setting chosen on
validation), and :meth:`Trainer.test_accuracy` scores the test set once, for
that model.

Extension points: :class:`Callback` hooks run at the start and end of every
epoch (KL warm-up reads :class:`TrainState`; pseudo-labelling methods can add
labelled examples between epochs), and subclasses may override
:meth:`Trainer.epoch_plan`.

Interrupted runs: :meth:`Trainer.state_dict` holds everything the loop's next
epoch depends on (weights and every buffer, Adam's moments, the batch-order
generator and the labelled stream, the global random states, the history), and
:meth:`Trainer.load_state_dict` puts it back, so that ``fit`` continues after
the last complete epoch and ends where an uninterrupted run ends
(:class:`vaessl_lib.outputs.RunCheckpoint` saves it after every epoch).
"""

from __future__ import annotations

import csv
import math
import random
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from .data import SSLSplit
from .checks import number, training_fractions, whole
from .errors import VaesslError
from .models.base import Batch, Classifies, TrainState
from .runtime import keep_freed_memory, progress_bar, resolve_device, seed_everything

SCHEDULES = ("cycle", "zip")
DIVERGENCE_FACTOR = 10.0   # see Trainer._warn_if_diverging
MAX_LR = 100.0             # Adam steps of more than this are never training (1e39 overflowed float32)


@dataclass
class TrainConfig:
    """Optimiser and loop settings; saved in checkpoints next to the model config."""

    epochs: int = 20
    batch_labeled: int = 64
    batch_unlabeled: int = 128
    lr: float = 1e-3
    beta1: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "cycle"
    seed: int = 0
    device: str = "auto"
    eval_unlabeled: bool = True
    progress: bool = True
    lr_rampdown: float = 0.0   # last fraction of training over which the lr falls to 0 (half-cosine)

    def __post_init__(self) -> None:
        whole(self.epochs, "epochs", 0)
        whole(self.batch_labeled, "batch_labeled", 1)
        whole(self.batch_unlabeled, "batch_unlabeled", 1)
        number(self.lr, "the learning rate lr", 0.0, MAX_LR, low_open=True)
        number(self.beta1, "beta1", 0.0, 1.0, high_open=True)
        number(self.weight_decay, "weight_decay", 0.0, 1.0)
        if self.schedule not in SCHEDULES:
            raise VaesslError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        training_fractions(self, "lr_rampdown")

    def to_dict(self) -> dict:
        return asdict(self)

    def lr_factor(self, progress: float) -> float:
        r"""Learning-rate multiplier: 1, then a half-cosine to 0 over the last ``lr_rampdown`` of training.

        .. math:: f(p) = \tfrac12\big(1 + \cos(\pi\,(p - (1 - r))/r)\big) \quad \text{for } p > 1 - r
        """
        r = self.lr_rampdown
        if r <= 0 or progress <= 1 - r:
            return 1.0
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (progress - (1 - r)) / r)))


class History(list):
    """Per-epoch records (dicts): epoch, steps, every loss term, accuracies, seconds."""

    def column(self, key: str) -> list[float]:
        return [row.get(key, float("nan")) for row in self]

    @property
    def last(self) -> dict:
        return self[-1] if self else {}

    def to_csv(self, path: str | Path) -> None:
        keys: list[str] = []
        for row in self:
            keys += [k for k in row if k not in keys]
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self)


class Callback:
    """Hooks into the loop; override what you need."""

    def on_epoch_start(self, trainer: "Trainer", epoch: int) -> None:
        pass

    def on_epoch_end(self, trainer: "Trainer", epoch: int, record: dict) -> None:
        pass


def format_record(record: dict, epochs: int) -> str:
    """One log line per epoch, in the spirit of the lecture notes' printout."""
    terms = "  ".join(f"{k} {v}" if isinstance(v, int) else f"{k} {v:.4f}" for k, v in record.items()
                      if k not in ("epoch", "steps", "seconds") and not k.endswith("accuracy"))
    accs = "  ".join(f"{k.replace('accuracy', 'acc')} {v:.4f}" for k, v in record.items() if k.endswith("accuracy"))
    return f"Epoch {record['epoch']:>3}/{epochs}  steps {record['steps']}  {terms}  {accs}  ({record['seconds']:.1f}s)"


def adam(params, **settings) -> torch.optim.Adam:
    """Adam with its fused kernel where this torch has one for the parameters' device (CPU from torch 2.4,
    CUDA): the same update as the default one, in one pass over the parameters instead of a dozen
    (on one CPU core it takes an M2 step from 69 to 65 ms); else the default implementation."""
    params = list(params)
    try:
        return torch.optim.Adam(params, fused=True, **settings)
    except (RuntimeError, TypeError, ValueError):     # no fused kernel for this device or torch version
        return torch.optim.Adam(params, **settings)


class Trainer:
    """Trains ``model`` on ``split`` with Adam; see the module docstring for the schedules."""

    def __init__(self, model: Classifies, split: SSLSplit, config: TrainConfig | None = None,
                 callbacks: list[Callback] | tuple[Callback, ...] = (),
                 log: Callable[[str], None] | None = print) -> None:
        self.config = config or TrainConfig()
        self.device = resolve_device(self.config.device)
        if self.device.type == "cpu":
            keep_freed_memory()                  # reuse each step's large temporaries (see its docstring)
        self.model = model.to(self.device)
        self.split = split.to(self.device)
        self.callbacks = list(callbacks)
        self.log = log
        self.history = History()
        self.generator = seed_everything(self.config.seed)
        self.optimizer = adam(self.model.parameters(), lr=self.config.lr, betas=(self.config.beta1, 0.999),
                              weight_decay=self.config.weight_decay)
        self.uses_unlabeled = getattr(model, "uses_unlabeled", True)
        self._label_stream = torch.empty(0, dtype=torch.long)
        self.state = TrainState(epochs=self.config.epochs, steps_per_epoch=self.steps_per_epoch())
        self.initial_loss: float | None = None     # the first batch's loss, before any update
        self._warned = False
        if len(self.split.y_labeled) == 0:
            raise VaesslError("the split has no labelled examples")

    # ------------------------------------------------------------------ batches
    def steps_per_epoch(self) -> int:
        """``cycle``: a pass over the larger of the two sets (the unlabelled pool, unless labels
        outnumber it); ``zip``: the shorter loader's length."""
        n_l, n_u = len(self.split.y_labeled), len(self.split.x_unlabeled)
        b_l, b_u = self.config.batch_labeled, self.config.batch_unlabeled
        if self.config.schedule == "zip":
            return max(1, min(self._n_chunks(n_l, b_l), self._n_chunks(n_u, b_u)))
        return max(1, self._n_chunks(n_u, b_u), math.ceil(n_l / b_l))

    @staticmethod
    def _n_chunks(n: int, size: int) -> int:
        """How many chunks :meth:`_chunks` cuts range(n) into."""
        full = math.ceil(n / size)
        return full - 1 if full > 1 and n - (full - 1) * size == 1 else full

    def _chunks(self, n: int, size: int) -> list[torch.Tensor]:
        """A shuffled pass over range(n) in chunks of ``size``; a last chunk of 1 joins the previous one
        (batch-norm cannot train on a single example)."""
        perm = torch.randperm(n, generator=self.generator)
        chunks = list(perm.split(size))
        if len(chunks) > 1 and len(chunks[-1]) == 1:
            last = chunks.pop()
            chunks[-1] = torch.cat([chunks[-1], last])
        return chunks

    def _next_labeled(self, size: int) -> torch.Tensor:
        """Next ``size`` labelled indices from an endless stream of reshuffled passes."""
        n = len(self.split.y_labeled)
        size = min(size, n)
        while len(self._label_stream) < size:
            self._label_stream = torch.cat([self._label_stream, torch.randperm(n, generator=self.generator)])
        out, self._label_stream = self._label_stream[:size], self._label_stream[size:]
        return out

    def epoch_plan(self) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        """Index pairs (labelled, unlabelled) for every step of one epoch."""
        n_l, n_u = len(self.split.y_labeled), len(self.split.x_unlabeled)
        b_l, b_u = self.config.batch_labeled, self.config.batch_unlabeled
        unl = self._chunks(n_u, b_u) if n_u else []
        if self.config.schedule == "zip":
            lab = self._chunks(n_l, b_l)
            return list(zip(lab, unl))  # stops at the shorter loader, as the notes' zip does
        steps = self.steps_per_epoch()
        while n_u and len(unl) < steps:          # more labelled than unlabelled batches: cycle the pool too
            unl += self._chunks(n_u, b_u)
        return [(self._next_labeled(b_l), unl[i] if i < len(unl) else None) for i in range(steps)]

    def batches(self, plan) -> Iterator[Batch]:
        s, dev = self.split, self.device
        for lab, unl in plan:
            lab = lab.to(dev)
            if self.uses_unlabeled and unl is not None:
                unl = unl.to(dev)
                yield Batch(s.x_labeled[lab], s.y_labeled[lab], s.x_unlabeled[unl], unl)
            else:
                yield Batch(s.x_labeled[lab], s.y_labeled[lab])

    def _warn_if_diverging(self, record: dict) -> None:
        """A loss still finite but exploding (Adam at lr 10 gives cross-entropies of 1,000s, M2 bounds of
        1e8 nats): warn once when an epoch's mean loss is over 10 times the loss at initialisation (the
        first batch's, before any update; the losses of every method fall from there when training works)."""
        loss, first = record.get("loss"), self.initial_loss
        if self._warned or loss is None or first is None or first <= 0 or loss <= DIVERGENCE_FACTOR * first:
            return
        self._warned = True
        message = (f"warning: the loss rose to {loss:.3g} in epoch {record['epoch']}, over {DIVERGENCE_FACTOR:g} "
                   f"times its {first:.3g} at initialisation: training is diverging; lower the learning rate "
                   f"(now {self.config.lr:g})")
        if self.log:
            self.log(message)
        else:                                       # a silent run (log=None) still gets told
            warnings.warn(message.removeprefix("warning: "), RuntimeWarning, stacklevel=3)

    # ------------------------------------------------------------------ interrupted runs
    def state_dict(self) -> dict:
        """The loop's whole state after the last complete epoch (CPU tensors and plain values only, so
        that ``torch.load(..., weights_only=True)`` reads it back)."""
        np_state = np.random.get_state()
        return {
            "history": [dict(r) for r in self.history],
            "model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            "buffers": {k: v.detach().cpu().clone() for k, v in self.model.named_buffers()},  # non-persistent too
            "optimizer": self.optimizer.state_dict(),
            "step": self.state.step,
            "initial_loss": self.initial_loss,
            "generator": self.generator.get_state(),
            "label_stream": self._label_stream.cpu().clone(),
            "rng": {"torch": torch.get_rng_state(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                    "numpy": {"keys": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                              "has_gauss": int(np_state[3]), "cached": float(np_state[4])},
                    "python": random.getstate()},
        }

    def load_state_dict(self, state: dict) -> None:
        """Put back what :meth:`state_dict` saved; the next :meth:`fit` starts after its last epoch."""
        self.model.load_state_dict(state["model"])
        buffers = dict(self.model.named_buffers())
        for name, value in state["buffers"].items():
            buffers[name].copy_(value.to(buffers[name].device))
        self.optimizer.load_state_dict(state["optimizer"])
        self.state.step = int(state["step"])
        self.initial_loss = state.get("initial_loss")
        self.generator.set_state(state["generator"])
        self._label_stream = state["label_stream"].clone()
        self.history = History(dict(r) for r in state["history"])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        if rng["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
        n = rng["numpy"]
        np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
        random.setstate(tuple(tuple(x) if isinstance(x, list) else x for x in rng["python"]))

    # ------------------------------------------------------------------ loop
    def evaluate(self) -> dict[str, float]:
        """Accuracy on the labelled set, the unlabelled pool (true labels hidden from training) and the
        validation set; never the test set (see :meth:`test_accuracy`)."""
        s, m = self.split, self.model
        out = {"train_accuracy": m.accuracy(s.x_labeled, s.y_labeled)}
        if self.config.eval_unlabeled and len(s.y_unlabeled):
            out["unlabeled_accuracy"] = m.accuracy(s.x_unlabeled, s.y_unlabeled)
        if len(s.y_val):
            out["val_accuracy"] = m.accuracy(s.x_val, s.y_val)
        return out

    def test_accuracy(self) -> float:
        """The test set, scored once, for the model as it is now (the last epoch's)."""
        return self.model.accuracy(self.split.x_test, self.split.y_test)

    def fit(self) -> History:
        cfg = self.config
        total = cfg.epochs * self.state.steps_per_epoch
        bar = progress_bar(total, "training", cfg.progress, leave=False, dynamic_ncols=True,
                           initial=len(self.history) * self.state.steps_per_epoch)   # a resumed run starts part-way
        try:
            for epoch in range(len(self.history), cfg.epochs):
                self.state.epoch = epoch
                for cb in self.callbacks:
                    cb.on_epoch_start(self, epoch)
                start = time.perf_counter()
                self.model.train()
                sums: dict[str, torch.Tensor] = {}
                plan = self.epoch_plan()
                for batch in self.batches(plan):
                    terms = self.model.training_loss(batch, self.state)
                    if self.initial_loss is None:
                        self.initial_loss = float(terms["loss"].detach())
                    self.optimizer.zero_grad(set_to_none=True)
                    terms["loss"].backward()
                    if cfg.lr_rampdown > 0:
                        for group in self.optimizer.param_groups:
                            group["lr"] = cfg.lr * cfg.lr_factor(self.state.progress)
                    self.optimizer.step()
                    self.state.step += 1
                    for k, v in terms.items():
                        sums[k] = sums.get(k, 0.0) + v.detach()
                    bar.update(1)
                record: dict = {"epoch": epoch + 1, "steps": len(plan)}
                for k, v in sums.items():
                    record[k] = float(v) / max(1, len(plan))
                if not math.isfinite(record.get("loss", 0.0)):
                    raise VaesslError(f"training diverged in epoch {epoch + 1} (loss = {record['loss']}); "
                                      f"lower the learning rate or check the inputs are in [0, 1]")
                self._warn_if_diverging(record)
                record.update(self.evaluate())
                record["seconds"] = time.perf_counter() - start
                self.history.append(record)
                if "val_accuracy" in record:
                    bar.set_postfix(epoch=epoch + 1, val_acc=f"{record['val_accuracy']:.3f}")
                for cb in self.callbacks:
                    cb.on_epoch_end(self, epoch, record)
                if self.log:
                    self.log(format_record(record, cfg.epochs))
        finally:
            bar.close()
        return self.history


def fit(model: Classifies, split: SSLSplit, config: TrainConfig | None = None,
        callbacks: list[Callback] | tuple[Callback, ...] = (), log: Callable[[str], None] | None = print) -> History:
    """Train ``model`` on ``split`` with the one training loop; returns the per-epoch history."""
    return Trainer(model, split, config, callbacks, log).fit()
