from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_small_schedule_by_hand(alpha_bar):
    import torch
    abar = alpha_bar(torch.tensor([0.5, 0.5, 0.2]))
    assert abar is not None, 'alpha_bar returned None: replace the ... with a return statement'
    assert torch.is_tensor(abar) and abar.shape == (3,), f'expected a tensor of shape (3,), one value per step, got {(tuple(abar.shape) if torch.is_tensor(abar) else type(abar))}'
    assert not torch.allclose(abar, torch.tensor([0.5, 0.0, -0.2]), atol=1e-05), 'you got 1 - (beta_1 + ... + beta_t): that adds the betas. alpha-bar is the product of the alphas, (1 - beta_1)(1 - beta_2)...(1 - beta_t): multiply the (1 - beta)s, do not add the betas'
    assert torch.allclose(abar, torch.tensor([0.5, 0.25, 0.2])), f'betas (0.5, 0.5, 0.2) give alphas (0.5, 0.5, 0.8) and running products (0.5, 0.25, 0.2), got {abar.tolist()}: multiply the (1 - beta)s, do not add the betas'

@test_case(points=None, hidden=False)
def test_a_rising_schedule_and_betas_untouched(alpha_bar):
    import torch
    betas = torch.tensor([0.1, 0.2, 0.3, 0.4])
    before = betas.clone()
    abar = alpha_bar(betas)
    assert abar is not None, 'alpha_bar returned None'
    assert torch.equal(betas, before), 'alpha_bar changed the betas passed in (an in-place operation such as betas.mul_ or -=): compute 1 - betas as a new tensor'
    assert torch.is_tensor(abar) and abar.shape == (4,), f'expected a tensor of shape (4,), got {(tuple(abar.shape) if torch.is_tensor(abar) else type(abar))}'
    close = lambda *values: torch.allclose(abar, torch.tensor(values), atol=1e-05)
    assert not close(1.0, 0.9, 0.72, 0.504), 'off by one step: entry i is alpha-bar at step i + 1, which already includes (1 - beta_{i+1}); entry 0 is 1 - beta_1 = 0.9, not 1'
    assert not close(0.9, 0.7, 0.4, 0.0), 'that is 1 - (beta_1 + ... + beta_t): multiply the alphas, do not add the betas'
    assert not close(0.1, 0.02, 0.006, 0.0024), 'that multiplies the betas: alpha-bar multiplies the alphas, 1 - beta'
    assert not close(0.9, 0.98, 0.994, 0.9976), 'that is 1 - (product of the betas): multiply the alphas, 1 - beta'
    assert close(0.9, 0.72, 0.504, 0.3024), f'betas (0.1, 0.2, 0.3, 0.4) give alphas (0.9, 0.8, 0.7, 0.6) and running products (0.9, 0.72, 0.504, 0.3024), got {[round(v, 5) for v in abar.tolist()]}'

