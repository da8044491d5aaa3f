from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_small_example(pool_mask):
    import torch
    y = torch.tensor([0, 5, 3, 9, 3, 2])
    mask = pool_mask(y, (3, 9))
    assert mask is not None, 'pool_mask returned None: replace the ... with a return statement'
    assert torch.is_tensor(mask) and mask.dtype == torch.bool and (mask.shape == (6,)), f"expected a boolean tensor of shape (6,), one entry per pool example, got {getattr(mask, 'dtype', type(mask))} {tuple(getattr(mask, 'shape', ()))}"
    assert mask.tolist() != [True] * 6, 'you kept every entry, the 0, 5 and 2 too: that is y <= max(classes), right only for classes 0..k; keep exactly the entries whose class is in the list (torch.isin)'
    assert mask.tolist() != [False, True, True, True, True, False], 'you kept the 5 too: that keeps the whole range min(classes)..max(classes), not only the listed classes'
    assert mask.tolist() == [False, False, True, True, True, False], f'with classes (3, 9) only the entries equal to 3 or 9 are kept: expected [False, False, True, True, True, False], got {mask.tolist()}'

@test_case(points=None, hidden=False)
def test_digits_0_to_4(pool_mask):
    import torch
    y = torch.arange(10).repeat(3)
    mask = pool_mask(y, [0, 1, 2, 3, 4])
    assert mask is not None, 'pool_mask returned None'
    assert torch.is_tensor(mask) and mask.dtype == torch.bool, 'pool_mask must return a boolean tensor'
    assert int(mask.sum()) == 15 and bool((y[mask] < 5).all()), f'three copies of the digits 0-9 with classes [0, 1, 2, 3, 4] must keep 15 entries, all below 5; kept {int(mask.sum())}: {y[mask].tolist()}'

@test_case(points=None, hidden=False)
def test_scattered_classes_one_class_and_y_untouched(pool_mask):
    import torch
    y = torch.tensor([6, 2, 8, 4, 0, 6, 9, 2])
    before = y.clone()
    cases = [([8, 2], [False, True, True, False, False, False, False, True]), ((0, 4, 9), [False, False, False, True, True, False, True, False]), ((6,), [True, False, False, False, False, True, False, False])]
    for classes, want in cases:
        mask = pool_mask(y, classes)
        assert mask is not None, 'pool_mask returned None'
        assert torch.is_tensor(mask) and mask.dtype == torch.bool and (mask.shape == (8,)), f'expected a boolean tensor of shape (8,) for classes {classes}'
        assert mask.tolist() == want, f'y = {y.tolist()} with classes {classes}: expected {want}, got {mask.tolist()}. Keep an entry exactly when its class is one of the listed classes, however many there are and in any order (not a range from the smallest to the largest)'
    assert torch.equal(y, before), 'pool_mask changed y_unlabeled itself: build the mask without modifying it'

