"""The CPU-fast softplus and Bernoulli NLL (vaessl_lib.ops) against PyTorch's own functions."""

import pytest
import torch
import torch.nn.functional as F

from vaessl_lib.ops import Softplus, bernoulli_nll_rows, softplus


def test_softplus_matches_torch_over_the_whole_float_range_values_and_gradients():
    a = torch.cat([torch.linspace(-100, 100, 20001), torch.tensor([-1e4, -88.0, 0.0, 88.0, 1e4])]).requires_grad_()
    ref = a.detach().clone().requires_grad_()
    out, expected = softplus(a), F.softplus(ref)
    assert torch.isfinite(out).all()
    # float32 against float32: one rounding step of log(1 + e^-|a|) (< 1.2e-7) plus that of the sum
    assert torch.allclose(out, expected, rtol=1e-6, atol=2.5e-7)
    g = torch.randn_like(out)
    out.backward(g)
    expected.backward(g)
    assert torch.allclose(a.grad, ref.grad, rtol=1e-6, atol=1e-7)
    assert a.grad[-1] == pytest.approx(float(g[-1])) and a.grad[-5] == 0.0       # sigmoid(1e4) = 1, sigmoid(-1e4) = 0


def test_softplus_gradients_by_finite_differences_and_the_module_has_no_parameters():
    a = torch.randn(5, 7, dtype=torch.float64, requires_grad=True) * 4
    assert torch.autograd.gradcheck(softplus, (a.detach().requires_grad_(),))
    assert torch.autograd.gradgradcheck(softplus, (a.detach().requires_grad_(),))
    assert list(Softplus().state_dict()) == list(torch.nn.Softplus().state_dict()) == []
    assert torch.equal(Softplus()(a.detach()), softplus(a.detach()))


def test_bernoulli_nll_rows_is_binary_cross_entropy_summed_over_the_last_axis():
    torch.manual_seed(0)
    logits = (torch.randn(3, 4, 784) * 6).requires_grad_()
    x = torch.rand(3, 4, 784)                   # grey levels in [0, 1], as the book's pixels
    x[0] = (x[0] > 0.5).float()                 # and binary ones
    ref = logits.detach().clone().requires_grad_()
    out = bernoulli_nll_rows(logits, x)
    expected = F.binary_cross_entropy_with_logits(ref, x, reduction="none").sum(-1)
    assert out.shape == (3, 4)
    assert torch.allclose(out, expected, rtol=1e-5, atol=1e-4)
    g = torch.randn(3, 4)
    out.backward(g)
    expected.backward(g)
    assert torch.allclose(logits.grad, ref.grad, rtol=1e-5, atol=1e-6)


def test_bernoulli_nll_rows_gradients_in_both_arguments_by_finite_differences():
    logits = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    x = torch.rand(4, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(bernoulli_nll_rows, (logits, x))
    # by hand: one pixel, a = 0, x = 1: -log sigmoid(0) = log 2
    assert float(bernoulli_nll_rows(torch.zeros(1, 1), torch.ones(1, 1))) == pytest.approx(0.6931472, abs=1e-6)
    assert torch.autograd.gradgradcheck(bernoulli_nll_rows, (logits, x))
