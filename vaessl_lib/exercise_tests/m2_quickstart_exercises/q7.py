from otter.test_files import test_case

OK_FORMAT = False

name = "q7"
points = 2

@test_case(points=None, hidden=False)
def test_mean_and_sample_with_a_non_zero_log_variance(m1_features):
    import torch
    mu = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
    logvar = torch.tensor([[2.0, 0.0], [-2.0, 1.0]])
    eps = torch.tensor([[1.0, -1.0], [2.0, 0.5]])
    mean = m1_features(mu, logvar, 'mean', eps)
    assert mean is not None, 'm1_features returned None: replace the ... with a return statement'
    assert torch.equal(mean, mu), "features='mean' gives the posterior mean mu itself"
    draw = m1_features(mu, logvar, 'sample', eps)
    assert draw is not None and draw.shape == mu.shape, "features='sample' returns one code per image, shape (B, d)"
    sigma = torch.exp(0.5 * logvar)
    assert not torch.allclose(draw, mu + torch.exp(logvar) * eps, atol=0.0001), 'that scales eps by sigma^2 = exp(logvar); the standard deviation is sigma = exp(logvar / 2)'
    assert torch.allclose(draw, mu + sigma * eps, atol=1e-05), f'expected mu + exp(logvar / 2) * eps = {(mu + sigma * eps).tolist()}, got {draw.tolist()}'

