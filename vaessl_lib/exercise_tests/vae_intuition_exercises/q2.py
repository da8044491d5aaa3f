from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=None, hidden=False)
def test_zero_when_q_is_the_prior(kl_to_prior):
    import torch
    kl = kl_to_prior(torch.zeros(3, 4), torch.zeros(3, 4))
    assert kl is not None, 'kl_to_prior returned None: replace the ... with a return statement'
    assert torch.is_tensor(kl) and kl.shape == (3,), f'expected one value per row, shape (3,), got {(tuple(kl.shape) if torch.is_tensor(kl) else type(kl))}'
    assert torch.allclose(kl, torch.zeros(3)), 'q = N(0, I) is the prior itself: the KL must be 0'

@test_case(points=None, hidden=False)
def test_one_shifted_dimension(kl_to_prior):
    import torch
    kl = kl_to_prior(torch.tensor([[2.0, 0.0]]), torch.zeros(1, 2))
    assert kl is not None, 'kl_to_prior returned None'
    assert torch.allclose(kl, torch.tensor([2.0])), f'mu = (2, 0), sigma = 1 gives KL = 0.5 * 2**2 = 2, got {kl.tolist()} (did you keep the 1/2?)'

