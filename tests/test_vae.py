"""Chapter 3/6 models: the VAE and the fully-labelled CVAE (vaessl_lib.models.vae)."""

import pytest
import torch

from vaessl_lib.checkpoints import load_checkpoint, save_checkpoint
from vaessl_lib.errors import VaesslError
from vaessl_lib.models.vae import CVAE, VAE, CVAEConfig, VAEConfig, train_vae


def small_vae(latent=4):
    torch.manual_seed(0)
    return VAE(VAEConfig(latent=latent, hidden=32))


def test_reconstruction_gradient_reaches_the_encoder_through_the_reparameterisation():
    vae = small_vae()
    x = torch.rand(8, 1, 28, 28)
    vae.elbo_terms(x, reduction="none")["reconstruction"].mean().backward()   # no KL: only z carries the gradient
    for p in (vae.encoder.mu.weight, vae.encoder.logvar.weight, vae.encoder.body[0].weight):
        assert p.grad is not None and p.grad.abs().sum() > 0


def test_elbo_terms_add_up_and_reduce():
    vae = small_vae()
    x = torch.rand(5, 784)
    torch.manual_seed(1)
    per = vae.elbo_terms(x, reduction="none")
    assert all(v.shape == (5,) for v in per.values())
    assert torch.allclose(per["loss"], per["reconstruction"] + per["kl"])
    assert (per["kl"] >= 0).all()
    torch.manual_seed(1)
    mean = vae.elbo_terms(x)
    assert torch.allclose(mean["loss"], per["loss"].mean())
    with pytest.raises(VaesslError):
        vae.elbo_terms(x, reduction="sum")


def test_shapes_ranges_and_interpolation_endpoints():
    vae = small_vae(latent=2)
    x = torch.rand(6, 1, 28, 28)
    mu, logvar = vae.encode(x)
    assert mu.shape == logvar.shape == (6, 2)
    for out in (vae.reconstruct(x), vae.sample(6, generator=torch.Generator().manual_seed(0)), vae.decode(mu).detach()):
        assert out.shape == (6, 1, 28, 28) and 0 <= float(out.min()) and float(out.max()) <= 1
    path = vae.interpolate(x[0], x[1], steps=5)
    assert path.shape == (5, 1, 28, 28)
    ends = vae.decode(mu[:2]).detach()
    assert torch.allclose(path[0], ends[0], atol=1e-6) and torch.allclose(path[-1], ends[1], atol=1e-6)
    a = vae.sample(3, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, vae.sample(3, generator=torch.Generator().manual_seed(7)))
    with pytest.raises(VaesslError):
        vae.sample(0)
    with pytest.raises(VaesslError, match="no labels"):
        vae.encode(x, torch.zeros(6, dtype=torch.long))


def test_cvae_is_conditioned_on_the_label():
    torch.manual_seed(0)
    cvae = CVAE(CVAEConfig(latent=3, hidden=32, num_classes=10))
    z = torch.randn(2, 3)
    a, b = cvae.generate([1, 1], z), cvae.generate([1, 8], z)
    assert a.shape == (2, 1, 28, 28)
    assert torch.equal(a[0], b[0]) and not torch.allclose(a[1], b[1])   # same z, other label: other image
    with pytest.raises(VaesslError, match="0..9"):
        cvae.generate([10])
    with pytest.raises(VaesslError, match="needs the labels"):
        cvae.elbo_terms(torch.rand(2, 784))


def test_train_vae_lowers_the_loss_and_round_trips_through_checkpoints(tiny_dataset, tmp_path):
    torch.manual_seed(0)
    cvae = CVAE(CVAEConfig(latent=4, hidden=64))
    hist = train_vae(cvae, tiny_dataset.x_train, epochs=4, batch_size=32, lr=3e-3, labels=tiny_dataset.y_train,
                     progress=False)
    assert [r["epoch"] for r in hist] == [1, 2, 3, 4]
    assert hist[-1]["loss"] < hist[0]["loss"]
    with pytest.raises(VaesslError):
        train_vae(cvae, tiny_dataset.x_train, epochs=1, progress=False)            # a CVAE needs labels
    save_checkpoint(tmp_path / "cvae.pt", cvae, "cvae", history=hist)
    back = load_checkpoint(tmp_path / "cvae.pt")
    assert isinstance(back, CVAE) and back.config == cvae.config
    z = torch.randn(3, 4)
    assert torch.allclose(back.generate([0, 1, 2], z), cvae.generate([0, 1, 2], z))
