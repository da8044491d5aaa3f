from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_zero_for_equal_predictions(pi_consistency):
    import torch
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.0, 0.0, 3.0]])
    c = pi_consistency(logits, logits.clone())
    assert c is not None, 'pi_consistency returned None: replace the ... with a return statement'
    assert torch.is_tensor(c) and c.shape == (), f'expected a scalar tensor (shape ()), got {(tuple(c.shape) if torch.is_tensor(c) else type(c))}: average over the batch'
    assert abs(float(c)) < 1e-07, f'two identical predictions must give 0, got {float(c):.4g}'

@test_case(points=None, hidden=False)
def test_small_example(pi_consistency):
    import math, torch
    logits1 = torch.tensor([[0.0, 0.0], [1.0, 2.0]])
    logits2 = torch.tensor([[math.log(3.0), 0.0], [1.0, 2.0]])
    c = pi_consistency(logits1, logits2)
    assert c is not None, 'pi_consistency returned None'
    assert abs(float(c) - 0.6035) > 0.001, 'you got 0.6035, the squared distance between the logits: compare the softmax probabilities, softmax(logits, dim=-1)'
    assert abs(float(c) - 0.0625) < 1e-06, f'row 0 gives 0.25**2 + 0.25**2 = 0.125 and row 1 gives 0, so the batch mean is 0.0625; got {float(c):.4g}. Compare softmax probabilities (not logits), sum over the classes, average over the rows.'

@test_case(points=None, hidden=False)
def test_four_classes_three_rows_and_gradients(pi_consistency):
    import torch
    logits1 = torch.tensor([[1.0, 0.0, -1.0, 2.0], [0.5, 0.5, 0.0, 0.0], [-2.0, 1.0, 0.0, 1.0]], requires_grad=True)
    logits2 = torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.5, 2.0, 0.0, -1.0], [-2.0, 1.0, 0.0, 1.0]], requires_grad=True)
    c = pi_consistency(logits1, logits2)
    assert c is not None, 'pi_consistency returned None'
    assert torch.is_tensor(c) and c.shape == (), 'expected a scalar tensor (shape ())'
    value = float(c.detach())
    for wrong, why in ((3.083333, 'that compares the logits: compare the softmax probabilities'), (0.036994, 'that averages over the classes too (F.mse_loss): sum over the classes, then average over the rows'), (0.443926, 'that sums over the rows too: sum over the classes, then average over the rows'), (0.239463, 'that takes the softmax over the rows (dim=0): q is the softmax over the classes, dim=-1')):
        assert abs(value - wrong) > 0.0001, why
    assert abs(value - 0.147975) < 1e-05, f'softmax each row, sum the squared differences over the 4 classes, average the 3 rows: 0.147975, got {value:.6f}'
    assert c.requires_grad, 'no gradient reaches the logits: compute the value with torch operations, no .item(), .detach() or numpy'
    c.backward()
    assert logits1.grad is not None and logits2.grad is not None and bool(logits2.grad.abs().sum() > 0), 'gradients must reach both arguments: do not detach the second pass (the library lets both get gradients)'

