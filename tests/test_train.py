import math

import pytest
import torch

from vaessl_lib import TrainConfig, Trainer, VaesslError, load_checkpoint, save_checkpoint, train_method
from vaessl_lib.data import SSLSplit
from vaessl_lib.models import M2, NOTES_CONFIG, M2Config, SupervisedClassifier


def make_split(n_labeled: int, n_unlabeled: int) -> SSLSplit:
    g = torch.Generator().manual_seed(1)
    yl = torch.arange(n_labeled) % 10
    return SSLSplit(torch.rand(n_labeled, 1, 28, 28, generator=g), yl,
                    torch.rand(n_unlabeled, 1, 28, 28, generator=g), torch.arange(n_unlabeled) % 10,
                    torch.rand(20, 1, 28, 28, generator=g), torch.arange(20) % 10, 10,
                    torch.arange(n_labeled), torch.arange(n_unlabeled))


class Recorder(torch.nn.Module):
    """A stand-in model that records which examples every step sees."""

    num_classes = 10
    uses_unlabeled = True

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))
        self.seen_labeled, self.seen_unlabeled = [], []

    def training_loss(self, batch, state):
        self.seen_labeled.append(batch.x_labeled[:, 0, 0, :2].clone())
        self.seen_unlabeled.append(None if batch.x_unlabeled is None else batch.x_unlabeled[:, 0, 0, :2].clone())
        return {"loss": self.w.sum() * 0 + self.w.pow(2).sum()}

    def accuracy(self, x, y):
        return 0.0


def test_notes_schedule_takes_exactly_two_steps_per_epoch_with_100_labels():
    split = make_split(100, 3900)
    model = Recorder()
    hist = Trainer(model, split, TrainConfig(epochs=3, schedule="zip", batch_labeled=64, batch_unlabeled=128,
                                             device="cpu", progress=False), log=None).fit()
    assert [r["steps"] for r in hist] == [2, 2, 2]
    assert len(model.seen_labeled) == 6
    assert [len(b) for b in model.seen_labeled[:2]] == [64, 36]   # zip stops with the labelled loader


def test_notes_method_on_mnist5k_takes_two_steps_per_epoch():
    res = train_method("notes", "mnist-5k", 100, epochs=2, seed=0, device="cpu", log=None, progress=False)
    assert res.train_config.schedule == "zip"
    assert [r["steps"] for r in res.history] == [2, 2]
    assert res.model.config.entropy == "notes" and res.model.config.classifier.name == "linear"


def test_faithful_schedule_cycles_labels_across_the_whole_unlabelled_pool():
    split = make_split(100, 1000)
    model = Recorder()
    trainer = Trainer(model, split, TrainConfig(epochs=1, schedule="cycle", batch_labeled=64, batch_unlabeled=128,
                                                device="cpu", progress=False), log=None)
    hist = trainer.fit()
    assert hist[0]["steps"] == math.ceil(1000 / 128) == len(model.seen_labeled)
    # every unlabelled example exactly once per epoch
    seen_u = torch.cat(model.seen_unlabeled)
    assert len(seen_u) == 1000
    assert len(torch.unique(seen_u, dim=0)) == 1000
    # every labelled batch is full, and the labelled set is cycled evenly (counts differ by at most 1)
    assert all(len(b) == 64 for b in model.seen_labeled)
    lab = torch.cat(model.seen_labeled)
    _, counts = torch.unique(lab, dim=0, return_counts=True)
    assert len(counts) == 100 and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("n,size", [(10, 3), (5, 4), (129, 128), (1000, 128), (1, 4), (4, 1), (12, 4)])
def test_an_epoch_sees_every_example_once_when_a_last_batch_of_one_is_merged(n, size):
    """A pass over range(n) in chunks: a last chunk of one joins the one before it (batch-norm cannot train on
    one example) and nothing is dropped or repeated; steps_per_epoch counts the chunks the pass really has."""
    split = make_split(10, n)
    trainer = Trainer(Recorder(), split, TrainConfig(epochs=1, schedule="cycle", batch_labeled=4,
                                                     batch_unlabeled=size, device="cpu", progress=False), log=None)
    chunks = trainer._chunks(n, size)
    assert sorted(torch.cat(chunks).tolist()) == list(range(n))
    assert len(chunks) == Trainer._n_chunks(n, size) and (n == 1 or len(chunks[-1]) > 1)
    assert trainer.steps_per_epoch() == max(len(chunks), math.ceil(10 / 4))
    unl = [u for _, u in trainer.epoch_plan()[:len(chunks)]]
    assert sorted(torch.cat(unl).tolist()) == list(range(n))


def test_same_seed_gives_the_same_history_on_cpu(tiny_split):
    def run():
        torch.manual_seed(0)
        model = M2(M2Config(hidden=32, latent=4, **{k: v for k, v in NOTES_CONFIG.items() if k not in ("hidden", "latent")}))
        cfg = TrainConfig(epochs=2, batch_labeled=8, batch_unlabeled=32, device="cpu", progress=False, seed=3)
        return [{k: v for k, v in r.items() if k != "seconds"} for r in Trainer(model, tiny_split, cfg, log=None).fit()]
    assert run() == run()


def test_history_holds_every_term_accuracy_and_time(tiny_dataset):
    res = train_method("m2", tiny_dataset, 20, epochs=2, seed=0, device="cpu", log=None, progress=False,
                       hidden=32, latent=4, batch_unlabeled=64)
    row = res.history.last
    for key in ("epoch", "steps", "loss", "labeled_neg_elbo", "ce", "U", "entropy", "train_accuracy",
                "unlabeled_accuracy", "val_accuracy", "test_accuracy", "seconds"):
        assert key in row
    assert all(math.isfinite(v) for v in row.values())
    assert "val_accuracy" in res.history[0] and "test_accuracy" not in res.history[0]   # test: once, at the end


def test_training_never_reads_the_test_set(tiny_split):
    """A test set of NaN images would make any accuracy on it raise: training and validation must not
    touch it, and only the final scoring (score_test=True) does."""
    import dataclasses

    poisoned = dataclasses.replace(tiny_split, x_test=torch.full_like(tiny_split.x_test, float("nan")))
    res = train_method("supervised", None, 20, epochs=2, split=poisoned, log=None, progress=False, score_test=False)
    assert len(res.history) == 2 and all(0 <= r["val_accuracy"] <= 1 for r in res.history)
    assert all("test_accuracy" not in r for r in res.history)
    with pytest.raises(VaesslError, match="score_test=False"):
        res.test_accuracy
    with pytest.raises(VaesslError, match="values in \\[0, 1\\]"):
        train_method("supervised", None, 20, epochs=1, split=poisoned, log=None, progress=False)


def test_the_kept_model_is_the_last_epochs_and_its_test_score_is_recorded(tiny_split):
    res = train_method("supervised", None, 20, epochs=3, split=tiny_split, log=None, progress=False)
    assert res.val_accuracy == res.history.last["val_accuracy"]
    assert res.test_accuracy == res.history.last["test_accuracy"] == res.model.accuracy(tiny_split.x_test,
                                                                                          tiny_split.y_test)


def test_loss_falls_on_a_fixed_split(tiny_dataset):
    res = train_method("m2", tiny_dataset, 20, epochs=6, seed=0, device="cpu", log=None, progress=False,
                       hidden=64, latent=4, batch_unlabeled=32, lr=1e-3)
    losses = res.history.column("loss")
    assert losses[-1] < losses[0]


def test_supervised_learns_the_tiny_task(tiny_dataset):
    res = train_method("supervised", tiny_dataset, 50, epochs=5, seed=0, device="cpu", log=None, progress=False)
    assert res.test_accuracy > 0.8


def test_unknown_override_is_a_clear_error(tiny_dataset):
    with pytest.raises(VaesslError, match="no setting 'colour'"):
        train_method("m2", tiny_dataset, 20, epochs=1, colour="red")


@pytest.mark.parametrize("bad", [dict(epochs=-1), dict(schedule="random"), dict(lr=0.0), dict(batch_labeled=0)])
def test_bad_train_config_is_a_clear_error(bad):
    with pytest.raises(VaesslError):
        TrainConfig(**bad)


@pytest.mark.parametrize("method", ["supervised", "notes", "m2"])
def test_checkpoint_round_trip_predicts_the_same(tmp_path, tiny_dataset, method):
    res = train_method(method, tiny_dataset, 20, epochs=1, seed=0, device="cpu", log=None, progress=False,
                       out=tmp_path, classifier="cnn" if method == "m2" else None)
    assert (tmp_path / "history.csv").read_text().startswith("epoch,steps")
    model = load_checkpoint(tmp_path / "model.pt")
    x = tiny_dataset.x_test
    assert torch.equal(model.predict(x), res.model.predict(x))
    proba = model.predict_proba(x.reshape(len(x), 784))
    assert proba.shape == (len(x), 10)
    assert torch.allclose(proba.sum(1), torch.ones(len(x)), atol=1e-5)
    assert model.checkpoint["method"] == method and len(model.checkpoint["history"]) == 1


def test_predict_rejects_bad_input_with_clear_messages():
    model = SupervisedClassifier()
    with pytest.raises(VaesslError, match="divide by 255"):
        model.predict(torch.full((2, 784), 255.0))
    with pytest.raises(VaesslError, match="shape"):
        model.predict(torch.rand(2, 3, 28, 28))
    with pytest.raises(VaesslError, match="dtype"):
        model.predict(torch.zeros(2, 784, dtype=torch.uint8))
    with pytest.raises(VaesslError, match="numpy"):
        model.predict([[0.0] * 784])


def test_corrupt_or_mismatched_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(VaesslError, match="corrupt"):
        load_checkpoint(bad)
    model = M2(M2Config(hidden=16, latent=2))
    path = save_checkpoint(tmp_path / "m.pt", model, "m2")
    payload = torch.load(path, weights_only=True)
    payload["model_config"]["latent"] = 3        # config no longer fits the weights
    torch.save(payload, tmp_path / "edited.pt")
    with pytest.raises(VaesslError, match="does not match"):
        load_checkpoint(tmp_path / "edited.pt")
    torch.save({"weights": 1}, tmp_path / "foreign.pt")
    with pytest.raises(VaesslError, match="not a vaessl checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")
    with pytest.raises(VaesslError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


@pytest.mark.parametrize("switch", [dict(schedule="cycle"), dict(entropy="paper"), dict(classifier="mlp"),
                                    dict(weights="paper")])
def test_each_notes_defect_is_one_switch(tiny_dataset, switch):
    res = train_method("notes", tiny_dataset, 20, epochs=1, seed=0, device="cpu", log=None, progress=False, **switch)
    cfg, model_cfg = res.train_config, res.model.config
    if "schedule" in switch:
        assert cfg.schedule == "cycle"
    if "entropy" in switch:
        assert model_cfg.entropy == "paper"
    if "classifier" in switch:
        assert model_cfg.classifier.name == "mlp"
    if "weights" in switch:
        assert model_cfg.classification_weight == pytest.approx(0.1)   # alpha / N with alpha = 0.1 N
        n_u = len(res.split.y_unlabeled)                                 # N: the pool, validation set excluded
        assert n_u == 200 - 20 - 200 // 6
        assert model_cfg.unlabeled_weight == pytest.approx(n_u / (n_u + 20))
    untouched = {"schedule": "zip", "entropy": "notes"}
    for key, value in untouched.items():
        if key not in switch:
            assert (cfg.schedule if key == "schedule" else model_cfg.entropy) == value


def test_lr_rampdown_falls_to_zero_over_the_last_part_of_training(tiny_dataset):
    from vaessl_lib.train import TrainConfig

    cfg = TrainConfig(lr_rampdown=0.4)
    assert cfg.lr_factor(0.0) == cfg.lr_factor(0.6) == 1.0
    assert cfg.lr_factor(0.8) == pytest.approx(0.5) and cfg.lr_factor(1.0) == pytest.approx(0.0)
    assert TrainConfig().lr_factor(0.99) == 1.0
    with pytest.raises(VaesslError, match="lr_rampdown"):
        TrainConfig(lr_rampdown=1.5)
    result = train_method("supervised", tiny_dataset, labels=20, epochs=2, log=None, progress=False,
                          lr_rampdown=0.5)
    assert result.history.last["test_accuracy"] >= 0


def test_an_exploding_loss_is_warned_about_once_and_a_healthy_one_not():
    """Issue 17 item 9: at lr 10 the cross-entropy reaches the thousands while staying finite."""
    from vaessl_lib import train_method

    lines: list[str] = []
    train_method("supervised", epochs=2, lr=10.0, log=lines.append, progress=False, device="cpu", unlabeled=200)
    warned = [line for line in lines if line.startswith("warning: the loss rose to")]
    assert len(warned) == 1 and "lower the learning rate (now 10)" in warned[0], lines
    with pytest.warns(RuntimeWarning, match="training is diverging"):
        train_method("supervised", epochs=1, lr=10.0, log=None, progress=False, device="cpu", unlabeled=200)
    lines.clear()
    train_method("supervised", epochs=2, log=lines.append, progress=False, device="cpu", unlabeled=200)
    assert not [line for line in lines if line.startswith("warning")], lines


def test_training_on_a_cpu_keeps_freed_memory_for_the_next_step_and_uses_fused_adam(tiny_split):
    import ctypes.util
    import sys

    from vaessl_lib.runtime import keep_freed_memory
    from vaessl_lib.train import adam

    trainer = Trainer(M2(M2Config(hidden=16, latent=4)), tiny_split, TrainConfig(epochs=1, device="cpu"), log=None)
    glibc = sys.platform.startswith("linux") and ctypes.util.find_library("c") is not None
    assert keep_freed_memory() is glibc           # set by the trainer; asking again is harmless
    major, minor = (int(v) for v in torch.__version__.split(".")[:2])
    if (major, minor) >= (2, 4):                  # torch has a fused Adam for CPU parameters from 2.4
        assert trainer.optimizer.defaults.get("fused") is True
    # the fused update is Adam's: one step of each from the same start lands on the same weights
    w1, w2 = torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(3))
    for w, opt in ((w1, adam([w1], lr=0.1)), (w2, torch.optim.Adam([w2], lr=0.1))):
        (w * torch.tensor([1.0, -2.0, 3.0])).sum().backward()
        opt.step()
    assert torch.allclose(w1, w2)
