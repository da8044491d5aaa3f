from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

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
    assert torch.is_tensor(labels) and labels.shape == (4,), 'labels must have one entry per row, shape (4,)'
    assert labels[keep].tolist() == [0, 1, 2], f"the kept rows' most probable classes are 0, 1 and 2, got {labels[keep].tolist()} (use the argmax)"

