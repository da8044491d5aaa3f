import math

import pytest
import torch

from vaessl_lib.checkpoints import load_checkpoint
from vaessl_lib.errors import VaesslError
from vaessl_lib.methods import METHODS, train_method
from vaessl_lib.models.base import Batch
from vaessl_lib.models.ladder import Ladder, LadderConfig

SMALL = dict(widths=(32, 16), denoise_weights=(1000.0, 10.0, 0.1, 0.1))


def small_model(**kw) -> Ladder:
    torch.manual_seed(0)
    return Ladder(LadderConfig(**{**SMALL, **kw}))


def test_loss_terms_are_finite_and_add_up(tiny_dataset):
    model = small_model().train()
    x, y = tiny_dataset.x_train, tiny_dataset.y_train
    terms = model.training_loss(Batch(x[:20], y[:20], x[20:60]))
    layers = [f"denoise_l{i}" for i in range(4)]
    assert set(terms) == {"loss", "ce", "denoise", *layers}
    assert all(math.isfinite(float(v.detach())) for v in terms.values())
    assert torch.allclose(terms["denoise"], sum(terms[k] for k in layers))
    assert torch.allclose(terms["loss"], terms["ce"] + terms["denoise"])
    # without unlabelled images the labelled ones alone are used
    assert math.isfinite(float(model.training_loss(Batch(x[:20], y[:20], None))["loss"].detach()))


def test_loss_and_every_denoising_cost_fall_on_a_fixed_batch(tiny_dataset):
    model = small_model().train()
    x, y = tiny_dataset.x_train, tiny_dataset.y_train
    batch = Batch(x[:20], y[:20], x[20:100])
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    torch.manual_seed(1)
    with torch.no_grad():  # average over noise draws so the comparison is not down to one noise sample
        before = [model.training_loss(batch) for _ in range(5)]
    for _ in range(30):
        loss = model.training_loss(batch)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = [model.training_loss(batch) for _ in range(5)]
    mean = lambda rows, k: sum(float(r[k]) for r in rows) / len(rows)  # noqa: E731
    for key in ("loss", "ce", *(f"denoise_l{i}" for i in range(4))):
        assert mean(after, key) < mean(before, key), key
    assert mean(after, "loss") < 0.8 * mean(before, "loss")


def test_noise_reaches_the_decoder_and_clean_pass_is_deterministic():
    model = small_model().eval()
    x = torch.rand(7, 1, 28, 28)
    assert model.logits(x).shape == (7, 10)
    assert torch.equal(model.logits(x), model.logits(x))
    z1, _, _ = model.encode(x, corrupt=True)
    z2, _, _ = model.encode(x, corrupt=True)
    assert not torch.equal(z1[0], z2[0]) and not torch.equal(z1[-1], z2[-1])


def test_eval_logits_use_running_statistics():
    model = small_model().train()
    model.training_loss(Batch(torch.rand(30, 1, 28, 28), torch.arange(30) % 10, torch.rand(30, 1, 28, 28)))
    model.eval()
    x = torch.rand(5, 1, 28, 28)
    assert torch.allclose(model.logits(x)[:1], model.logits(x[:1]), atol=1e-5)  # one row alone: same scores
    assert model.predict_proba(x).shape == (5, 10)


@pytest.mark.parametrize("kwargs, message", [
    (dict(denoise_weights=(1.0, 2.0)), "one weight per layer, 7"),
    (dict(noise_std=-0.1), "noise_std must be"),
    (dict(noise_std=float("nan")), "noise_std must be"),
    (dict(widths=()), "widths must be"),
    (dict(widths=(100, 0)), "widths must be"),
    (dict(denoise_weights=(1000, 10, -1, 0.1, 0.1, 0.1, 0.1)), ">= 0"),
    (dict(num_classes=1), "num_classes"),
])
def test_bad_config_raises_a_clear_error(kwargs, message):
    with pytest.raises(VaesslError, match=message):
        LadderConfig(**kwargs)


def test_method_registration_overrides_and_errors(tiny_dataset):
    method = METHODS["ladder"]
    assert {"noise_std", "widths", "denoise_weights"} <= set(method.model_fields)
    with pytest.raises(VaesslError, match="has no setting 'hidden'"):
        train_method("ladder", tiny_dataset, labels=20, epochs=0, log=None, progress=False, hidden=3)
    with pytest.raises(VaesslError, match="its own classifier"):
        train_method("ladder", tiny_dataset, labels=20, epochs=0, log=None, progress=False, classifier="mlp")


def test_train_save_and_load_round_trip(tiny_dataset, tmp_path):
    result = train_method("ladder", tiny_dataset, labels=20, epochs=2, seed=0, log=None, progress=False,
                          out=tmp_path, widths=(32, 16), noise_std=0.2, batch_unlabeled=60, batch_labeled=20)
    assert len(result.history) == 2 and all(math.isfinite(v) for v in result.history.column("loss"))
    assert result.model.config.denoise_weights == (1000.0, 10.0, 0.1, 0.1)  # the paper's pattern for 2 layers
    loaded = load_checkpoint(tmp_path / "model.pt")
    assert isinstance(loaded, Ladder) and loaded.config == result.model.config
    x = tiny_dataset.x_test
    assert torch.equal(loaded.predict(x), result.model.predict(x))
    assert torch.allclose(loaded.predict_proba(x), result.model.predict_proba(x), atol=1e-6)


def test_labelled_and_unlabelled_rows_are_normalised_separately():
    model = small_model().train()
    xl, xu = torch.rand(10, 1, 28, 28), torch.rand(12, 1, 28, 28)
    _, out1, _ = model.encode(torch.cat([xl, xu]), corrupt=False, parts=(10, 12))
    _, out2, _ = model.encode(torch.cat([xl * 0.2, xu]), corrupt=False, parts=(10, 12))
    assert torch.allclose(out1[10:], out2[10:], atol=1e-5)   # unlabelled scores ignore the labelled rows
    assert not torch.allclose(out1[:10], out2[:10], atol=1e-3)


def test_the_ladders_own_baseline_is_its_noisy_encoder_on_the_labels_alone(tiny_dataset):
    """All lambda(l) = 0: the loss is the noisy encoder's cross-entropy, the unlabelled rows are not used,
    and the clean pass still keeps the batch-norm statistics that predictions use."""
    model = small_model(denoise_weights=(0.0,) * 4).train()
    assert model.uses_unlabeled is False and small_model().uses_unlabeled is True
    x, y = tiny_dataset.x_train, tiny_dataset.y_train
    before = model.bn[0].running_mean.clone()
    terms = model.training_loss(Batch(x[:20], y[:20], None))
    assert torch.equal(terms["loss"], terms["ce"]) and float(terms["denoise"]) == 0.0
    assert not torch.equal(before, model.bn[0].running_mean)
    terms["loss"].backward()
    assert all(p.grad is None or float(p.grad.abs().sum()) == 0 for p in model.V.parameters())   # no decoder
    run = train_method("ladder", tiny_dataset, 20, epochs=1, seed=0, log=None, progress=False,
                       widths=(32, 16), denoise_weights=(0.0,) * 4)
    assert run.history.last["denoise"] == 0.0
