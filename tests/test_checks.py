"""Bad settings are one clear error where the setting is made (issue 17 items 8, 12 and 13)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vaessl_lib import M2Config, TrainConfig, VaesslError, load_checkpoint, load_dataset, split_labeled_unlabeled
from vaessl_lib import save_checkpoint, train_method
from vaessl_lib.models import M2, ClassifierSpec


@pytest.mark.parametrize("settings,message", [
    (dict(batch_labeled=1.5), "batch_labeled must be a whole number from 1"),
    (dict(batch_unlabeled=0), "batch_unlabeled must be a whole number from 1"),
    (dict(epochs=True), "epochs must be a whole number"),
    (dict(lr=1e39), r"lr must be a finite number in \(0, 100\]"),
    (dict(lr=float("nan")), r"lr must be a finite number"),
    (dict(lr=0.0), r"lr must be a finite number"),
    (dict(beta1=1.0), r"beta1 must be a finite number in \[0, 1\)"),
])
def test_train_config_refuses_what_would_fail_or_mislead_later(settings, message):
    with pytest.raises(VaesslError, match=message):
        TrainConfig(**settings)


@pytest.mark.parametrize("settings,message", [
    (dict(dropout=1.0), r"dropout rate must be a finite number in \[0, 1\)"),   # trained to chance before
    (dict(dropout=2.0), r"dropout rate must be a finite number in \[0, 1\)"),
    (dict(hidden=20000), "hidden width must be a whole number from 1 to 8192"),
    (dict(layers=100), "number of hidden layers must be a whole number from 1 to 16"),
])
def test_classifier_spec_is_checked_in_the_api_as_on_the_command_line(settings, message):
    with pytest.raises(VaesslError, match=message):
        ClassifierSpec(**settings)


def test_a_small_checkpoint_cannot_ask_the_loader_for_a_huge_network(tmp_path):
    """A 2 KB file naming hidden=20000 is refused before any weight is allocated."""
    model = M2(M2Config(hidden=8, latent=2))
    path = save_checkpoint(tmp_path / "m.pt", model, "m2")
    payload = torch.load(path, weights_only=True)
    payload["model_config"]["hidden"] = 20000
    payload["state_dict"] = {}
    torch.save(payload, tmp_path / "huge.pt")
    with pytest.raises(VaesslError, match="hidden width must be a whole number from 1 to 8192"):
        load_checkpoint(tmp_path / "huge.pt")


def test_a_split_and_contradicting_dataset_or_labels_are_refused():
    data = load_dataset("mnist-5k")
    split = split_labeled_unlabeled(data, 100, seed=0)
    with pytest.raises(VaesslError, match="labels=200 does not match the given split's 100"):
        train_method("supervised", labels=200, split=split, epochs=0, log=None, progress=False)
    with pytest.raises(VaesslError, match="does not match the given split, drawn from 'mnist-5k'"):
        train_method("supervised", dataset="fashion-mnist", split=split, epochs=0, log=None, progress=False)
    run = train_method("supervised", data, 100, split=split, epochs=0, log=None, progress=False)   # consistent
    assert len(run.split.y_labeled) == 100


def test_numpy_integers_are_whole_numbers():
    assert TrainConfig(batch_labeled=np.int64(32)).batch_labeled == 32


def test_odd_inputs_to_predict_and_a_checkpoint_without_history(tmp_path):
    """Issue 17 item 12: a negative-stride numpy array, a meta tensor, a checkpoint without `history`."""
    model = M2(M2Config(hidden=8, latent=2)).eval()
    x = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    assert torch.equal(model.predict(x[::-1]), model.predict(np.ascontiguousarray(x[::-1])))
    with pytest.raises(VaesslError, match="'meta' device"):
        model.predict(torch.empty(2, 784, device="meta"))
    path = save_checkpoint(tmp_path / "m.pt", model, "m2")
    payload = torch.load(path, weights_only=True)
    del payload["history"]
    torch.save(payload, tmp_path / "old.pt")
    assert load_checkpoint(tmp_path / "old.pt").checkpoint["history"] == []
