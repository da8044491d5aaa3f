import math

import torch

from vaessl_lib.losses import (bernoulli_nll, categorical_entropy, kl_standard_normal, log_uniform_prior,
                               negative_elbo, reparameterize)


def test_kl_of_standard_normal_is_zero():
    mu, logvar = torch.zeros(4, 7), torch.zeros(4, 7)
    assert torch.allclose(kl_standard_normal(mu, logvar), torch.zeros(4))


def test_kl_matches_hand_computed_case():
    # one latent: mu = 1, sigma^2 = e  ->  0.5 * (1 + e - 1 - 1) = 0.5 * (e - 1)
    mu, logvar = torch.tensor([[1.0]]), torch.tensor([[1.0]])
    assert math.isclose(float(kl_standard_normal(mu, logvar)), 0.5 * (math.e - 1), rel_tol=1e-6)
    # two latents sum: (mu=0, sigma^2=0.25) gives 0.5*(0.25 - 1 - log 0.25)
    mu2, logvar2 = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, math.log(0.25)]])
    expected = 0.5 * (math.e - 1) + 0.5 * (0.25 - 1 - math.log(0.25))
    assert math.isclose(float(kl_standard_normal(mu2, logvar2)), expected, rel_tol=1e-6)


def test_kl_is_positive_away_from_the_prior():
    assert (kl_standard_normal(torch.randn(10, 5), torch.randn(10, 5)) > 0).all()


def test_bernoulli_nll_matches_the_formula():
    logits = torch.randn(3, 784)
    x = torch.rand(3, 784)
    p = torch.sigmoid(logits)
    manual = -(x * p.log() + (1 - x) * (1 - p).log()).sum(-1)
    assert torch.allclose(bernoulli_nll(logits, x), manual, atol=1e-3)
    # image-shaped targets are flattened to the logits' shape
    assert torch.allclose(bernoulli_nll(logits, x.reshape(3, 1, 28, 28)), manual, atol=1e-3)


def test_entropy_of_uniform_is_log_k_and_of_one_hot_is_zero():
    assert math.isclose(float(categorical_entropy(torch.zeros(1, 10))), math.log(10), rel_tol=1e-6)
    assert float(categorical_entropy(torch.tensor([[100.0, 0.0, 0.0]]))) < 1e-6


def test_negative_elbo_adds_terms_and_minus_log_prior():
    r, k = torch.tensor([100.0]), torch.tensor([5.0])
    assert math.isclose(float(negative_elbo(r, k, log_uniform_prior(10))), 105 + math.log(10), rel_tol=1e-6)
    assert math.isclose(float(negative_elbo(r, k, 0.0, kl_weight=0.5)), 102.5)


def test_gradients_flow_through_the_reparameterisation():
    mu = torch.zeros(5, 3, requires_grad=True)
    logvar = torch.zeros(5, 3, requires_grad=True)
    reparameterize(mu, logvar).pow(2).sum().backward()
    assert mu.grad is not None and logvar.grad is not None
    assert logvar.grad.abs().sum() > 0


def test_the_loss_is_L_and_minus_L_is_the_bound_in_the_papers_sign():
    """Kingma et al.'s convention: log p(x, y) >= -L(x, y).  For binary images log p(x, y) <= log p(y) < 0,
    so the loss L = negative_elbo must be at least -log p(y) = log K: never negative, whatever the model."""
    from vaessl_lib.models import M2, ClassifierSpec, M2Config

    torch.manual_seed(0)
    model = M2(M2Config(classifier=ClassifierSpec("mlp", hidden=32), hidden=32, latent=4)).eval()
    x = (torch.rand(64, 1, 28, 28) > 0.5).float()
    y = torch.randint(0, 10, (64,))
    L = model.labeled_terms(x, y)["neg_elbo"]
    assert bool((L >= math.log(10)).all())
    U = model.unlabeled_terms(x)["U"]                       # eq. 7: log p(x) >= -U(x), and log p(x) <= 0
    assert bool((U >= 0).all())
