from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_two_rows_three_columns(grid_inputs):
    import torch
    z = torch.tensor([[10.0], [20.0], [30.0]])
    out = grid_inputs(z, 2)
    assert out is not None, 'grid_inputs returned None: replace the ... with a return statement'
    assert isinstance(out, tuple) and len(out) == 2, 'return a pair: labels, codes'
    labels, codes = out
    assert not (torch.is_tensor(labels) and labels.tolist() == [0, 1, 0, 1, 0, 1]), 'you got the labels [0, 1, 0, 1, 0, 1] (arange(K).repeat(C)): the label would change along a row. Row k holds C images of label k, so the labels are [0, 0, 0, 1, 1, 1]: use repeat_interleave for them'
    assert torch.is_tensor(labels) and labels.tolist() == [0, 0, 0, 1, 1, 1], f'2 rows of 3 columns: the labels must be [0, 0, 0, 1, 1, 1] (row 0 first), got {(labels.tolist() if torch.is_tensor(labels) else labels)!r}'
    assert torch.is_tensor(codes) and codes.shape == (6, 1), f'codes must have shape (6, 1), got {(tuple(codes.shape) if torch.is_tensor(codes) else type(codes))}'
    assert codes[:, 0].tolist() != [10.0, 10.0, 20.0, 20.0, 30.0, 30.0], 'that repeats each code K times in a row (repeat_interleave): every row must use the C codes in order, so the codes are z, z, ... (z.repeat(num_classes, 1))'
    assert codes[:, 0].tolist() == [10.0, 20.0, 30.0, 10.0, 20.0, 30.0], f'every row uses the three codes in order, so codes must be z, z; got {codes[:, 0].tolist()}'

@test_case(points=None, hidden=False)
def test_three_rows_of_two_dimensional_codes(grid_inputs):
    import torch
    z = torch.tensor([[1.0, -1.0], [2.0, 0.5]])
    out = grid_inputs(z, 3)
    assert out is not None and isinstance(out, tuple) and (len(out) == 2), 'return a pair: labels, codes'
    labels, codes = out
    assert torch.is_tensor(labels) and (not labels.is_floating_point()) and (labels.dtype != torch.bool), "the labels must be an integer tensor (torch.arange gives int64), the decoder's one-hot needs integers"
    assert labels.tolist() != [0, 1, 2, 0, 1, 2], 'you got the labels [0, 1, 2, 0, 1, 2] (arange(K).repeat(C)): row k needs label k in all C columns (repeat_interleave)'
    assert labels.tolist() == [0, 0, 1, 1, 2, 2], f'3 rows of 2 columns: the labels must be [0, 0, 1, 1, 2, 2], got {labels.tolist()}'
    assert torch.is_tensor(codes) and codes.shape == (6, 2), f'6 images with 2-dimensional codes: codes must have shape (6, 2), got {(tuple(codes.shape) if torch.is_tensor(codes) else type(codes))}: repeat the rows of z, z.repeat(num_classes, 1)'
    assert torch.equal(codes, torch.tensor([[1.0, -1.0], [2.0, 0.5]] * 3)), f'image k*C + c must get code z[c]: expected z, z, z stacked, got {codes.tolist()}'

