from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_small_schedule_by_hand(alpha_bar):
    import torch
    abar = alpha_bar(torch.tensor([0.5, 0.5, 0.2]))
    assert abar is not None, 'alpha_bar returned None: replace the ... with a return statement'
    assert torch.is_tensor(abar) and abar.shape == (3,), f'expected a tensor of shape (3,), one value per step, got {(tuple(abar.shape) if torch.is_tensor(abar) else type(abar))}'
    assert torch.allclose(abar, torch.tensor([0.5, 0.25, 0.2])), f'betas (0.5, 0.5, 0.2) give alphas (0.5, 0.5, 0.8) and running products (0.5, 0.25, 0.2), got {abar.tolist()}: multiply the (1 - beta)s, do not add the betas'

