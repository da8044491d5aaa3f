from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2
all_or_nothing = True

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
    assert counts == [3] * 10, f"expected 3 examples of each class, got the counts {counts}: return positions in labels (torch.nonzero(labels == c)), not positions inside one class's list"

@test_case(points=None, hidden=False)
def test_sorted_and_reproducible(pick_labelled):
    import torch
    labels = torch.arange(10).repeat(20)
    a = pick_labelled(labels, 3, torch.Generator().manual_seed(5))
    b = pick_labelled(labels, 3, torch.Generator().manual_seed(5))
    assert a is not None, 'pick_labelled returned None'
    assert torch.equal(a, torch.sort(a).values), f'return the indices in increasing order (torch.sort(...).values), got {a.tolist()}'
    assert torch.equal(a, b), 'two generators with the same seed gave different picks: draw every random number from `generator`'

@test_case(points=None, hidden=False)
def test_random_picks_not_the_first_ones(pick_labelled):
    import torch
    labels = torch.arange(10).repeat(20)
    firsts = torch.arange(30)
    picks = [pick_labelled(labels, 3, torch.Generator().manual_seed(s)) for s in (0, 1, 2)]
    assert all((p is not None for p in picks)), 'pick_labelled returned None'
    assert not any((torch.equal(p, firsts) for p in picks)), "you picked the first 3 examples of every class (positions 0-29): choose them uniformly at random among each class's positions, e.g. positions[torch.randperm(len(positions), generator=generator)[:per_class]]"
    assert not (torch.equal(picks[0], picks[1]) and torch.equal(picks[1], picks[2])), 'generators with seeds 0, 1 and 2 gave the same picks: the choice must be random, drawn from `generator`'
    late = sum((int((p >= 30).sum()) for p in picks))
    assert late > 30, f'only {late} of the 90 picks of three seeds lie beyond position 29 (about 76 expected): each of the 20 examples of a class must be equally likely to be picked, not only the first ones'

@test_case(points=None, hidden=False)
def test_classes_with_any_numbers(pick_labelled):
    import torch
    labels = torch.tensor([5, 3, 5, 5, 3, 8, 3, 8, 8, 5])
    idx = pick_labelled(labels, 2, torch.Generator().manual_seed(4))
    assert idx is not None, 'pick_labelled returned None'
    assert torch.is_tensor(idx) and len(idx) == 6 and (len(torch.unique(idx)) == 6), f'the classes 3, 5 and 8 occur, so 2 of each makes 6 different indices, got {(idx.tolist() if torch.is_tensor(idx) else idx)!r}: loop over the classes that occur (torch.unique(labels)), not over range(number of classes)'
    assert sorted(labels[idx].tolist()) == [3, 3, 5, 5, 8, 8], f'expected 2 examples each of the classes 3, 5 and 8, got the classes {labels[idx].tolist()}'

