from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_unit_variance_gives_mu_plus_eps(reparameterize):
    import torch
    mu, logvar, eps = (torch.tensor([[1.0, -2.0]]), torch.zeros(1, 2), torch.tensor([[0.5, 0.5]]))
    z = reparameterize(mu, logvar, eps)
    assert z is not None, 'reparameterize returned None: replace the ... with a return statement'
    assert torch.is_tensor(z) and z.shape == mu.shape, f'expected a tensor of shape {tuple(mu.shape)}'
    assert not torch.allclose(z, mu), 'with logvar = 0 you returned mu alone, as if sigma were 0: sigma = exp(logvar / 2) = 1 here (logvar * eps would use logvar itself as sigma)'
    assert torch.allclose(z, torch.tensor([[1.5, -1.5]])), f'with logvar = 0 (sigma = 1), z must be mu + eps = [[1.5, -1.5]], got {z.tolist()}'

@test_case(points=None, hidden=False)
def test_logvar_is_a_log_variance(reparameterize):
    import math, torch
    z = reparameterize(torch.zeros(1, 1), torch.full((1, 1), math.log(4.0)), torch.ones(1, 1))
    assert z is not None, 'reparameterize returned None'
    got = z.item()
    assert abs(got - math.log(4.0)) > 0.0001, 'you got log 4 = 1.386: that uses logvar itself as sigma; sigma = exp(logvar / 2)'
    assert abs(got - 4.0) > 0.0001, 'you got 4: that uses sigma^2 = exp(logvar) instead of sigma = exp(logvar / 2)'
    assert torch.allclose(z, torch.full((1, 1), 2.0)), f'logvar = log 4 means sigma = 2, so z = 0 + 2 * 1 = 2; got {got:.4g} (sigma = exp(logvar / 2))'

@test_case(points=None, hidden=False)
def test_a_batch_with_different_variances(reparameterize):
    import math, torch
    mu = torch.tensor([[0.5, -1.0, 2.0], [0.0, 1.0, -0.5]])
    sigma = torch.tensor([[2.0, 1.0, 0.5], [3.0, 0.5, 4.0]])
    logvar = (2 * sigma.log()).requires_grad_()
    eps = torch.tensor([[1.0, 2.0, -2.0], [-1.0, 0.5, 0.25]])
    mu_grad = mu.clone().requires_grad_()
    z = reparameterize(mu_grad, logvar, eps)
    assert z is not None, 'reparameterize returned None'
    assert torch.is_tensor(z) and z.shape == (2, 3), f'expected one z per entry of mu, shape (2, 3), got {(tuple(z.shape) if torch.is_tensor(z) else type(z))}'
    want = torch.tensor([[2.5, 1.0, 1.0], [-3.0, 1.25, 0.5]])
    close = lambda other: torch.allclose(z.detach(), other, atol=0.0001)
    assert not close(mu + sigma ** 2 * eps), 'that uses sigma^2 = exp(logvar) instead of sigma = exp(logvar / 2): scale eps by the standard deviation'
    assert not close(mu + logvar.detach() * eps), 'that uses logvar itself as sigma; sigma = exp(logvar / 2)'
    assert not close(mu + eps), 'that ignores logvar (as if sigma = 1 everywhere): z = mu + exp(logvar / 2) * eps'
    again = reparameterize(mu, logvar.detach(), eps)
    assert again is not None and torch.allclose(z.detach(), again, atol=1e-06), 'two calls with the same eps gave different z: use the eps passed in, do not draw new noise'
    assert close(want), f'with sigma = exp(logvar / 2) = {sigma.tolist()}, z = mu + sigma * eps = {want.tolist()}, got {z.detach().tolist()}'
    assert z.requires_grad, 'no gradient reaches mu and logvar: compute z with torch operations (torch.exp), no .item(), .detach() or math'
    z.sum().backward()
    assert mu_grad.grad is not None and logvar.grad is not None, 'gradients must reach both mu and logvar'

