from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2
all_or_nothing = True

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
    assert abs(got[1] - 1.75) > 0.001, 'you got abar * x0 + (1 - abar) * eps = 1.75 for the middle image: abar and 1 - abar are the variances of the two parts; the scale factors are their square roots, sqrt(abar) and sqrt(1 - abar)'
    assert torch.allclose(xt[:, 0, 0, 0], torch.tensor(want), atol=1e-05), f"with x0 = 1, eps = 2 and abar = (1, 0.25, 0) for the three images, x_t must be {[round(w, 4) for w in want]}, got {got}: use the square roots sqrt(abar) and sqrt(1 - abar), and abar = alpha_bars[t] of each image's own step"

@test_case(points=None, hidden=False)
def test_each_image_its_own_step(forward_jump):
    import torch
    alpha_bars = torch.tensor([0.64, 0.36, 0.16, 0.04])
    x0 = torch.tensor([[[[1.0, -1.0], [0.5, 0.0]]], [[[0.0, 1.0], [-1.0, 0.5]]]])
    eps = torch.tensor([[[[0.5, 1.0], [-1.0, 2.0]]], [[[1.0, -0.5], [0.0, 1.0]]]])
    t = torch.tensor([1, 0])
    try:
        xt = forward_jump(x0, t, eps, alpha_bars)
    except Exception as e:
        raise AssertionError(f'forward_jump raised an error ({e}). If it is about sizes: alpha_bars[t] holds one value per image, shape (B,); reshape it to (B, 1, 1, 1) so that it multiplies whole images') from None
    assert xt is not None, 'forward_jump returned None'
    assert torch.is_tensor(xt) and xt.shape == x0.shape, f'expected a tensor of the shape of x0, {tuple(x0.shape)}, got {(tuple(xt.shape) if torch.is_tensor(xt) else type(xt))}'
    signal, noise = (torch.tensor([0.6, 0.8]), torch.tensor([0.8, 0.6]))
    want = signal.reshape(2, 1, 1, 1) * x0 + noise.reshape(2, 1, 1, 1) * eps
    close = lambda other: torch.allclose(xt, other, atol=1e-05)
    assert not close(signal * x0 + noise * eps), "alpha_bars[t] has shape (B,) and was multiplied along the images' last axis (the columns), not along the batch: reshape it to (B, 1, 1, 1)"
    assert not close(torch.tensor([0.36, 0.64]).reshape(2, 1, 1, 1) * x0 + torch.tensor([0.64, 0.36]).reshape(2, 1, 1, 1) * eps), 'that scales by the variances abar and 1 - abar; the scale factors are sqrt(abar) and sqrt(1 - abar)'
    shifted = [(torch.tensor([0.4, 0.6]), torch.tensor([0.84 ** 0.5, 0.8])), (torch.tensor([0.8, 0.2]), torch.tensor([0.6, 0.96 ** 0.5]))]
    for s, n in shifted:
        assert not close(s.reshape(2, 1, 1, 1) * x0 + n.reshape(2, 1, 1, 1) * eps), "off by one step: t is already the 0-based index of each image's step, use alpha_bars[t] as it is"
    assert close(want), f'image 0 (t = 1) has sqrt(abar) = 0.6 and sqrt(1 - abar) = 0.8, image 1 (t = 0) has 0.8 and 0.6; expected {want.tolist()}, got {xt.tolist()}'

