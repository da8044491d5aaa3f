from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_small_example(pool_mask):
    import torch
    y = torch.tensor([0, 5, 3, 9, 3, 2])
    mask = pool_mask(y, (3, 9))
    assert mask is not None, 'pool_mask returned None: replace the ... with a return statement'
    assert torch.is_tensor(mask) and mask.dtype == torch.bool and (mask.shape == (6,)), f"expected a boolean tensor of shape (6,), one entry per pool example, got {getattr(mask, 'dtype', type(mask))} {tuple(getattr(mask, 'shape', ()))}"
    assert mask.tolist() == [False, False, True, True, True, False], f'with classes (3, 9) only the entries equal to 3 or 9 are kept: expected [False, False, True, True, True, False], got {mask.tolist()}'

@test_case(points=None, hidden=False)
def test_digits_0_to_4(pool_mask):
    import torch
    y = torch.arange(10).repeat(3)
    mask = pool_mask(y, [0, 1, 2, 3, 4])
    assert mask is not None, 'pool_mask returned None'
    assert torch.is_tensor(mask) and mask.dtype == torch.bool, 'pool_mask must return a boolean tensor'
    assert int(mask.sum()) == 15 and bool((y[mask] < 5).all()), f'three copies of the digits 0-9 with classes [0, 1, 2, 3, 4] must keep 15 entries, all below 5; kept {int(mask.sum())}: {y[mask].tolist()}'

