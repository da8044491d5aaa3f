from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_small_example(select_confident):
    import torch
    probs = torch.tensor([[0.97, 0.02, 0.01], [0.4, 0.35, 0.25], [0.05, 0.9, 0.05], [0.1, 0.05, 0.85]])
    out = select_confident(probs, 0.8)
    assert out is not None, 'select_confident returned None: replace the ... with a return statement'
    assert isinstance(out, tuple) and len(out) == 2, f'return a pair (keep, labels), got {type(out).__name__}'
    keep, labels = out
    assert torch.is_tensor(keep) and keep.dtype == torch.bool and (keep.shape == (4,)), f"keep must be a boolean tensor with one entry per row, shape (4,), got {getattr(keep, 'dtype', type(keep))} {tuple(getattr(keep, 'shape', ()))}: take the max over the last axis (the classes), dim=-1"
    assert keep.tolist() == [True, False, True, True], f'rows 0, 2 and 3 have a largest probability above 0.8, row 1 does not; got keep = {keep.tolist()}'
    assert torch.is_tensor(labels) and labels.shape == (4,), 'labels must have one entry per row, shape (4,), kept or not (do not index it with keep)'
    assert labels[keep].tolist() == [0, 1, 2], f"the kept rows' most probable classes are 0, 1 and 2, got {labels[keep].tolist()} (use the argmax)"

@test_case(points=None, hidden=False)
def test_five_classes_and_a_tie_with_the_threshold(select_confident):
    import torch
    probs = torch.tensor([[0.5, 0.25, 0.125, 0.0625, 0.0625], [0.0625, 0.125, 0.0625, 0.125, 0.625], [0.125, 0.0625, 0.75, 0.0, 0.0625]])
    out = select_confident(probs, 0.5)
    assert out is not None, 'select_confident returned None'
    assert isinstance(out, tuple) and len(out) == 2, 'return a pair (keep, labels)'
    keep, labels = out
    assert torch.is_tensor(keep) and keep.shape == (3,), f"keep must have one entry per row, shape (3,), got {tuple(getattr(keep, 'shape', ()))}: the maximum is taken over the classes (dim=-1), not over the examples"
    assert keep.tolist() != [True, True, True], "row 0's largest probability equals the threshold 0.5, which is not strictly greater: use >, not >="
    assert keep.tolist() == [False, True, True], f'expected keep = [False, True, True], got {keep.tolist()}'
    assert torch.is_tensor(labels) and (not labels.is_floating_point()), 'labels must be class indices (integers, the argmax), not the largest probabilities'
    assert labels.shape == (3,) and labels[1:].tolist() == [4, 2], f'the most probable classes of rows 1 and 2 are 4 and 2, got {labels.tolist()}'

