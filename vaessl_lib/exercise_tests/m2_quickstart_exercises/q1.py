from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=None, hidden=False)
def test_uniform_classifier(unlabeled_bound):
    import math, torch
    logits = torch.zeros(2, 3)
    rows = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    u = unlabeled_bound(logits, rows)
    assert u is not None, 'unlabeled_bound returned None: replace the ... with a return statement'
    assert torch.is_tensor(u) and u.shape == (2,), f'expected one value per image, shape (2,), got {(tuple(u.shape) if torch.is_tensor(u) else type(u))}'
    expected = torch.tensor([3.0, 4.0]) - math.log(3.0)
    assert torch.allclose(u, expected, atol=1e-05), f"with a uniform q, U = (mean of the image's three losses L) - log 3 = {expected.tolist()}, got {u.tolist()}. Image 0's bounds are rows 0, 2, 4 (= 1, 3, 5): rows are label-major, so reshape to (K, B) and transpose; and the entropy is subtracted (U = E_q[L] - H), not added."

@test_case(points=None, hidden=False)
def test_confident_classifier(unlabeled_bound):
    import torch
    logits = torch.tensor([[0.0, 0.0, 200.0], [200.0, 0.0, 0.0]])
    rows = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    u = unlabeled_bound(logits, rows)
    assert u is not None, 'unlabeled_bound returned None'
    assert torch.isfinite(u).all(), f'got {u.tolist()}: a q of exactly 0 makes q * log(q) nan; take log q from torch.log_softmax'
    assert torch.allclose(u, torch.tensor([5.0, 2.0]), atol=0.0001), f'a one-hot q picks one bound and has entropy 0: image 0 (label 2) -> row 2*B + 0 = 5.0, image 1 (label 0) -> row 0*B + 1 = 2.0; got {u.tolist()}'

