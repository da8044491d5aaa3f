from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_mnist_5k_with_100_labels(eq9_weights):
    w = eq9_weights(100, 3900)
    assert w is not None, 'eq9_weights returned None: replace the ... with a return statement'
    assert isinstance(w, dict), f'return a dict, got {type(w).__name__}'
    keys = {'labeled_weight', 'unlabeled_weight', 'classification_weight'}
    assert keys <= set(w), f'the dict needs the keys {sorted(keys)}, got {sorted(w)}'
    assert all((isinstance(w[key], (int, float)) and (not isinstance(w[key], bool)) for key in keys)), f'the weights must be Python numbers (floats), got {[type(w[key]).__name__ for key in sorted(keys)]}'
    assert abs(w['labeled_weight'] - 0.025) < 1e-09 and abs(w['unlabeled_weight'] - 0.975) < 1e-09, f"N = 4,000, so the bounds weigh N_l/N = 0.025 and N_u/N = 0.975; got {w['labeled_weight']!r} and {w['unlabeled_weight']!r}"
    assert abs(w['classification_weight'] - 0.0025) > 1e-09, "you got 0.0025: that takes N as the number of labels, alpha = 0.1 * N_l = 10; the paper's alpha = 0.1 N with N = N_l + N_u = 4,000 (every training image, labelled or not)"
    assert abs(w['classification_weight'] - 0.1) < 1e-09, f"alpha = 0.1 N = 400 (N counts every training image, labelled or not), so alpha / N = 0.1; got {w['classification_weight']!r}"

@test_case(points=None, hidden=False)
def test_explicit_alpha(eq9_weights):
    w = eq9_weights(100, 3900, alpha=1000.0)
    assert w is not None, 'eq9_weights returned None'
    assert abs(w['classification_weight'] - 0.25) < 1e-09, f"a given alpha replaces 0.1 N: 1000 / 4000 = 0.25, got {w['classification_weight']!r}"

@test_case(points=None, hidden=False)
def test_alpha_zero_and_another_split(eq9_weights):
    w = eq9_weights(1000, 3000)
    assert w is not None, 'eq9_weights returned None'
    got = [w.get(k) for k in ('labeled_weight', 'unlabeled_weight', 'classification_weight')]
    assert all((isinstance(v, (int, float)) for v in got)) and max((abs(a - b) for a, b in zip(got, [0.25, 0.75, 0.1]))) < 1e-09, f'1,000 labelled and 3,000 unlabelled images: N = 4,000, weights N_l/N = 0.25, N_u/N = 0.75 and alpha/N = 0.1 N/N = 0.1; got {got}'
    off = eq9_weights(100, 3900, alpha=0.0)
    assert off is not None and abs(off['classification_weight']) < 1e-12, f"alpha=0.0 is a given alpha (no classification loss), so the weight is 0, got {off['classification_weight']!r}: test `alpha is None`, not `not alpha` or `alpha or 0.1 * n` (0 is falsy)"

