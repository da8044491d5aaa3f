from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

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
    assert changed == 100, f'rate 0.5 on 200 labels must change exactly 100 of them, {changed} changed. If fewer: a flipped label must never land on its own class (draw a shift from 1 to K-1 and add it modulo K); if more or fewer in another way: choose exactly round(rate * N) distinct positions'

@test_case(points=None, hidden=False)
def test_rate_zero_and_seed(flip_labels):
    import torch
    y = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])
    same = flip_labels(y, 0.0, 10, torch.Generator().manual_seed(1))
    assert same is not None, 'flip_labels returned None'
    assert torch.equal(same, y), f'rate 0 must leave every label as it is, got {same.tolist()}'
    a = flip_labels(y, 0.5, 10, torch.Generator().manual_seed(2))
    b = flip_labels(y, 0.5, 10, torch.Generator().manual_seed(2))
    assert torch.equal(a, b), 'two calls with generators of the same seed must give the same labels: pass generator=generator to torch.randperm and torch.randint'

