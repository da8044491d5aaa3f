from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_uniform_classifier(faithful_unlabeled_loss):
    import math, torch
    logits = torch.zeros(2, 3)
    recon = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    kl = torch.tensor([[0.5, 0.5, 0.5], [0.0, 0.0, 3.0]])
    u = faithful_unlabeled_loss(logits, recon, kl)
    assert u is not None, 'faithful_unlabeled_loss returned None: replace the ... with a return statement'
    assert torch.is_tensor(u) and u.shape == (2,), f'expected one value per image, shape (2,), got {(tuple(u.shape) if torch.is_tensor(u) else type(u))}: sum over the labels, the last axis'
    expected = torch.tensor([2.5, 6.0]) - math.log(3.0)
    assert not torch.allclose(u, torch.tensor([2.5, 6.0]) + math.log(3.0), atol=0.0001), "that is the notes' sign, E_q[BCE + KL] + H: eq. 7 subtracts the entropy, E_q[BCE + KL] - H"
    assert not torch.allclose(u, torch.tensor([2.5, 6.0]), atol=0.0001), 'that leaves out the entropy: eq. 7 is E_q[BCE + KL] - H(q)'
    assert not torch.allclose(u, torch.tensor([2.0, 5.0]) - math.log(3.0), atol=0.0001), 'that leaves out the KL term: the loss of each label is BCE + KL'
    assert torch.allclose(u, expected, atol=1e-05), f"a uniform q averages BCE + KL over the labels (2.5 and 6.0) and subtracts H = log 3: expected {expected.tolist()}, got {u.tolist()}. With the notes' sign you would get 2.5 + log 3 and 6.0 + log 3."

@test_case(points=None, hidden=False)
def test_differs_from_the_notes_by_twice_the_entropy(faithful_unlabeled_loss, notes_unlabeled_loss):
    import torch
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 10, generator=g)
    recon, kl = (90 + 5 * torch.rand(6, 10, generator=g), 20 * torch.rand(6, 10, generator=g))
    u = faithful_unlabeled_loss(logits, recon, kl)
    assert u is not None, 'faithful_unlabeled_loss returned None'
    q = logits.softmax(-1)
    two_h = -2 * (q * q.log()).sum(-1)
    diff = notes_unlabeled_loss(logits, recon, kl) - u
    assert torch.allclose(diff, two_h, atol=0.0001), f"the notes' loss is E_q[L] + H and eq. 7 is E_q[L] - H, so they must differ by 2 H(q) = {[round(v, 3) for v in two_h.tolist()]}; got {[round(v, 3) for v in diff.tolist()]}"

@test_case(points=None, hidden=False)
def test_a_confident_classifier(faithful_unlabeled_loss):
    import torch
    u = faithful_unlabeled_loss(torch.tensor([[300.0, 0.0, 0.0], [0.0, 0.0, 300.0]]), torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), torch.ones(2, 3))
    assert u is not None, 'faithful_unlabeled_loss returned None'
    assert torch.isfinite(u).all(), f'got {u.tolist()}: a q of exactly 0 makes q * log(q) = 0 * (-inf) = nan; take log q from torch.log_softmax(logits, dim=-1), not torch.log(softmax)'
    assert torch.allclose(u, torch.tensor([2.0, 7.0]), atol=0.0001), f"a one-hot q picks one label's BCE + KL (1 + 1 and 6 + 1) and has entropy 0: expected [2.0, 7.0], got {u.tolist()}"

