from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_uniform_classifier_and_the_auxiliary_term(auxiliary_bound):
    import math, torch
    logits = torch.zeros(2, 3)
    rows = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    log_qa = torch.tensor([-10.0, 2.5])
    u = auxiliary_bound(logits, rows, log_qa)
    assert u is not None, 'auxiliary_bound returned None: replace the ... with a return statement'
    assert torch.is_tensor(u) and u.shape == (2,), f'expected one value per image, shape (2,), got {(tuple(u.shape) if torch.is_tensor(u) else type(u))}'
    no_aux = torch.tensor([3.0, 4.0]) - math.log(3)
    assert not torch.allclose(u, no_aux, atol=0.001), "this is M2's bound (Question 1): the auxiliary bound also adds log q(a|x), one value per image"
    assert not torch.allclose(u, no_aux - log_qa, atol=0.001), 'that subtracts log q(a|x): the bound adds it, U = E_q[l] - H(q) + log q(a|x)'
    assert torch.allclose(u, no_aux + log_qa, atol=0.0001), f'with a uniform q the expected bounds are (1+3+5)/3 = 3 and (2+4+6)/3 = 4, the entropy is log 3, and log q(a|x) is added once per image (not weighted by q): expected {(no_aux + log_qa).tolist()}, got {u.tolist()}'

@test_case(points=None, hidden=False)
def test_a_confident_classifier_picks_one_bound(auxiliary_bound):
    import torch
    logits = torch.tensor([[0.0, 0.0, 200.0], [200.0, 0.0, 0.0]])
    rows = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    u = auxiliary_bound(logits, rows, torch.tensor([1.0, -1.0]))
    assert u is not None, 'auxiliary_bound returned None'
    assert torch.isfinite(u).all(), f'got {u.tolist()}: take log q from torch.log_softmax, not log(softmax)'
    assert torch.allclose(u, torch.tensor([6.0, 1.0]), atol=0.0001), f'image 0 is label 2 (bound 5) plus log q(a|x) = 1, image 1 label 0 (bound 2) minus 1: got {u.tolist()}'

@test_case(points=None, hidden=False)
def test_a_classifier_that_is_neither_uniform_nor_sure(auxiliary_bound):
    import torch
    logits = torch.tensor([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]])
    rows = torch.tensor([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    log_qa = torch.tensor([-3.0, 1.5])
    u = auxiliary_bound(logits, rows, log_qa)
    assert u is not None, 'auxiliary_bound returned None'
    assert torch.is_tensor(u) and u.shape == (2,), 'expected one value per image, shape (2,)'
    close = lambda *values: torch.allclose(u, torch.tensor(values), atol=0.001)
    assert not close(17.663399, 39.334423), 'that leaves out log q(a|x): U = E_q[l] - H(q) + log q(a|x)'
    assert not close(20.663399, 37.834423), 'that subtracts log q(a|x); the bound adds it'
    assert not close(10.415502, 50.834427), 'that reads the rows image-major (reshape(B, K)); they are label-major: reshape(K, B), then transpose'
    assert not close(16.32819, 42.165569), 'that adds the entropy: U = E_q[l] - H(q) + log q(a|x)'
    assert close(14.663399, 40.834423), f'q = softmax(logits) row by row, U = sum_y q l - H(q) + log q(a|x) = [14.6634, 40.8344] for these rows, got {[round(v, 4) for v in u.tolist()]}'

