"""Classifier networks q(y|x), pluggable into every method (Chapter 5).

The M2 objective does not care which network computes q(y|x); the book
compares three:

* ``linear``: the lecture notes' ``Linear(784, 10)`` on raw pixels,
* ``mlp``: two hidden layers (batch-norm optional), the usual M2 choice,
* ``cnn``: a small convolutional network.

Each maps images (N, 1, 28, 28) or (N, 784) to logits (N, K); ``linear`` and ``mlp`` also read
other feature vectors (``in_dim``: M1+M2's classifier reads M1's latent codes).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..checks import MAX_LAYERS, MAX_WIDTH, number, whole
from ..errors import VaesslError
from ..ops import Softplus

CLASSIFIERS = ("linear", "mlp", "cnn")


def activation(name: str) -> nn.Module:
    """The hidden units' nonlinearity by name (softplus from :mod:`vaessl_lib.ops`, fast on a CPU)."""
    return {"relu": nn.ReLU(), "softplus": Softplus(), "elu": nn.ELU()}[name]


class LinearClassifier(nn.Module):
    """logits = W x + b on the 784 raw pixels (the notes' classifier)."""

    def __init__(self, num_classes: int = 10, in_dim: int = 784) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(in_dim, num_classes))

    def forward(self, x):
        return self.net(x)


class MLPClassifier(nn.Module):
    """784 (or ``in_dim``) -> hidden -> hidden -> K, with optional batch-norm and dropout."""

    def __init__(self, num_classes: int = 10, hidden: int = 500, layers: int = 2,
                 batchnorm: bool = True, act: str = "relu", dropout: float = 0.0, in_dim: int = 784) -> None:
        super().__init__()
        mods: list[nn.Module] = [nn.Flatten()]
        width = in_dim
        for _ in range(layers):
            mods.append(nn.Linear(width, hidden))
            if batchnorm:
                mods.append(nn.BatchNorm1d(hidden))
            mods.append(activation(act))
            if dropout:
                mods.append(nn.Dropout(dropout))
            width = hidden
        mods.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*mods)

    def forward(self, x):
        return self.net(x)


class CNNClassifier(nn.Module):
    """Two conv blocks (32, 64 channels, 3x3, max-pool) and a 128-unit dense layer."""

    def __init__(self, num_classes: int = 10, channels: tuple[int, int] = (32, 64), hidden: int = 128,
                 batchnorm: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        c1, c2 = channels
        bn = (lambda c: nn.BatchNorm2d(c)) if batchnorm else (lambda c: nn.Identity())
        self.net = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), bn(c1), nn.ReLU(), nn.MaxPool2d(2),     # 14x14
            nn.Conv2d(c1, c2, 3, padding=1), bn(c2), nn.ReLU(), nn.MaxPool2d(2),    # 7x7
            nn.Flatten(), nn.Linear(c2 * 49, hidden), nn.ReLU(),
            nn.Dropout(dropout) if dropout else nn.Identity(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.net(x.reshape(-1, 1, 28, 28))


@dataclass
class ClassifierSpec:
    """Which network computes q(y|x), and its size; stored in every checkpoint's config."""

    name: str = "mlp"
    hidden: int = 500
    batchnorm: bool = True
    dropout: float = 0.0
    layers: int = 2
    activation: str = "relu"

    def __post_init__(self) -> None:
        if self.name not in CLASSIFIERS:
            raise VaesslError(f"unknown classifier {self.name!r}; choose one of {', '.join(CLASSIFIERS)}")
        if self.activation not in ("relu", "softplus", "elu"):
            raise VaesslError(f"unknown activation {self.activation!r}; choose relu, softplus or elu")
        whole(self.hidden, "the classifier's hidden width", 1, MAX_WIDTH)
        whole(self.layers, "the classifier's number of hidden layers", 1, MAX_LAYERS)
        number(self.dropout, "the classifier's dropout rate", 0.0, 1.0, high_open=True)

    @classmethod
    def of(cls, value: "ClassifierSpec | dict") -> "ClassifierSpec":
        """A config's ``classifier`` field as a spec (a checkpoint's config stores it as a dict)."""
        return cls(**value) if isinstance(value, dict) else value

    def build(self, num_classes: int = 10, in_dim: int = 784) -> nn.Module:
        """Build the network (``linear`` ignores the size options; ``hidden`` sizes the ``mlp``); ``in_dim``
        is the length of its input vectors (784 pixels; the ``cnn`` reads 28x28 images only)."""
        if self.name == "linear":
            return LinearClassifier(num_classes, in_dim)
        if self.name == "mlp":
            return MLPClassifier(num_classes, hidden=self.hidden, layers=self.layers, batchnorm=self.batchnorm,
                                 act=self.activation, dropout=self.dropout, in_dim=in_dim)
        if in_dim != 784:
            raise VaesslError(f"the cnn classifier reads 28x28 images, not {in_dim}-dimensional features; "
                              f"choose the mlp or the linear classifier")
        return CNNClassifier(num_classes, batchnorm=self.batchnorm, dropout=self.dropout)


def build_classifier(name: str, num_classes: int = 10, **kwargs) -> nn.Module:
    """Build a classifier q(y|x) by name (``linear``, ``mlp`` or ``cnn``)."""
    return ClassifierSpec(name, **kwargs).build(num_classes)
