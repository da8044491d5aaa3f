from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_unit_variance_gives_mu_plus_eps(reparameterize):
    import torch
    mu, logvar, eps = (torch.tensor([[1.0, -2.0]]), torch.zeros(1, 2), torch.tensor([[0.5, 0.5]]))
    z = reparameterize(mu, logvar, eps)
    assert z is not None, 'reparameterize returned None: replace the ... with a return statement'
    assert torch.is_tensor(z) and z.shape == mu.shape, f'expected a tensor of shape {tuple(mu.shape)}'
    assert torch.allclose(z, torch.tensor([[1.5, -1.5]])), f'with logvar = 0 (sigma = 1), z must be mu + eps = [[1.5, -1.5]], got {z.tolist()}'

@test_case(points=None, hidden=False)
def test_logvar_is_a_log_variance(reparameterize):
    import math, torch
    z = reparameterize(torch.zeros(1, 1), torch.full((1, 1), math.log(4.0)), torch.ones(1, 1))
    assert z is not None, 'reparameterize returned None'
    assert torch.allclose(z, torch.full((1, 1), 2.0)), f'logvar = log 4 means sigma = 2, so z = 0 + 2 * 1 = 2; got {z.item():.4g} (sigma = exp(logvar / 2))'

