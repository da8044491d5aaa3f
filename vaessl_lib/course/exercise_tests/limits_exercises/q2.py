from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_exact_share_flipped(flip_labels):
    import torch
    y = torch.arange(10).repeat(20)
    before = y.clone()
    noisy = flip_labels(y, 0.5, 10, torch.Generator().manual_seed(0))
    assert noisy is not None, 'flip_labels returned None: replace the ... with a return statement'
    assert torch.is_tensor(noisy) and noisy.shape == y.shape and (noisy.dtype == y.dtype), f'expected a tensor like y, shape {tuple(y.shape)} and dtype {y.dtype}'
    assert torch.equal(y, before), 'flip_labels changed y itself: work on a copy (y.clone())'
    assert bool(((noisy >= 0) & (noisy < 10)).all()), 'every label must stay a class in 0..9 (use % num_classes)'
    changed = int((noisy != y).sum())
    assert changed <= 100, f'rate 0.5 on 200 labels must change exactly 100 of them, {changed} changed: choose exactly m = round(rate * N) positions, without repetition (torch.randperm(N, generator=generator)[:m])'
    assert changed >= 100, f'rate 0.5 on 200 labels must change exactly 100 of them, only {changed} changed. Most likely some new labels were drawn from all K classes and landed on the old class again (a draw from torch.randint(0, K) keeps the label with probability 1/K): add a shift from 1 to K-1 modulo K, so that every chosen label really changes. Also choose the m positions without repetition (torch.randperm)'

@test_case(points=None, hidden=False)
def test_rate_zero_and_seed(flip_labels):
    import torch
    y = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])
    same = flip_labels(y, 0.0, 10, torch.Generator().manual_seed(1))
    assert same is not None, 'flip_labels returned None'
    assert torch.equal(same, y), f'rate 0 must leave every label as it is, got {same.tolist()}'
    a = flip_labels(y, 0.5, 10, torch.Generator().manual_seed(2))
    b = flip_labels(y, 0.5, 10, torch.Generator().manual_seed(2))
    assert torch.equal(a, b), 'two calls with generators of the same seed must give the same labels: pass generator=generator to torch.randperm and torch.randint (not the global torch.manual_seed)'

@test_case(points=None, hidden=False)
def test_four_classes_and_rounding(flip_labels):
    import torch
    y = torch.tensor([0, 1, 2, 3, 0, 1, 2, 3, 0, 1])
    for seed in range(5):
        noisy = flip_labels(y, 0.29, 4, torch.Generator().manual_seed(seed))
        assert noisy is not None, 'flip_labels returned None'
        assert torch.is_tensor(noisy) and noisy.shape == y.shape, f'expected a tensor of shape {tuple(y.shape)}'
        assert bool(((noisy >= 0) & (noisy < 4)).all()), f'with num_classes = 4 every label must stay in 0..3, got {noisy.tolist()}: draw the shift from 1 to num_classes - 1 and take the sum % num_classes (not a fixed 10)'
        changed = int((noisy != y).sum())
        assert changed == 3, f'rate 0.29 on 10 labels must change round(2.9) = 3 of them, {changed} changed (seed {seed}): take m = round(rate * len(y)) (int() rounds 2.9 down to 2), and give every chosen position a class other than its own'

