from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 2

@test_case(points=None, hidden=False)
def test_two_rows_three_columns(grid_inputs):
    import torch
    z = torch.tensor([[10.0], [20.0], [30.0]])
    out = grid_inputs(z, 2)
    assert out is not None, 'grid_inputs returned None: replace the ... with a return statement'
    assert isinstance(out, tuple) and len(out) == 2, 'return a pair: labels, codes'
    labels, codes = out
    assert torch.is_tensor(labels) and labels.tolist() == [0, 0, 0, 1, 1, 1], f'2 rows of 3 columns: the labels must be [0, 0, 0, 1, 1, 1] (row 0 first), got {(labels.tolist() if torch.is_tensor(labels) else labels)!r}'
    assert torch.is_tensor(codes) and codes.shape == (6, 1), f'codes must have shape (6, 1), got {(tuple(codes.shape) if torch.is_tensor(codes) else type(codes))}'
    assert codes[:, 0].tolist() == [10.0, 20.0, 30.0, 10.0, 20.0, 30.0], f'every row uses the three codes in order, so codes must be z, z; got {codes[:, 0].tolist()}'

