from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

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
    assert abs(float(c) - 0.0625) < 1e-06, f'row 0 gives 0.25**2 + 0.25**2 = 0.125 and row 1 gives 0, so the batch mean is 0.0625; got {float(c):.4g}. Compare softmax probabilities (not logits), sum over the classes, average over the rows.'

