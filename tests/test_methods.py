"""The SSL methods of Chapter 2 on one API: each trains, its loss falls, its selection rules are exact,
and bad settings get clear errors."""

from __future__ import annotations

import math

import pytest
import torch

from vaessl_lib import VaesslError
from vaessl_lib.augment import random_shift
from vaessl_lib.checkpoints import load_checkpoint
from vaessl_lib.data import corrupt_labels, split_labeled_unlabeled
from vaessl_lib.methods import METHODS, get_method, train_method
from vaessl_lib.methods.co_teaching import kept_fraction, small_loss_indices
from vaessl_lib.methods.co_training import view_masks
from vaessl_lib.methods.pi_model import consistency_weight
from vaessl_lib.models.base import Batch, TrainState
from vaessl_lib.models.classifiers import ClassifierSpec
from vaessl_lib.pseudo_labels import select_confident

SSL = ["self-training", "co-training", "co-teaching", "pi", "m2-pseudo", "ladder"]
MLP64 = ClassifierSpec("mlp", hidden=64)
SMALL = {  # small networks keep the tests fast; the methods' losses are the same at any size
    "pi": {"classifier": ClassifierSpec("mlp", hidden=64, dropout=0.2)},
    "self-training": {"classifier": MLP64}, "co-training": {"classifier": MLP64},
    "co-teaching": {"classifier": MLP64},
    "m2-pseudo": {"classifier": MLP64, "hidden": 64, "latent": 8},
    "ladder": {"widths": (128, 64), "denoise_weights": (1000.0, 10.0, 0.1, 0.1)},
}


def test_every_method_of_the_book_is_registered():
    assert {"supervised", "self-training", "co-training", "co-teaching", "pi", "ladder", "m2", "m2-pseudo", "m1m2",
            "notes"} <= set(METHODS)


@pytest.mark.parametrize("method", SSL)
def test_each_method_trains_with_finite_losses(tiny_dataset, method):
    result = train_method(method, tiny_dataset, labels=20, epochs=2, seed=0, log=None, progress=False,
                          batch_labeled=10, batch_unlabeled=32, **SMALL.get(method, {}))
    assert len(result.history) == 2
    for row in result.history:
        terms = {k: v for k, v in row.items() if isinstance(v, float) and not k.endswith("accuracy")}
        assert terms and all(math.isfinite(v) for v in terms.values()), (method, row)
    assert 0.0 <= result.test_accuracy <= 1.0


@pytest.mark.parametrize("method", SSL)
def test_each_methods_loss_falls_on_a_fixed_batch(tiny_split, method):
    torch.manual_seed(0)
    small = dict(SMALL[method])
    model = get_method(method).build(tiny_split, small.pop("classifier", None), small)
    if hasattr(model, "pseudo"):                                   # give self-training some pseudo-labels
        model.pseudo[:10] = tiny_split.y_unlabeled[:10]
    batch = Batch(tiny_split.x_labeled, tiny_split.y_labeled, tiny_split.x_unlabeled[:40], torch.arange(40))
    state = TrainState(epoch=0, step=0, epochs=1, steps_per_epoch=1)
    state.step = 1                                                  # progress 1: every ramp at full weight

    def loss_at_fixed_noise():
        torch.manual_seed(123)                                      # same dropout masks, shifts, z samples
        model.train()
        with torch.no_grad():
            return float(model.training_loss(batch, state)["loss"])

    before = loss_at_fixed_noise()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(25):
        loss = model.training_loss(batch, state)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = loss_at_fixed_noise()
    assert after < 0.8 * before, (method, before, after)


def test_pseudo_label_selection_keeps_exactly_the_examples_above_the_threshold():
    probs = torch.tensor([[0.96, 0.04], [0.95, 0.05], [0.10, 0.90], [0.02, 0.98], [0.5, 0.5]])
    keep, labels = select_confident(probs, 0.95)
    assert keep.tolist() == [True, False, False, True, False]
    assert labels[keep].tolist() == [0, 1]
    g = torch.Generator().manual_seed(0)
    p = torch.softmax(torch.randn(1000, 10, generator=g) * 3, -1)
    keep, labels = select_confident(p, 0.8)
    assert torch.equal(keep, p.max(-1).values > 0.8) and torch.equal(labels, p.argmax(-1))


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.2, True])
def test_threshold_outside_0_1_is_a_clear_error(tiny_dataset, bad):
    for method in ("self-training", "co-training"):
        with pytest.raises(VaesslError, match=r"confidence in \(0, 1\)"):
            train_method(method, tiny_dataset, labels=20, epochs=0, log=None, threshold=bad)
    with pytest.raises(VaesslError, match=r"confidence in \(0, 1\)"):
        train_method("m2-pseudo", tiny_dataset, labels=20, epochs=0, log=None, pseudo_threshold=bad)


def test_self_training_rounds_add_confident_examples_and_report_how_many_were_right(tiny_dataset):
    result = train_method("self-training", tiny_dataset, labels=20, epochs=4, seed=0, log=None, progress=False,
                          rounds=4, threshold=0.6, batch_labeled=10, batch_unlabeled=32)
    rounds = [row for row in result.history if "pseudo_added" in row]
    assert len(rounds) == 3                                       # after rounds 1, 2 and 3 of 4
    assert sum(r["pseudo_added"] for r in rounds) == rounds[-1]["pseudo_total"] == int((result.model.pseudo >= 0).sum())
    assert all(0 <= r["pseudo_added_correct"] <= r["pseudo_added"] for r in rounds)
    have = result.model.pseudo >= 0
    assert have.any(), "the tiny task is easy: some examples pass a 0.6 threshold"
    right = (result.model.pseudo[have] == result.split.y_unlabeled[have]).sum()
    assert sum(r["pseudo_added_correct"] for r in rounds) == int(right)


@pytest.mark.parametrize("view", ["top-bottom", "left-right", "even-odd"])
def test_co_training_views_are_disjoint_and_cover_the_image(view):
    a, b = view_masks(view)
    assert a.shape == b.shape == (1, 1, 28, 28)
    assert torch.all(a * b == 0) and torch.all(a + b == 1)
    assert a.sum() == b.sum() == 392


def test_co_training_classifiers_see_only_their_view(tiny_split):
    model = get_method("co-training").build(tiny_split, None, {})
    model.eval()
    x = tiny_split.x_test[:5].clone()
    la, lb = model.view_logits(x)
    x2 = x.clone()
    x2[:, :, 14:, :] = torch.rand_like(x2[:, :, 14:, :])          # change only the bottom half
    la2, lb2 = model.view_logits(x2)
    assert torch.allclose(la, la2) and not torch.allclose(lb, lb2)


def test_unknown_view_split_is_a_clear_error(tiny_dataset):
    with pytest.raises(VaesslError, match="unknown view split 'diagonal'; choose one of top-bottom"):
        train_method("co-training", tiny_dataset, labels=20, epochs=0, log=None, view="diagonal")


def test_co_teaching_keeps_the_scheduled_fraction_of_smallest_loss_examples():
    assert kept_fraction(0.0, 0.45, 0.25) == 1.0
    assert kept_fraction(0.125, 0.45, 0.25) == pytest.approx(1 - 0.225)
    assert kept_fraction(0.25, 0.45, 0.25) == kept_fraction(0.9, 0.45, 0.25) == pytest.approx(0.55)
    losses = torch.tensor([5.0, 0.1, 3.0, 0.2, 9.0, 0.3, 4.0, 0.4, 8.0, 7.0])
    idx = small_loss_indices(losses, 0.4)
    assert sorted(idx.tolist()) == [1, 3, 5, 7]
    assert len(small_loss_indices(torch.rand(64), 0.55)) == math.ceil(0.55 * 64)
    assert len(small_loss_indices(torch.rand(3), 0.0)) == 1


def test_co_teaching_updates_each_network_on_the_others_small_loss_examples(tiny_split):
    torch.manual_seed(0)
    model = get_method("co-teaching").build(corrupt_labels(tiny_split, 0.4, 0), None, {"ramp": 0.5})
    state = TrainState(step=1, epochs=1, steps_per_epoch=1)       # progress 1: keep 1 - 0.4
    batch = Batch(tiny_split.x_labeled, tiny_split.y_labeled)
    terms = model.training_loss(batch, state)
    assert float(terms["kept"]) == pytest.approx(0.6)
    with torch.no_grad():
        la = torch.nn.functional.cross_entropy(model.a(batch.x_labeled), batch.y_labeled, reduction="none")
        lb = torch.nn.functional.cross_entropy(model.b(batch.x_labeled), batch.y_labeled, reduction="none")
    expected_a = la[torch.topk(lb, 12, largest=False).indices].mean()     # A learns from B's 12 easiest of 20
    assert float(terms["loss_a"].detach()) == pytest.approx(float(expected_a), rel=1e-5)


@pytest.mark.parametrize("bad", [1.0, -0.1, 1.5])
def test_noise_rate_outside_0_1_is_a_clear_error(tiny_dataset, bad):
    with pytest.raises(VaesslError, match=r"label noise rate must be in \[0, 1\)"):
        train_method("co-teaching", tiny_dataset, labels=20, epochs=0, log=None, label_noise=bad)
    with pytest.raises(VaesslError, match=r"forget_rate"):
        train_method("co-teaching", tiny_dataset, labels=20, epochs=0, log=None, forget_rate=bad if bad != -0.1 else 1.0)


def test_symmetric_label_noise_flips_the_asked_share_to_other_classes(tiny_dataset):
    split = split_labeled_unlabeled(tiny_dataset, 190, seed=0, n_val=0)
    noisy = corrupt_labels(split, 0.45, seed=3)
    flipped = noisy.y_labeled != split.y_labeled
    assert abs(float(flipped.float().mean()) - 0.45) < 0.1
    assert torch.equal(noisy.y_labeled_clean, split.y_labeled) and noisy.label_noise == 0.45
    assert torch.equal(corrupt_labels(split, 0.45, seed=3).y_labeled, noisy.y_labeled)
    assert corrupt_labels(split, 0.0, seed=3) is split
    # the forget rate of co-teaching defaults to the split's noise rate
    assert get_method("co-teaching").build(noisy, None, {}).config.forget_rate == 0.45


def test_random_shift_moves_each_image_by_at_most_s_pixels():
    x = torch.zeros(200, 1, 28, 28)
    x[:, 0, 14, 14] = 1.0
    out = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and torch.all(out.sum((1, 2, 3)) == 1)
    pos = out.reshape(200, -1).argmax(1)
    dy, dx = pos // 28 - 14, pos % 28 - 14
    assert dy.abs().max() == 2 and dx.abs().max() == 2            # every offset in -2..2 is drawn
    assert len(set(zip(dy.tolist(), dx.tolist()))) == 25
    assert torch.equal(random_shift(x, 0), x)
    with pytest.raises(VaesslError, match="max_shift"):
        random_shift(x, -1)


def test_pi_consistency_weight_ramps_up_to_w_max():
    assert consistency_weight(0.0, 10.0, 0.4) == pytest.approx(10 * math.exp(-5))
    assert consistency_weight(0.2, 10.0, 0.4) == pytest.approx(10 * math.exp(-1.25))
    assert consistency_weight(0.4, 10.0, 0.4) == consistency_weight(1.0, 10.0, 0.4) == 10.0


def test_pi_two_passes_differ_so_the_consistency_term_is_not_zero(tiny_split):
    model = get_method("pi").build(tiny_split, ClassifierSpec("mlp", hidden=32, dropout=0.3), {})
    batch = Batch(tiny_split.x_labeled, tiny_split.y_labeled, tiny_split.x_unlabeled[:16], torch.arange(16))
    terms = model.training_loss(batch, TrainState(step=1, epochs=1, steps_per_epoch=1))
    assert float(terms["consistency"].detach()) > 0 and float(terms["w"]) == model.config.w_max


def test_m2_pseudo_adds_the_confident_unlabelled_classification_term(tiny_dataset):
    result = train_method("m2-pseudo", tiny_dataset, labels=20, epochs=1, log=None, progress=False,
                          batch_labeled=10, batch_unlabeled=32, hidden=32, latent=4, pseudo_threshold=0.5)
    row = result.history.last
    assert "pseudo_ce" in row and 0.0 <= row["pseudo_share"] <= 1.0
    assert "pseudo_ce" not in train_method("m2", tiny_dataset, labels=20, epochs=1, log=None, progress=False,
                                           hidden=32, latent=4).history.last


@pytest.mark.parametrize("method", ["self-training", "co-training", "co-teaching", "pi"])
def test_checkpoints_round_trip(tmp_path, tiny_dataset, method):
    result = train_method(method, tiny_dataset, labels=20, epochs=1, log=None, progress=False, out=tmp_path,
                          **SMALL.get(method, {}))
    loaded = load_checkpoint(tmp_path / "model.pt")
    assert torch.equal(loaded.predict(tiny_dataset.x_test), result.model.predict(tiny_dataset.x_test))


def test_cycle_schedule_passes_over_the_labels_when_they_outnumber_the_pool(tiny_dataset):
    result = train_method("supervised", tiny_dataset, labels=190, epochs=1, log=None, progress=False,
                          batch_labeled=10, val_size=0)
    assert result.history.last["steps"] == 19


def test_pi_loss_is_the_chapter_2_objective_with_the_weight_the_book_states():
    """ch02: the code's loss times |B_L|/|B| is eq. ch02-pi with w = w_max * C * |B_L| / |B| (10 -> 33.3)."""
    from vaessl_lib.methods.pi_model import PiConfig, PiModel

    g = torch.Generator().manual_seed(0)
    n_l, n_u, c = 64, 128, 10
    model = PiModel(PiConfig(num_classes=c, classifier=ClassifierSpec("mlp"), shift=0, w_max=10.0))
    z1_logits, z2_logits = torch.randn(n_l + n_u, c, generator=g), torch.randn(n_l + n_u, c, generator=g)
    passes = iter([z1_logits, z2_logits])
    model.logits = lambda x: next(passes)                     # two fixed "stochastic" passes
    y = torch.randint(0, c, (n_l,), generator=g)
    batch = Batch(torch.zeros(n_l, 1, 28, 28), y, torch.zeros(n_u, 1, 28, 28))
    out = model.training_loss(batch, TrainState(step=1, epochs=1, steps_per_epoch=1))
    z1, z2 = z1_logits.softmax(-1), z2_logits.softmax(-1)
    b = n_l + n_u
    w_eq = 10.0 * c * n_l / b
    assert w_eq == pytest.approx(33.33, abs=0.01)
    equation = -torch.log(z1[torch.arange(n_l), y]).sum() / b + w_eq / (c * b) * (z1 - z2).pow(2).sum()
    assert float(out["loss"]) * n_l / b == pytest.approx(float(equation), rel=1e-5)
