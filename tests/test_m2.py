import math

import pytest
import torch

from vaessl_lib.errors import VaesslError
from vaessl_lib.models import M2, Batch, ClassifierSpec, M2Config, paper_weights


@pytest.fixture
def model():
    torch.manual_seed(0)
    return M2(M2Config(classifier=ClassifierSpec("mlp", hidden=64), hidden=64, latent=8)).eval()


@pytest.mark.parametrize("vae_batchnorm", [False, True])
def test_batched_bound_equals_per_class_loop(vae_batchnorm):
    torch.manual_seed(0)
    model = M2(M2Config(classifier=ClassifierSpec("mlp", hidden=64), hidden=64, latent=8,
                        vae_batchnorm=vae_batchnorm)).eval()
    x = torch.rand(16, 1, 28, 28)
    noise = torch.randn(10, 16, 8)
    batched = model.unlabeled_terms(x, noise=noise)
    looped = model.unlabeled_terms_loop(x, noise=noise)
    for key in ("U", "expected_neg_elbo", "entropy", "recon", "kl"):
        assert torch.allclose(batched[key], looped[key], atol=1e-5, rtol=1e-5), key


def test_in_training_mode_batch_norm_makes_the_two_passes_differ_and_nothing_else_does():
    """ch05: same bound, different batch statistics.  The batched pass normalises over all K*B rows
    (every label's copy at once), the loop over each label's B rows; without batch-norm, or in eval
    mode, they agree."""
    x, noise = torch.rand(32, 1, 28, 28), torch.randn(10, 32, 8)
    gaps = {}
    for bn in (False, True):
        torch.manual_seed(0)
        model = M2(M2Config(classifier=ClassifierSpec("mlp", hidden=64), hidden=64, latent=8,
                            vae_batchnorm=bn)).train()
        with torch.no_grad():
            gaps[bn] = float((model.unlabeled_terms(x, noise=noise)["U"]
                              - model.unlabeled_terms_loop(x, noise=noise)["U"]).abs().max())
    assert gaps[False] < 1e-3 and gaps[True] > 1e-2, gaps


def test_batched_bound_is_one_pass(model, monkeypatch):
    calls = []
    original = model.decoder.forward
    monkeypatch.setattr(model.decoder, "forward", lambda z, y: calls.append(len(z)) or original(z, y))
    model.unlabeled_terms(torch.rand(8, 784))
    assert calls == [80]  # one decoder call on K * B rows


def test_entropy_term_has_the_sign_of_eq7(model):
    x = torch.rand(6, 784)
    noise = torch.randn(10, 6, 8)
    paper = model.unlabeled_terms(x, noise=noise)
    # eq. 7: U(x) = sum_y q(y|x)(-L(x,y)) - H(q(y|x))
    assert torch.allclose(paper["U"], paper["expected_neg_elbo"] - paper["entropy"], atol=1e-5)
    assert (paper["U"] < paper["expected_neg_elbo"]).all()
    model.config.entropy = "notes"
    notes = model.unlabeled_terms(x, noise=noise)
    assert torch.allclose(notes["U"], notes["expected_neg_elbo"] + notes["entropy"], atol=1e-5)


def test_paper_sign_pushes_q_towards_higher_entropy_when_bounds_tie():
    # With equal bounds for every class, minimising eq. 7 maximises H(q): the gradient
    # step on the logits must raise the entropy; the notes' sign lowers it.
    logits = torch.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
    for sign, direction in ((-1.0, 1), (1.0, -1)):
        q = torch.softmax(logits, -1)
        h = -(q * q.log()).sum()
        loss = (q * torch.full((1, 3), 100.0)).sum() + sign * h
        (grad,) = torch.autograd.grad(loss, logits)
        new = torch.softmax(logits - 0.1 * grad, -1)
        assert direction * (-(new * new.log()).sum() - h) > 0


def test_labeled_terms_and_training_loss_report_every_term(model):
    model.train()
    batch = Batch(torch.rand(4, 1, 28, 28), torch.tensor([0, 1, 2, 3]), torch.rand(6, 1, 28, 28))
    terms = model.training_loss(batch)
    for key in ("loss", "labeled_neg_elbo", "ce", "U", "entropy", "unlabeled_recon", "unlabeled_kl"):
        assert key in terms and torch.isfinite(terms[key])
    c = model.config
    expected = c.labeled_weight * terms["labeled_neg_elbo"] + c.classification_weight * terms["ce"] \
        + c.unlabeled_weight * terms["U"]
    assert torch.allclose(terms["loss"], expected)


def test_labeled_bound_includes_the_label_prior(model):
    x, y = torch.rand(3, 784), torch.tensor([1, 2, 3])
    noise = torch.randn(3, 8)
    t = model.labeled_terms(x, y, noise=noise)
    assert torch.allclose(t["neg_elbo"], t["recon"] + t["kl"] + math.log(10), atol=1e-4)


def test_paper_weights_follow_eq9():
    w = paper_weights(100, 3900)
    assert w["alpha"] == pytest.approx(400.0)
    assert w["classification_weight"] == pytest.approx(0.1)
    assert w["labeled_weight"] == pytest.approx(100 / 4000)
    assert w["unlabeled_weight"] == pytest.approx(3900 / 4000)
    assert paper_weights(100, 3900, alpha=4000)["classification_weight"] == pytest.approx(1.0)
    with pytest.raises(VaesslError):
        paper_weights(100, 3900, alpha=-1)


def test_kl_warmup_rises_linearly():
    from vaessl_lib.models import TrainState
    m = M2(M2Config(hidden=16, latent=2, kl_warmup=0.5, classifier=ClassifierSpec("linear")))
    st = TrainState(epochs=10, steps_per_epoch=10)
    st.step = 0
    assert m.kl_weight(st) == 0.0
    st.step = 25
    assert m.kl_weight(st) == pytest.approx(0.5)
    st.step = 80
    assert m.kl_weight(st) == 1.0


def test_generate_gives_images_in_unit_range(model):
    imgs = model.generate(torch.tensor([4, 4, 7]))
    assert imgs.shape == (3, 1, 28, 28) and imgs.min() >= 0 and imgs.max() <= 1
    with pytest.raises(VaesslError):
        model.generate(torch.tensor([10]))


@pytest.mark.parametrize("bad", [dict(entropy="wrong"), dict(reduction="max"), dict(kl_warmup=2.0),
                                 dict(classifier={"name": "resnet"})])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(VaesslError):
        M2Config(**bad)


@pytest.mark.parametrize("name", ["linear", "mlp", "cnn"])
def test_every_classifier_reads_both_shapes(name):
    net = ClassifierSpec(name, hidden=32).build(10).eval()
    assert net(torch.rand(5, 1, 28, 28)).shape == (5, 10)
    assert net(torch.rand(5, 784)).shape == (5, 10)


def test_classifier_warmup_detaches_q_from_the_unlabelled_bound():
    from vaessl_lib.models import TrainState
    torch.manual_seed(0)
    m = M2(M2Config(hidden=32, latent=4, classifier=ClassifierSpec("mlp", hidden=16, batchnorm=False),
                    classifier_warmup=0.5, freeze_generative_after_warmup=True))
    x = torch.rand(8, 784)
    early, late = TrainState(step=1, epochs=10, steps_per_epoch=10), TrainState(step=60, epochs=10, steps_per_epoch=10)

    def grads(state):
        m.zero_grad()
        m.unlabeled_terms(x, state)["U"].mean().backward()
        clf = sum(p.grad.abs().sum() for p in m.classifier.parameters() if p.grad is not None)
        gen = sum(p.grad.abs().sum() for p in [*m.encoder.parameters(), *m.decoder.parameters()] if p.grad is not None)
        return float(clf), float(gen)

    clf_early, gen_early = grads(early)
    assert clf_early == 0.0 and gen_early > 0.0      # warm-up: only the generative model learns from U
    clf_late, gen_late = grads(late)
    assert clf_late > 0.0 and gen_late == 0.0        # afterwards: only q(y|x) learns, against the fixed model


def test_classifier_restart_reinitialises_q():
    torch.manual_seed(0)
    m = M2(M2Config(hidden=16, latent=2, classifier=ClassifierSpec("mlp", hidden=8)))
    before = [p.clone() for p in m.classifier.parameters()]
    m.reset_classifier()
    assert any(not torch.equal(a, b) for a, b in zip(before, m.classifier.parameters()))
