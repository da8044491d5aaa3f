from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_zero_when_q_is_the_prior(kl_to_prior):
    import torch
    kl = kl_to_prior(torch.zeros(3, 4), torch.zeros(3, 4))
    assert kl is not None, 'kl_to_prior returned None: replace the ... with a return statement'
    assert torch.is_tensor(kl) and kl.shape == (3,), f'expected one value per row, shape (3,), got {(tuple(kl.shape) if torch.is_tensor(kl) else type(kl))}: sum over the last axis (the latent dimensions), dim=-1'
    assert torch.allclose(kl, torch.zeros(3)), 'q = N(0, I) is the prior itself: the KL must be 0'

@test_case(points=None, hidden=False)
def test_one_shifted_dimension(kl_to_prior):
    import torch
    kl = kl_to_prior(torch.tensor([[2.0, 0.0]]), torch.zeros(1, 2))
    assert kl is not None, 'kl_to_prior returned None'
    assert not torch.allclose(kl, torch.tensor([4.0])), 'you got 4, twice the KL: the factor 1/2 in front of the sum is missing'
    assert not torch.allclose(kl, torch.tensor([1.0])), 'you got 1: that averages over the 2 latent dimensions; the KL sums over them'
    assert torch.allclose(kl, torch.tensor([2.0])), f'mu = (2, 0), sigma = 1 gives KL = 0.5 * 2**2 = 2, got {kl.tolist()} (did you keep the 1/2?)'

@test_case(points=None, hidden=False)
def test_non_zero_log_variances_in_a_batch(kl_to_prior):
    import math, torch
    mu = torch.tensor([[1.0, 0.0, -2.0], [0.0, 0.5, 0.0]])
    logvar = torch.tensor([[0.0, math.log(4.0), math.log(0.25)], [-1.0, 0.0, 2.0]])
    kl = kl_to_prior(mu, logvar)
    assert kl is not None, 'kl_to_prior returned None'
    assert torch.is_tensor(kl) and kl.shape == (2,), f'expected one value per row, shape (2,), got {(tuple(kl.shape) if torch.is_tensor(kl) else type(kl))}: sum over the last axis (the latent dimensions), dim=-1, not over the batch'
    close = lambda *values: torch.allclose(kl, torch.tensor(values), atol=0.0001)
    assert not close(2.75, 0.287406), 'that uses sigma = exp(logvar / 2) where the formula has sigma^2 = exp(logvar)'
    assert not close(7.25, 5.006936), 'that is twice the KL: the factor 1/2 in front of the sum is missing'
    assert not close(3.625, 3.503468), 'the last term is - log sigma^2 = - logvar: check its sign'
    assert not close(1.0, -1.375), 'that uses logvar itself as the variance: sigma^2 = exp(logvar)'
    assert not close(1.208333, 0.834489), 'that averages over the latent dimensions; the KL sums over them'
    assert close(3.625, 2.503468), f'KL = 0.5 * sum_j (mu_j^2 + exp(logvar_j) - 1 - logvar_j) gives [3.625, 2.5035] for these two rows, got {[round(v, 4) for v in kl.tolist()]}'

