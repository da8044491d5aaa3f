from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_one_code_by_hand(decoder_input):
    import torch
    h = decoder_input(torch.tensor([[0.5, -1.0]]), torch.tensor([3]))
    assert h is not None, 'decoder_input returned None: replace the ... with a return statement'
    assert torch.is_tensor(h) and h.shape == (1, 12), f'a 2-D code and 10 classes give shape (1, 12), got {(tuple(h.shape) if torch.is_tensor(h) else type(h))}'
    assert h.dtype == torch.float32, f'the decoder needs a float tensor, got {h.dtype} (convert the one-hot with .float())'
    want = [0.5, -1.0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert h[0].tolist() != [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0.5, -1.0], "that puts the one-hot label first: the library's Decoder reads z in the first d columns and the one-hot label after it, torch.cat([z, one_hot], dim=-1)"
    assert torch.allclose(h, torch.tensor([want])), f'z = (0.5, -1) with y = 3 must give {want} (z first, then the one-hot label), got {h[0].tolist()}'

@test_case(points=None, hidden=False)
def test_a_batch_with_four_classes(decoder_input):
    import torch
    z = torch.tensor([[0.5, -1.0], [2.0, 0.0], [-0.25, 3.0]])
    y = torch.tensor([2, 0, 3])
    h = decoder_input(z, y, num_classes=4)
    assert h is not None, 'decoder_input returned None'
    assert torch.is_tensor(h) and h.shape == (3, 6), f'3 codes of 2 dimensions with num_classes=4 give shape (3, 6), got {(tuple(h.shape) if torch.is_tensor(h) else type(h))}: use num_classes for the one-hot vectors (not a fixed 10) and concatenate along the last axis (dim=-1), one row per code'
    want = [[0.5, -1.0, 0, 0, 1, 0], [2.0, 0.0, 1, 0, 0, 0], [-0.25, 3.0, 0, 0, 0, 1]]
    assert h[:, :4].tolist() != [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], "that puts the one-hot label first: z comes first, then the one-hot label (the Decoder's order)"
    assert torch.allclose(h, torch.tensor(want)), f'each row is its own code followed by the one-hot vector of its own label: expected {want}, got {h.tolist()}'

