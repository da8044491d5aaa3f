from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 1
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_format_is_a_fraction(q3_acc):
    """a number between 0.1 and 1"""
    assert isinstance(q3_acc, (int, float)) and (not isinstance(q3_acc, bool)), f'q3_acc must be a number such as 0.812, got {q3_acc!r}'
    assert 0.0 <= q3_acc <= 1.0, f'give the accuracy as a fraction between 0 and 1, not a percentage; got {q3_acc}'
    assert q3_acc > 0.1, f'{q3_acc} is no better than guessing one of 10 classes: read the accuracy, not the error'

