from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=None, hidden=False)
def test_one_code_by_hand(decoder_input):
    import torch
    h = decoder_input(torch.tensor([[0.5, -1.0]]), torch.tensor([3]))
    assert h is not None, 'decoder_input returned None: replace the ... with a return statement'
    assert torch.is_tensor(h) and h.shape == (1, 12), f'a 2-D code and 10 classes give shape (1, 12), got {(tuple(h.shape) if torch.is_tensor(h) else type(h))}'
    assert h.dtype == torch.float32, f'the decoder needs a float tensor, got {h.dtype} (convert the one-hot with .float())'
    want = [0.5, -1.0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert torch.allclose(h, torch.tensor([want])), f'z = (0.5, -1) with y = 3 must give {want} (z first, then the one-hot label), got {h[0].tolist()}'

