"""What every model with a classifier answers: ``predict`` and ``predict_proba``.

Also the interface the one training loop (:mod:`vaessl_lib.train`) relies on:
``training_loss(batch, state)`` returns a dict of named loss terms whose
``"loss"`` entry is minimised, and ``logits(x)`` gives the classifier's output.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import torch
from torch import nn

from ..errors import VaesslError


@dataclass
class Batch:
    """One optimisation step's data: a labelled batch and (for SSL methods) an unlabelled one."""

    x_labeled: torch.Tensor
    y_labeled: torch.Tensor
    x_unlabeled: torch.Tensor | None = None
    idx_unlabeled: torch.Tensor | None = None   # positions of x_unlabeled in the pool (for pseudo-labels)


@dataclass
class TrainState:
    """Where training stands, for schedules such as KL warm-up."""

    epoch: int = 0          # 0-based epoch index
    step: int = 0           # global optimiser step
    epochs: int = 1
    steps_per_epoch: int = 1

    @property
    def progress(self) -> float:
        """Fraction of training done, in [0, 1]."""
        return min(1.0, self.step / max(1, self.epochs * self.steps_per_epoch))


def as_images(x: Any, name: str = "x") -> torch.Tensor:
    """Validate user images and return a float tensor of shape (N, 1, 28, 28).

    Accepts tensors or arrays shaped (N, 1, 28, 28), (N, 28, 28) or (N, 784) with
    values in [0, 1]; anything else raises a :class:`VaesslError` that says what to do.
    """
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))    # a flipped view (negative strides) is copied
    if not isinstance(x, torch.Tensor):
        raise VaesslError(f"{name} must be a torch.Tensor or numpy array of images, got {type(x).__name__}")
    if x.device.type == "meta":
        raise VaesslError(f"{name} is a tensor on the 'meta' device, which holds no values; pass real images")
    if not torch.is_floating_point(x):
        raise VaesslError(f"{name} has dtype {x.dtype}; pass float images in [0, 1] "
                          f"(for uint8 pixels use x.float() / 255)")
    shape = tuple(x.shape)
    if x.dim() == 2 and shape[1] == 784:
        x = x.reshape(-1, 1, 28, 28)
    elif x.dim() == 3 and shape[1:] == (28, 28):
        x = x.unsqueeze(1)
    elif not (x.dim() == 4 and shape[1:] == (1, 28, 28)):
        raise VaesslError(f"{name} has shape {shape}; expected (N, 1, 28, 28), (N, 28, 28) or (N, 784) "
                          f"28x28 grayscale images")
    if x.numel() and (torch.isnan(x).any() or x.min() < 0 or x.max() > 1):
        lo, hi = float(x.min()), float(x.max())
        hint = " (looks like 0-255 pixels: divide by 255)" if hi > 1.5 else ""
        raise VaesslError(f"{name} must hold values in [0, 1]; got min {lo:.3g}, max {hi:.3g}{hint}")
    return x.float()


@contextlib.contextmanager
def evaluating(model: nn.Module) -> Iterator[nn.Module]:
    """Evaluation mode for the block (batch-norm on its running statistics, no dropout), and the model's
    own mode back afterwards, also when the block raises."""
    was = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was)


class Classifies(nn.Module):
    """Mixin for models with a classifier q(y|x): ``logits`` -> ``predict_proba`` / ``predict``."""

    num_classes: int = 10

    def logits(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @torch.no_grad()
    def predict_proba(self, x: Any, batch_size: int = 2048) -> torch.Tensor:
        """Class probabilities q(y|x), shape (N, num_classes), rows summing to 1 (on the CPU)."""
        x = as_images(x)
        with evaluating(self):
            out = [torch.softmax(self.logits(x[i:i + batch_size].to(self.device)), dim=-1).cpu()
                   for i in range(0, len(x), batch_size)]
        return torch.cat(out) if out else torch.zeros(0, self.num_classes)

    def predict(self, x: Any, batch_size: int = 2048) -> torch.Tensor:
        """Most probable label for each image, shape (N,), int64 on the CPU."""
        return self.predict_proba(x, batch_size).argmax(dim=-1)

    @torch.no_grad()
    def accuracy(self, x: torch.Tensor, y: torch.Tensor, batch_size: int = 2048) -> float:
        """Share of ``x`` classified as ``y``."""
        if len(y) == 0:
            return float("nan")
        return float((self.predict(x, batch_size) == y.cpu()).float().mean())
