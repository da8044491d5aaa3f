import numpy as np
import pytest
import torch

import vaessl_lib.data as data_mod
from vaessl_lib import VaesslError, load_dataset, split_labeled_unlabeled
from conftest import make_idx_set


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_loads_from_idx_files_through_torchvision(tmp_path, gz):
    written = make_idx_set(tmp_path / "MNIST" / "raw", n_train=30, n_test=10, gz=gz)
    ds = load_dataset("mnist", root=tmp_path, download=False)
    assert ds.x_train.shape == (30, 1, 28, 28) and ds.x_test.shape == (10, 1, 28, 28)
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert 0.0 <= float(ds.x_train.min()) and float(ds.x_train.max()) <= 1.0
    images, labels = written["train"]
    assert torch.allclose(ds.x_train[:, 0] * 255, torch.from_numpy(images).float(), atol=1e-3)
    assert ds.y_train.tolist() == labels.tolist()
    assert "torchvision" in ds.source


def test_fashion_mnist_reads_debian_package_files(tmp_path, monkeypatch):
    debian = tmp_path / "debian"
    make_idx_set(debian, n_train=20, n_test=10, gz=True)
    monkeypatch.setattr(data_mod, "DEBIAN_FASHION_DIR", debian)
    ds = load_dataset("fashion-mnist", root=tmp_path / "root", download=False)
    assert ds.x_train.shape == (20, 1, 28, 28) and len(ds.y_test) == 10
    assert ds.classes[0] == "T-shirt/top"
    assert (tmp_path / "root" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists()


def test_missing_mnist_gives_one_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(data_mod, "DEBIAN_FASHION_DIR", tmp_path / "nothing")
    with pytest.raises(VaesslError) as err:
        load_dataset("mnist", root=tmp_path, download=False)
    msg = str(err.value)
    assert "'mnist'" in msg and str(tmp_path / "MNIST" / "raw") in msg and "mnist-5k" in msg
    assert "\n" not in msg


def test_auto_falls_back_to_mnist5k_and_says_so(tmp_path, capsys):
    ds = load_dataset("auto", root=tmp_path, download=False)
    assert ds.name == "mnist-5k"
    assert "mnist-5k" in capsys.readouterr().out


def test_auto_uses_full_mnist_when_present(tmp_path, capsys):
    make_idx_set(tmp_path / "MNIST" / "raw", n_train=20, n_test=10)
    ds = load_dataset("auto", root=tmp_path, download=False)
    assert ds.name == "mnist" and "full MNIST" in capsys.readouterr().out


def test_unknown_dataset_name_is_a_clear_error():
    with pytest.raises(VaesslError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")


def test_mnist5k_is_real_balanced_and_fixed():
    ds = load_dataset("mnist-5k")
    assert ds.x_train.shape == (4000, 1, 28, 28) and ds.x_test.shape == (1000, 1, 28, 28)
    assert torch.bincount(ds.y_train).tolist() == [400] * 10
    assert torch.bincount(ds.y_test).tolist() == [100] * 10
    assert 0.0 == float(ds.x_train.min()) and float(ds.x_train.max()) == 1.0
    again = load_dataset("mnist-5k")
    assert torch.equal(ds.x_test, again.x_test)
    # the test images are not among the training images
    train = {bytes((img * 255).round().to(torch.uint8).numpy()) for img in ds.x_train}
    assert not any(bytes((img * 255).round().to(torch.uint8).numpy()) in train for img in ds.x_test)


def test_split_is_stratified_deterministic_and_disjoint(tiny_dataset):
    a = split_labeled_unlabeled(tiny_dataset, 50, seed=7)
    b = split_labeled_unlabeled(tiny_dataset, 50, seed=7)
    c = split_labeled_unlabeled(tiny_dataset, 50, seed=8)
    assert torch.equal(a.labeled_index, b.labeled_index)
    assert not torch.equal(a.labeled_index, c.labeled_index)
    assert torch.bincount(a.y_labeled, minlength=10).tolist() == [5] * 10
    assert len(a.y_labeled) + len(a.y_unlabeled) == len(tiny_dataset.y_train)
    assert not set(a.labeled_index.tolist()) & set(a.unlabeled_index.tolist())
    assert torch.equal(a.x_labeled, tiny_dataset.x_train[a.labeled_index])


@pytest.mark.parametrize("n, match", [(105, "multiple of 10"), (300, "at most"), (0, "positive"), (-10, "positive")])
def test_split_errors_are_clear(tiny_dataset, n, match):
    with pytest.raises(VaesslError, match=match):
        split_labeled_unlabeled(tiny_dataset, n)


def test_split_by_unknown_name_is_a_clear_error():
    with pytest.raises(VaesslError, match="unknown dataset"):
        split_labeled_unlabeled("imagenet", 100)


def test_dataset_moves_to_a_device_as_tensors(tiny_dataset):
    moved = tiny_dataset.to("cpu")
    assert moved.x_train.device.type == "cpu" and isinstance(moved.x_train, torch.Tensor)
    split = split_labeled_unlabeled(tiny_dataset, 20).to("cpu")
    assert split.num_classes == 10 and isinstance(np.asarray(split.y_labeled), np.ndarray)


def test_mismatched_pool_keeps_only_the_asked_classes_in_the_unlabelled_pool(tiny_split):
    from vaessl_lib.data import mismatched_pool

    out = mismatched_pool(tiny_split, [0, 1, 2])
    assert set(out.y_unlabeled.tolist()) == {0, 1, 2}
    assert len(out.x_unlabeled) == len(out.unlabeled_index) == int((tiny_split.y_unlabeled < 3).sum())
    assert torch.equal(out.y_labeled, tiny_split.y_labeled) and torch.equal(out.y_test, tiny_split.y_test)
    with pytest.raises(VaesslError, match="labels in 0..9"):
        mismatched_pool(tiny_split, [10])
