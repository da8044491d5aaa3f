"""Shared fixtures: tiny synthetic splits so unit tests run in seconds on a CPU."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from vaessl_lib.data import Dataset, split_labeled_unlabeled


def write_idx(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray, gz: bool) -> None:
    """Write images (N, 28, 28) uint8 and labels (N,) uint8 in the idx format MNIST ships in."""
    folder.mkdir(parents=True, exist_ok=True)
    img = struct.pack(">IIII", 0x00000803, len(images), 28, 28) + images.astype(np.uint8).tobytes()
    lab = struct.pack(">II", 0x00000801, len(labels)) + labels.astype(np.uint8).tobytes()
    for name, payload in ((f"{prefix}-images-idx3-ubyte", img), (f"{prefix}-labels-idx1-ubyte", lab)):
        if gz:
            with gzip.open(folder / f"{name}.gz", "wb") as fh:
                fh.write(payload)
        else:
            (folder / name).write_bytes(payload)


def make_idx_set(folder: Path, n_train: int = 40, n_test: int = 20, gz: bool = True, seed: int = 0):
    rng = np.random.default_rng(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = np.arange(n) % 10
        write_idx(folder, prefix, images, labels, gz)
        out[prefix] = (images, labels)
    return out


@pytest.fixture
def tiny_dataset() -> Dataset:
    """200 train / 50 test random 'images' with 10 balanced classes; class k is brighter in row k."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(200) % 10
    x = torch.rand(200, 1, 28, 28, generator=g) * 0.3
    for k in range(10):
        x[y == k, 0, 2 * k:2 * k + 3, :] += 0.6
    yt = torch.arange(50) % 10
    xt = torch.rand(50, 1, 28, 28, generator=g) * 0.3
    for k in range(10):
        xt[yt == k, 0, 2 * k:2 * k + 3, :] += 0.6
    return Dataset("tiny", x.clamp(0, 1), y, xt.clamp(0, 1), yt, tuple(map(str, range(10))), "synthetic")


@pytest.fixture
def tiny_split(tiny_dataset):
    return split_labeled_unlabeled(tiny_dataset, 20, seed=0)


def full_mnist_root() -> Path | None:
    """Where a local copy of full MNIST is (``$VAESSL_DATA/MNIST/raw``: CI and ``dev.py`` point it at
    ``../shared/data`` when that folder exists), or None."""
    import os

    from vaessl_lib.data import IDX_FILES

    root = os.environ.get("VAESSL_DATA")
    if root and all((Path(root) / "MNIST" / "raw" / n).is_file() or (Path(root) / "MNIST" / "raw" / f"{n}.gz").is_file()
                    for n in IDX_FILES):
        return Path(root)
    return None


@pytest.fixture(scope="session")
def full_mnist():
    """Full MNIST from a local copy; the test is skipped (with the reason) where there is none."""
    root = full_mnist_root()
    if root is None:
        pytest.skip("full MNIST is not here: set VAESSL_DATA to a folder holding MNIST/raw/ "
                    "(dev.py and CI use ../shared/data when it exists)")
    from vaessl_lib import load_dataset

    return load_dataset("mnist", root=root, download=False)
