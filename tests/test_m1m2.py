"""M1+M2 (Chapter 5): the Gaussian likelihood, M2 on codes, the two-stage training, checkpoints."""

import math

import pytest
import torch

from vaessl_lib.checkpoints import load_checkpoint, save_checkpoint
from vaessl_lib.data import SSLSplit
from vaessl_lib.errors import VaesslError
from vaessl_lib.losses import gaussian_nll
from vaessl_lib.methods import train_method
from vaessl_lib.models.m1m2 import M1M2, M1M2Config
from vaessl_lib.models.m2 import M2Config
from vaessl_lib.models.vae import VAEConfig


def test_gaussian_nll_is_the_normal_log_density_summed():
    g = torch.Generator().manual_seed(0)
    mean, logvar, x = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    ref = -torch.distributions.Normal(mean, torch.exp(0.5 * logvar)).log_prob(x).sum(-1)
    assert torch.allclose(gaussian_nll(mean, logvar, x), ref, atol=1e-5)
    # by hand: one dimension, mean 0, variance 1, x = 1: 0.5 (log 2 pi + 1)
    assert math.isclose(float(gaussian_nll(torch.zeros(1, 1), torch.zeros(1, 1), torch.ones(1, 1))),
                        0.5 * (math.log(2 * math.pi) + 1), rel_tol=1e-6)


def small_config(**kw) -> M1M2Config:
    return M1M2Config(m1=VAEConfig(latent=4, hidden=16, layers=1), m1_epochs=1,
                      m2=M2Config(x_dim=4, likelihood="gaussian", hidden=8, latent=2), **kw)


def test_the_config_refuses_an_m2_that_does_not_read_m1s_codes():
    with pytest.raises(VaesslError, match="x_dim=4 and likelihood='gaussian'"):
        M1M2Config(m1=VAEConfig(latent=4), m2=M2Config(x_dim=784))
    with pytest.raises(VaesslError, match="features must be one of"):
        small_config(features="both")


def test_m2_is_not_trained_before_m1():
    from vaessl_lib.models.base import Batch
    model = M1M2(small_config())
    with pytest.raises(VaesslError, match="train M1 first"):
        model.training_loss(Batch(torch.rand(3, 1, 28, 28), torch.tensor([0, 1, 2])))


def random_split(n_l=20, n_u=60) -> SSLSplit:
    g = torch.Generator().manual_seed(1)
    x = lambda n: torch.rand(n, 1, 28, 28, generator=g)
    y = lambda n: torch.randint(0, 10, (n,), generator=g)
    return SSLSplit(x(n_l), y(n_l), x(n_u), y(n_u), x(10), y(10), 10, torch.arange(n_l),
                    torch.arange(n_l, n_l + n_u), x_val=x(30), y_val=y(30))


def test_the_method_trains_m1_once_then_m2_and_round_trips(tmp_path):
    result = train_method("m1m2", split=random_split(), epochs=2, seed=0, log=None, progress=False,
                          m1_latent=4, m1_hidden=16, m1_layers=1, m1_epochs=1, hidden=8, latent=2)
    model = result.model
    assert bool(model.m1_trained) and len(result.history) == 2 and "U" in result.history.last
    assert model.m2.config.x_dim == 4 and model.m2.config.likelihood == "gaussian"
    m1_before = {k: v.clone() for k, v in model.m1.state_dict().items()}
    images = model.generate(torch.tensor([4, 4, 7]))
    assert images.shape == (3, 1, 28, 28) and float(images.min()) >= 0 and float(images.max()) <= 1
    path = save_checkpoint(tmp_path / "m.pt", model, "m1m2")
    again = load_checkpoint(path)
    assert isinstance(again, M1M2) and bool(again.m1_trained)
    x = torch.rand(5, 1, 28, 28)
    assert torch.equal(again.predict(x), model.predict(x))
    assert all(torch.equal(m1_before[k], v) for k, v in again.m1.state_dict().items())


def test_a_cnn_classifier_is_refused_with_one_line():
    with pytest.raises(VaesslError, match="reads M1's codes, not images"):
        train_method("m1m2", split=random_split(), epochs=1, classifier="cnn", log=None, progress=False)


def test_sample_draws_from_an_m1m2_checkpoint_and_alpha_reaches_m1m2(tmp_path):
    from vaessl_lib.cli import main

    model = M1M2(small_config())
    path = save_checkpoint(tmp_path / "m1m2.pt", model, "m1m2")
    out = tmp_path / "fours.pt"
    assert main(["sample", "--model", "m1m2", "--label", "4", "--n", "3", "--out", str(out),
                 "--checkpoint", str(path)]) == 0
    images = torch.load(out)
    assert images.shape == (3, 1, 28, 28) and float(images.min()) >= 0 and float(images.max()) <= 1
    # --alpha is the paper's alpha of eq. 9 for m1m2 as for m2 (0.1 N by default)
    result = train_method("m1m2", split=random_split(), epochs=1, seed=0, log=None, progress=False, alpha=7.0,
                          m1_latent=4, m1_hidden=16, m1_layers=1, m1_epochs=1, hidden=8, latent=2)
    assert result.model.m2.config.alpha == 7.0
