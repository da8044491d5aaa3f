from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_uniform_classifier(unlabeled_bound):
    import math, torch
    logits = torch.zeros(2, 3)
    rows = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    u = unlabeled_bound(logits, rows)
    assert u is not None, 'unlabeled_bound returned None: replace the ... with a return statement'
    assert torch.is_tensor(u) and u.shape == (2,), f'expected one value per image, shape (2,), got {(tuple(u.shape) if torch.is_tensor(u) else type(u))}: sum over the labels (the last axis of the (B, K) matrix)'
    expected = torch.tensor([3.0, 4.0]) - math.log(3.0)
    assert not torch.allclose(u, torch.tensor([2.0, 5.0]) - math.log(3.0), atol=0.0001), "that reads the rows image-major (reshape(B, K)): image 0's bounds are rows 0, 2, 4 (= 1, 3, 5), because the rows are label-major (row c*B + i: image i, label c): reshape to (K, B), then transpose"
    assert not torch.allclose(u, torch.tensor([3.0, 4.0]) + math.log(3.0), atol=0.0001), 'that adds the entropy: U = E_q[L] - H(q), and -H(q) = + sum_y q log q'
    assert torch.allclose(u, expected, atol=1e-05), f"with a uniform q, U = (mean of the image's three losses L) - log 3 = {expected.tolist()}, got {u.tolist()}. Image 0's bounds are rows 0, 2, 4 (= 1, 3, 5): rows are label-major, so reshape to (K, B) and transpose; and the entropy is subtracted (U = E_q[L] - H), not added."

@test_case(points=None, hidden=False)
def test_confident_classifier(unlabeled_bound):
    import torch
    logits = torch.tensor([[0.0, 0.0, 200.0], [200.0, 0.0, 0.0]])
    rows = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    u = unlabeled_bound(logits, rows)
    assert u is not None, 'unlabeled_bound returned None'
    assert torch.isfinite(u).all(), f'got {u.tolist()}: a q of exactly 0 makes q * log(q) nan; take log q from torch.log_softmax'
    assert not torch.allclose(u, torch.tensor([3.0, 4.0]), atol=0.0001), "you got [3.0, 4.0], not the bound of each image's own label: either the rows were read image-major (reshape(B, K); they are label-major: reshape(K, B), then transpose) or the bounds were not weighted by q"
    assert torch.allclose(u, torch.tensor([5.0, 2.0]), atol=0.0001), f'a one-hot q picks one bound and has entropy 0: image 0 (label 2) -> row 2*B + 0 = 5.0, image 1 (label 0) -> row 0*B + 1 = 2.0; got {u.tolist()}'

@test_case(points=None, hidden=False)
def test_a_classifier_that_is_neither_uniform_nor_sure(unlabeled_bound):
    import torch
    logits = torch.tensor([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
    rows = torch.tensor([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    u = unlabeled_bound(logits, rows)
    assert u is not None, 'unlabeled_bound returned None'
    assert torch.is_tensor(u) and u.shape == (2,), 'expected one value per image, shape (2,)'
    close = lambda *values: torch.allclose(u, torch.tensor(values), atol=0.001)
    assert not close(13.415502, 49.334427), 'that reads the rows image-major (reshape(B, K)); they are label-major: reshape(K, B), then transpose'
    assert not close(19.32819, 40.665569), 'that adds the entropy: U = E_q[L] - H(q)'
    assert not close(29.167604, 39.334427), 'that averages the K bounds with equal weights: weight each by q(y|x), the softmax of the logits'
    assert not close(18.495794, 40.0), 'that leaves out the entropy term: U = E_q[L] - H(q)'
    assert not close(23.498005, 83.780228), 'that takes the softmax over the images (dim=0): q(y|x) is the softmax over the labels, the last axis'
    assert close(17.663399, 39.334423), f'q = softmax(logits) row by row, U = sum_y q L - H(q) = [17.6634, 39.3344] for these rows, got {[round(v, 4) for v in u.tolist()]}'

