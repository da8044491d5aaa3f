from otter.test_files import test_case

OK_FORMAT = False

name = "q7"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_mean_and_sample_with_a_non_zero_log_variance(m1_features):
    import torch
    mu = torch.tensor([[1.0, -2.0], [0.5, 0.0]])
    logvar = torch.tensor([[2.0, 0.0], [-2.0, 1.0]])
    eps = torch.tensor([[1.0, -1.0], [2.0, 0.5]])
    mean = m1_features(mu, logvar, 'mean', eps)
    assert mean is not None, 'm1_features returned None: replace the ... with a return statement'
    assert torch.is_tensor(mean) and torch.equal(mean, mu), "features='mean' gives the posterior mean mu itself"
    draw = m1_features(mu, logvar, 'sample', eps)
    assert draw is not None and torch.is_tensor(draw) and (draw.shape == mu.shape), "features='sample' returns one code per image, shape (B, d)"
    sigma = torch.exp(0.5 * logvar)
    assert not torch.allclose(draw, mu, atol=0.0001), "features='sample' returned mu: the sample is mu + sigma * eps, with the eps passed in"
    assert not torch.allclose(draw, mu + torch.exp(logvar) * eps, atol=0.0001), 'that scales eps by sigma^2 = exp(logvar); the standard deviation is sigma = exp(logvar / 2)'
    assert not torch.allclose(draw, mu + logvar * eps, atol=0.0001), 'that uses logvar itself as sigma; the standard deviation is sigma = exp(logvar / 2)'
    assert not torch.allclose(draw, mu + eps, atol=0.0001), 'that ignores logvar (as if sigma = 1): the sample is mu + exp(logvar / 2) * eps'
    again = m1_features(mu, logvar, 'sample', eps)
    assert again is not None and torch.allclose(draw, again, atol=1e-06), 'two calls with the same eps gave different codes: use the eps passed in, do not draw new noise'
    assert torch.allclose(draw, mu + sigma * eps, atol=1e-05), f'expected mu + exp(logvar / 2) * eps = {(mu + sigma * eps).tolist()}, got {draw.tolist()}'

@test_case(points=None, hidden=False)
def test_the_noise_passed_in_decides_the_sample(m1_features):
    import math, torch
    mu = torch.tensor([[0.0, 1.0, -1.0, 2.0], [3.0, 0.0, 0.5, -2.0], [1.0, 1.0, 1.0, 1.0]])
    logvar = torch.full((3, 4), math.log(4.0))
    still = m1_features(mu, logvar, 'sample', torch.zeros(3, 4))
    assert still is not None, 'm1_features returned None'
    assert torch.is_tensor(still) and torch.allclose(still, mu, atol=1e-06), 'with eps = 0 the sample is mu itself: use the eps passed in, do not draw new noise'
    eps = torch.tensor([[1.0, -1.0, 0.5, 0.0], [0.0, 2.0, -0.5, 1.0], [0.25, 0.25, -0.25, -0.25]])
    draw = m1_features(mu, logvar, 'sample', eps)
    assert draw is not None and torch.is_tensor(draw) and (draw.shape == (3, 4)), "features='sample' returns one code per image, shape (B, d) = (3, 4)"
    assert torch.allclose(draw, mu + 2 * eps, atol=1e-05), f'logvar = log 4 means sigma = 2, so the sample is mu + 2 * eps = {(mu + 2 * eps).tolist()}, got {draw.tolist()}'
    assert torch.equal(m1_features(mu, logvar, 'mean', eps), mu), "features='mean' gives mu, whatever eps is"

