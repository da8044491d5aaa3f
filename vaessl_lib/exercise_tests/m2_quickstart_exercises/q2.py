from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=None, hidden=False)
def test_mnist_5k_with_100_labels(eq9_weights):
    w = eq9_weights(100, 3900)
    assert w is not None, 'eq9_weights returned None: replace the ... with a return statement'
    assert isinstance(w, dict), f'return a dict, got {type(w).__name__}'
    keys = {'labeled_weight', 'unlabeled_weight', 'classification_weight'}
    assert keys <= set(w), f'the dict needs the keys {sorted(keys)}, got {sorted(w)}'
    assert abs(w['labeled_weight'] - 0.025) < 1e-09 and abs(w['unlabeled_weight'] - 0.975) < 1e-09, f"N = 4,000, so the bounds weigh N_l/N = 0.025 and N_u/N = 0.975; got {w['labeled_weight']!r} and {w['unlabeled_weight']!r}"
    assert abs(w['classification_weight'] - 0.1) < 1e-09, f"alpha = 0.1 N = 400 (N counts every training image, labelled or not), so alpha / N = 0.1; got {w['classification_weight']!r}"

@test_case(points=None, hidden=False)
def test_explicit_alpha(eq9_weights):
    w = eq9_weights(100, 3900, alpha=1000.0)
    assert w is not None, 'eq9_weights returned None'
    assert abs(w['classification_weight'] - 0.25) < 1e-09, f"a given alpha replaces 0.1 N: 1000 / 4000 = 0.25, got {w['classification_weight']!r}"

