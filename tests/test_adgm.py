"""The auxiliary and skip deep generative models (Maaløe et al. 2016): bounds, batched labels, checkpoints."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Bernoulli, Normal, kl_divergence

from vaessl_lib import VaesslError, load_checkpoint, save_checkpoint, train_method
from vaessl_lib.models.adgm import ADGM, ADGMConfig, _gaussian
from vaessl_lib.models.base import Batch


def tiny(skip: bool, **kw) -> ADGM:
    torch.manual_seed(0)
    cfg = dict(num_classes=3, skip=skip, hidden=5, layers=2, latent=2, aux=2, x_dim=4, batchnorm=False)
    return ADGM(ADGMConfig(**{**cfg, **kw})).eval()


def by_hand(m: ADGM, x: torch.Tensor, y: int, a_eps: torch.Tensor, z_eps: torch.Tensor) -> dict:
    """One (image, label) pair's terms with torch.distributions, one network call per distribution."""
    c = m.config
    yy = torch.tensor([y])
    qa_mu, qa_lv = _gaussian(m.q_a(x))
    q_a = Normal(qa_mu, torch.exp(0.5 * qa_lv))
    a = qa_mu + torch.exp(0.5 * qa_lv) * a_eps
    q_y = torch.softmax(m.q_y(torch.cat([x, a], -1)), -1)
    qz_mu, qz_lv = _gaussian(m.q_z(torch.cat([x, a], -1), None, yy))
    q_z = Normal(qz_mu, torch.exp(0.5 * qz_lv))
    z = qz_mu + torch.exp(0.5 * qz_lv) * z_eps
    if c.skip:
        pa_mu, pa_lv = _gaussian(m.p_a(None, z, yy))
        px_logits = m.p_x(a, z, yy)
    else:
        pa_mu, pa_lv = _gaussian(m.p_a(x, z, yy))
        px_logits = m.p_x(None, z, yy)
    log_px = Bernoulli(logits=px_logits, validate_args=False).log_prob(x).sum(-1)   # grey levels, as M2
    log_pa = Normal(pa_mu, torch.exp(0.5 * pa_lv)).log_prob(a).sum(-1)
    kl_z = kl_divergence(q_z, Normal(torch.zeros_like(qz_mu), torch.ones_like(qz_mu))).sum(-1)
    ell = -log_px - log_pa + kl_z + math.log(c.num_classes)         # l(x, y, a): log p(y) = -log K
    return {"ell": ell, "log_qa": q_a.log_prob(a).sum(-1), "q_y": q_y[0, y], "ce": -torch.log(q_y[0, y])}


@pytest.mark.parametrize("skip", [False, True])
def test_the_labelled_bound_term_by_term(skip):
    m = tiny(skip)
    torch.manual_seed(1)
    x, y = torch.rand(2, 4), torch.tensor([2, 0])
    a_eps, z_eps = torch.randn(2, 2), torch.randn(2, 2)
    terms = {k: v.detach() for k, v in m.labeled_terms(x, y, a_noise=a_eps, z_noise=z_eps).items()}
    for i in range(2):
        h = by_hand(m, x[i:i + 1], int(y[i]), a_eps[i:i + 1], z_eps[i:i + 1])
        assert float(terms["neg_elbo"][i]) == pytest.approx(float((h["ell"] + h["log_qa"]).detach()), rel=1e-5,
                                                            abs=1e-5)
        assert float(terms["ce"][i]) == pytest.approx(float(h["ce"].detach()), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("skip", [False, True])
def test_the_unlabelled_bound_sums_every_label_in_one_pass_as_the_equation_does(skip):
    m = tiny(skip)
    torch.manual_seed(2)
    x = torch.rand(3, 4)
    a_eps, z_eps = torch.randn(3, 2), torch.randn(3, 3, 2)         # z noise: (K, B, latent)
    u = m.unlabeled_terms(x, a_noise=a_eps, z_noise=z_eps)["U"].detach()
    for i in range(3):
        rows = [by_hand(m, x[i:i + 1], c, a_eps[i:i + 1], z_eps[c, i:i + 1]) for c in range(3)]
        q = torch.stack([r["q_y"] for r in rows])
        entropy = -(q * q.log()).sum()
        expected = sum(r["q_y"] * r["ell"] for r in rows) - entropy + rows[0]["log_qa"]
        assert float(u[i]) == pytest.approx(float(expected.detach()), rel=1e-5, abs=1e-5)


def log_marginal(m: ADGM, x: torch.Tensor) -> float:
    """log p(x) by quadrature: the sum over y of p(y) times p(x|.) integrated over z (and a, for the SDGM)."""
    grid = torch.linspace(-7, 7, 561)
    dz = float(grid[1] - grid[0])
    if m.config.skip:          # latent = aux = 1: a 2-D grid over (z, a)
        z, a = torch.meshgrid(grid, grid, indexing="ij")
        z, a = z.reshape(-1, 1), a.reshape(-1, 1)
    else:                      # p(a|x,y,z) integrates to 1: a 1-D grid over z
        z, a = grid.reshape(-1, 1), None
    total = []
    for y in range(m.config.num_classes):
        yy = torch.full((len(z),), y)
        log_w = Normal(0.0, 1.0).log_prob(z).sum(-1) - math.log(m.config.num_classes)
        if m.config.skip:
            pa_mu, pa_lv = _gaussian(m.p_a(None, z, yy))
            log_w = log_w + Normal(pa_mu, torch.exp(0.5 * pa_lv)).log_prob(a).sum(-1) + math.log(dz)
            logits = m.p_x(a, z, yy)
        else:
            logits = m.p_x(None, z, yy)
        total.append(log_w + math.log(dz) + Bernoulli(logits=logits).log_prob(x).sum(-1))
    return float(torch.logsumexp(torch.cat(total), 0))


@pytest.mark.parametrize("skip", [False, True])
def test_minus_u_is_a_lower_bound_on_log_p_x_computed_by_quadrature(skip):
    m = tiny(skip, latent=1, aux=1, num_classes=2, x_dim=3, hidden=4)
    torch.manual_seed(3)
    x = (torch.rand(1, 3) > 0.5).float()
    with torch.no_grad():
        log_px = log_marginal(m, x)
        draws = torch.cat([-m.unlabeled_terms(x.expand(4000, 3))["U"] for _ in range(5)])
    mean, se = float(draws.mean()), float(draws.std()) / math.sqrt(len(draws))
    assert mean + 4 * se < log_px                       # E[-U] <= log p(x), here by a clear margin
    assert log_px - mean < 5.0                          # and a bound, not a number unrelated to p(x)


@pytest.mark.parametrize("skip", [False, True])
def test_training_lowers_the_loss_checkpoints_round_trip_and_digits_of_a_class_come_out(tiny_split, tmp_path, skip):
    method = "sdgm" if skip else "adgm"
    result = train_method(method, split=tiny_split, epochs=2, seed=0, device="cpu", log=None, progress=False,
                          hidden=32, layers=1, latent=4, aux=4)
    model = result.model
    assert isinstance(model, ADGM) and model.config.skip is skip
    assert model.config.classification_weight == pytest.approx(model.config.alpha / (len(tiny_split.y_labeled)
                                                                + len(tiny_split.x_unlabeled)))
    path = save_checkpoint(tmp_path / "m.pt", model, method)
    again = load_checkpoint(path)
    x = tiny_split.x_test[:16]
    assert torch.equal(again.predict(x), model.predict(x))
    images = again.generate(torch.tensor([4, 4, 7]))
    assert images.shape == (3, 1, 28, 28) and 0.0 <= float(images.min()) and float(images.max()) <= 1.0
    with pytest.raises(VaesslError, match="labels must be in 0..9"):
        again.generate(torch.tensor([10]))


def test_the_training_terms_and_one_line_errors_for_settings_that_do_not_apply(tiny_split):
    m = tiny(False, x_dim=784, num_classes=10)
    x = torch.rand(4, 1, 28, 28)
    out = m.train().training_loss(Batch(x, torch.tensor([0, 1, 2, 3]), torch.rand(6, 1, 28, 28)))
    c = m.config
    out = {k: v.detach() for k, v in out.items()}
    assert float(out["loss"]) == pytest.approx(float(c.labeled_weight * out["labeled_neg_elbo"]
                                                     + c.classification_weight * out["ce"]
                                                     + c.unlabeled_weight * out["U"]), rel=1e-6)
    with pytest.raises(VaesslError, match="own classifier"):
        train_method("adgm", split=tiny_split, epochs=0, classifier="cnn", log=None, progress=False)
    with pytest.raises(VaesslError, match="size of the auxiliary variable"):
        ADGMConfig(aux=0)
    with pytest.raises(VaesslError, match="activation must be one of"):
        ADGMConfig(activation="tanh")
    assert F.softmax(m.logits(x).detach(), -1).shape == (4, 10)
