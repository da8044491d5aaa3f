from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=None, hidden=False)
def test_three_steps_by_hand(forward_jump):
    import torch
    alpha_bars = torch.tensor([1.0, 0.25, 0.0])
    x0, eps = (torch.ones(3, 1, 2, 2), torch.full((3, 1, 2, 2), 2.0))
    xt = forward_jump(x0, torch.tensor([0, 1, 2]), eps, alpha_bars)
    assert xt is not None, 'forward_jump returned None: replace the ... with a return statement'
    assert torch.is_tensor(xt) and xt.shape == x0.shape, f'expected a tensor of the shape of x0, {tuple(x0.shape)}, got {(tuple(xt.shape) if torch.is_tensor(xt) else type(xt))}'
    want = [1.0, 0.5 + 0.75 ** 0.5 * 2.0, 2.0]
    got = [round(float(xt[i, 0, 0, 0]), 4) for i in range(3)]
    assert torch.allclose(xt[:, 0, 0, 0], torch.tensor(want), atol=1e-05), f"with x0 = 1, eps = 2 and abar = (1, 0.25, 0) for the three images, x_t must be {[round(w, 4) for w in want]}, got {got}: use the square roots sqrt(abar) and sqrt(1 - abar), and abar = alpha_bars[t] of each image's own step"

