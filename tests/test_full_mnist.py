"""Full MNIST, the paper's setting: the official files read in place, and the protocol's split sizes.

These tests use a local copy (``$VAESSL_DATA``) and are skipped with a reason where there is none.
"""

import hashlib

import pytest
import torch

from conftest import full_mnist_root
from vaessl_lib import split_labeled_unlabeled, train_method

OFFICIAL_MD5 = {   # ../shared/data/README.md: the official release, uncompressed
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


def test_the_local_copy_is_the_official_release(full_mnist):
    raw = full_mnist_root() / "MNIST" / "raw"
    for name, md5 in OFFICIAL_MD5.items():
        if (raw / name).is_file():
            assert hashlib.md5((raw / name).read_bytes()).hexdigest() == md5, name
    assert full_mnist.x_train.shape == (60000, 1, 28, 28) and full_mnist.x_test.shape == (10000, 1, 28, 28)
    assert torch.bincount(full_mnist.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_the_paper_split_50000_pool_10000_validation_10000_test(full_mnist):
    s = split_labeled_unlabeled(full_mnist, 100, seed=0)
    assert (len(s.y_labeled), len(s.y_unlabeled), len(s.y_val), len(s.y_test)) == (100, 49_900, 10_000, 10_000)
    assert torch.bincount(s.y_labeled).tolist() == [10] * 10
    share_val = torch.bincount(s.y_val, minlength=10).double() / 10_000
    share_all = torch.bincount(full_mnist.y_train, minlength=10).double() / 60_000
    assert float((share_val - share_all).abs().max()) < 1e-4          # stratified: every class keeps its share
    idx = torch.cat([s.labeled_index, s.unlabeled_index, s.val_index])
    assert len(torch.unique(idx)) == 60_000                            # disjoint, and together the whole pool
    other = split_labeled_unlabeled(full_mnist, 1000, seed=2)
    assert torch.equal(other.val_index, s.val_index)                  # one validation set for every run


@pytest.mark.parametrize("method", ["supervised"])
def test_a_run_logs_validation_every_epoch_and_scores_test_once(full_mnist, method):
    run = train_method(method, full_mnist, 100, epochs=2, seed=0, log=None, progress=False, eval_unlabeled=False)
    assert all("val_accuracy" in r for r in run.history)
    assert "test_accuracy" not in run.history[0] and run.history.last["test_accuracy"] == run.test_accuracy
    assert 0.5 < run.val_accuracy < 0.95 and 0.5 < run.test_accuracy < 0.95    # 100 labels, an MLP


def test_a_fast_run_on_full_mnist_keeps_a_stratified_part_of_the_unlabelled_pool(full_mnist, capsys):
    whole = split_labeled_unlabeled(full_mnist, 100, seed=1)
    small = split_labeled_unlabeled(full_mnist, 100, seed=1, n_unlabeled=5_000)
    assert (len(small.y_labeled), len(small.y_unlabeled), len(small.y_val), len(small.y_test)) == (100, 5_000, 10_000, 10_000)
    assert torch.equal(small.labeled_index, whole.labeled_index) and torch.equal(small.val_index, whole.val_index)
    share = torch.bincount(small.y_unlabeled, minlength=10).double() / 5_000
    share_whole = torch.bincount(whole.y_unlabeled, minlength=10).double() / len(whole.y_unlabeled)
    assert float((share - share_whole).abs().max()) < 2e-4
    run = train_method("supervised", full_mnist, 100, epochs=1, seed=1, log=None, progress=False, unlabeled=5_000)
    assert len(run.split.y_unlabeled) == 5_000 and run.history.last["test_accuracy"] == run.test_accuracy
