"""Chapter 4: the DDPM's schedule, forward process, loss and reverse step (vaessl_lib.models.ddpm)."""

import math

import pytest
import torch

from vaessl_lib.errors import VaesslError
from vaessl_lib.models.ddpm import DDPM, DDPMConfig


def tiny(timesteps=20, num_classes=10, clip=True):
    torch.manual_seed(0)
    return DDPM(DDPMConfig(timesteps=timesteps, channels=(8, 16, 16), time_dim=16, num_classes=num_classes,
                           clip_denoised=clip))


def test_linear_schedule_and_alpha_bar():
    m = DDPM(DDPMConfig(timesteps=400))
    betas = m.betas.double()
    assert torch.allclose(betas[1:] - betas[:-1], torch.full((399,), float(betas[1] - betas[0]), dtype=torch.float64), atol=1e-7)
    assert math.isclose(float(betas[0]), 1e-4 * 2.5, rel_tol=1e-5) and math.isclose(float(betas[-1]), 0.05, rel_tol=1e-5)
    abar = 1.0
    for t in range(400):                                           # abar_t = prod_s (1 - beta_s), by hand
        abar *= 1 - float(betas[t])
        if t in (0, 9, 199, 399):
            assert math.isclose(float(m.alpha_bars[t]), abar, rel_tol=1e-4)
    assert float(m.alpha_bars[-1]) < 1e-3                          # x_T is (almost) pure noise
    assert sum(p.numel() for p in DDPM().parameters()) <= 1_000_000


@pytest.mark.parametrize("t", [0, 24, 99])
def test_closed_form_q_sample_matches_the_iterated_forward_chain(t):
    m = DDPM(DDPMConfig(timesteps=100))
    n = 40000                                                      # sd of a variance estimate: 0.7%
    x0 = torch.tensor([-1.0, -0.3, 0.4, 1.0]).reshape(1, 1, 2, 2).expand(n, 1, 2, 2)
    g = torch.Generator().manual_seed(t)
    x = x0.clone()
    for s in range(t + 1):                                         # x_s = sqrt(1 - beta_s) x_{s-1} + sqrt(beta_s) eps
        x = (1 - m.betas[s]).sqrt() * x + m.betas[s].sqrt() * torch.randn(x.shape, generator=g)
    closed = m.q_sample(x0, torch.full((n,), t), torch.randn(x0.shape, generator=g))
    abar = float(m.alpha_bars[t])
    mean, var = math.sqrt(abar) * x0[0], 1 - abar
    sd = math.sqrt(var)
    for sample in (x, closed):                                     # both against N(sqrt(abar) x0, (1 - abar) I)
        assert (sample.mean(0) - mean).abs().max() < 0.03 * max(sd, 0.1)
        assert ((sample.var(0) / var) - 1).abs().max() < 0.03


def test_q_sample_is_the_formula_for_given_noise():
    m = tiny()
    x0, eps, t = torch.rand(3, 1, 28, 28) * 2 - 1, torch.randn(3, 1, 28, 28), torch.tensor([0, 7, 19])
    ab = m.alpha_bars[t].reshape(3, 1, 1, 1)
    assert torch.allclose(m.q_sample(x0, t, eps), ab.sqrt() * x0 + (1 - ab).sqrt() * eps)


def test_loss_trains_every_parameter_and_drops_labels():
    m = tiny()
    loss = m.loss(torch.rand(6, 1, 28, 28), torch.arange(6))
    assert loss.dim() == 0 and loss > 0
    loss.backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None]
    assert not missing, missing


def test_one_reverse_step_keeps_shapes_and_equals_algorithm_2_without_clipping():
    m = tiny(clip=False)
    m.net.out[-1].weight.data.normal_(0, 0.1)                      # a non-zero epsilon estimate
    x, y, z = torch.randn(4, 1, 28, 28), torch.tensor([0, 3, 5, 9]), torch.randn(4, 1, 28, 28)
    t = 12
    out = m.p_sample(x, t, y, noise=z)
    assert out.shape == x.shape
    with torch.no_grad():
        eps = m.net(x, torch.full((4,), t), y)
    beta, alpha, abar = m.betas[t], m.alphas[t], m.alpha_bars[t]
    sigma = (beta * (1 - m.alpha_bars[t - 1]) / (1 - abar)).sqrt()
    expected = (x - beta / (1 - abar).sqrt() * eps) / alpha.sqrt() + sigma * z
    assert torch.allclose(out, expected, atol=1e-4)
    assert torch.equal(m.p_sample(x, 0, y, noise=z), m.p_sample(x, 0, y, noise=torch.zeros_like(z)))  # t=0: no noise


def test_sample_range_steps_and_evaluation_count():
    m = tiny(timesteps=10)
    g = torch.Generator().manual_seed(0)
    images, chain, times = m.sample(3, labels=[1, 2, 3], guidance=2.0, generator=g, return_steps=6)
    assert images.shape == (3, 1, 28, 28) and 0 <= float(images.min()) and float(images.max()) <= 1
    assert chain.shape == (6, 3, 1, 28, 28) and times == [10, 8, 6, 4, 2, 0]
    assert torch.equal(chain[-1], images)
    assert m.last_evaluations == 20 == m.evaluations_per_sample(2.0)
    m.sample(2, labels=4)
    assert m.last_evaluations == 10
    a = m.sample(2, labels=4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, m.sample(2, labels=4, generator=torch.Generator().manual_seed(5)))
    with pytest.raises(VaesslError, match="0..9"):
        m.sample(1, labels=10)
    with pytest.raises(VaesslError, match="needs labels"):
        m.sample(1, guidance=1.0)
    with pytest.raises(VaesslError):
        tiny(num_classes=0).sample(1, labels=1)
