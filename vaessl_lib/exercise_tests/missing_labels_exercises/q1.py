from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_counts_per_class(pick_labelled):
    import torch
    labels = torch.arange(10).repeat(20)
    idx = pick_labelled(labels, 3, torch.Generator().manual_seed(0))
    assert idx is not None, 'pick_labelled returned None: replace the ... with a return statement'
    assert torch.is_tensor(idx) and idx.dim() == 1, f"expected a 1-D tensor of indices, got {type(idx).__name__} {getattr(idx, 'shape', '')}"
    assert not idx.is_floating_point() and idx.dtype != torch.bool, f'indices must be integers, got dtype {idx.dtype} (torch.nonzero gives int64 positions)'
    assert len(idx) == 30, f'3 per class for 10 classes is 30 indices, got {len(idx)}'
    assert len(torch.unique(idx)) == len(idx), 'an index was picked twice: draw without replacement'
    counts = torch.bincount(labels[idx], minlength=10).tolist()
    assert counts == [3] * 10, f'expected 3 examples of each class, got the counts {counts}'

@test_case(points=None, hidden=False)
def test_sorted_and_reproducible(pick_labelled):
    import torch
    labels = torch.arange(10).repeat(20)
    a = pick_labelled(labels, 3, torch.Generator().manual_seed(5))
    b = pick_labelled(labels, 3, torch.Generator().manual_seed(5))
    assert a is not None, 'pick_labelled returned None'
    assert torch.equal(a, torch.sort(a).values), f'return the indices in increasing order (torch.sort(...).values), got {a.tolist()}'
    assert torch.equal(a, b), 'two generators with the same seed gave different picks: draw every random number from `generator`'

